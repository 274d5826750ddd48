"""`crm backup DIR`: a consistent copy of the store and of the published snapshot, taken
while people keep working, in a new folder `DIR/crm-<UTC time>/` with a manifest.

The store is copied as of one change number, the `change_counter` value read in the same
read transaction as the copy (writers are serialised on that counter, so every row up to
it is in the copy and nothing after it):
- SQLite: the online backup API, page by page, from a connection that holds one read
  transaction open. In WAL mode a reader never blocks writers, and because the source
  snapshot stays fixed the copy never restarts when they commit.
- PostgreSQL: `pg_dump` in custom format on a snapshot exported by a repeatable-read
  transaction that also reads the change number.
The snapshot in service is an immutable file: an open handle copies it whole even if a
publish retires it meanwhile. The folder appears under its final name only when complete.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from ingest.importer.run import checksum
from ingest.store.db import get_engine
from orchestration import snapshots
from orchestration.snapshots import _fsync

MANIFEST = "manifest.json"
FORMAT = 1
SQLITE_FILE = "store.sqlite"
PG_FILE = "store.dump"
SNAPSHOT_FOLDER = "snapshot"
BACKUP_PAGES = 1024  # pages copied per step of the SQLite backup (4 MiB at 4 KiB pages)
_NAME = re.compile(r"^crm-\d{8}T\d{6}Z(-\d+)?$")


class BackupError(RuntimeError):
    """A backup or restore that cannot go ahead; the message is one line for the user."""


@dataclass(frozen=True)
class StoreCopy:
    file: str
    change_seq: int
    revision: str
    tool_version: str | None = None


def create_backup(
    root: Path,
    *,
    engine: Engine | None = None,
    warehouse: Path | None = None,
    progress: Callable[[int, int], object] | None = None,
) -> Path:
    """Write a new backup folder under `root` and return it. `progress(remaining, total)`
    is called after each step of a SQLite copy, in pages."""
    engine = engine or get_engine()
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    final = _new_name(root)
    partial = root / f".{final.name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(mode=0o700)  # the store holds password hashes: for the service user only
    try:
        url = engine.url
        if url.get_backend_name() == "sqlite":
            store = backup_sqlite(str(url.database), partial / SQLITE_FILE, progress)
        else:
            store = backup_postgres(url, partial / PG_FILE)
        snapshot = copy_snapshot(warehouse or snapshots.warehouse_dir(), partial)
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            "store": {
                "backend": url.get_backend_name(),
                "file": store.file,
                "change_seq": store.change_seq,
                "migration_revision": store.revision,
                "tool_version": store.tool_version,
            },
            "snapshot": snapshot,
            "files": [_describe(partial, path) for path in sorted(_files(partial))],
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2))
        for path in [*_files(partial), partial]:
            _fsync(path)
        os.replace(partial, final)
        _fsync(root)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return final


def _new_name(root: Path) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate, n = root / f"crm-{stamp}", 1
    while candidate.exists():
        candidate, n = root / f"crm-{stamp}-{n}", n + 1
    return candidate


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST]


def _describe(folder: Path, path: Path) -> dict[str, Any]:
    return {
        "path": path.relative_to(folder).as_posix(),
        "bytes": path.stat().st_size,
        "sha256": checksum(path),
    }


def backup_sqlite(
    database: str, target: Path, progress: Callable[[int, int], object] | None = None
) -> StoreCopy:
    source = sqlite3.connect(database, isolation_level=None, timeout=30)
    try:
        source.execute("BEGIN")  # the first read below fixes the snapshot the copy is of
        change_seq = source.execute("SELECT value FROM change_counter").fetchone()[0]
        revision = source.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        copy = sqlite3.connect(target)
        try:
            source.backup(
                copy,
                pages=BACKUP_PAGES,
                progress=(lambda _status, left, total: progress(left, total)) if progress else None,
            )
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            copy.close()
        source.execute("COMMIT")
    finally:
        source.close()
    return StoreCopy(SQLITE_FILE, int(change_seq), str(revision), sqlite3.sqlite_version)


def pg_environment(url: URL) -> dict[str, str]:
    """libpq's variables for the store: the password never appears on a command line."""
    env = dict(os.environ)
    for name, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
        ("PGSSLMODE", url.query.get("sslmode")),
    ):
        if value:
            env[name] = str(value)
    return env


def pg_tool(name: str, server_major: int) -> tuple[str, str]:
    """The path and version of pg_dump/pg_restore, refused when missing or older than the
    server (pg_dump cannot read a newer server; a newer client reads older ones)."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not on PATH: install the PostgreSQL {server_major} client tools "
            f"(e.g. apt-get install postgresql-client-{server_major})"
        )
    shown = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    found = re.search(r"(\d+)(?:\.(\d+))?", shown.stdout)
    major = int(found.group(1)) if found else 0
    if major < server_major:
        raise BackupError(
            f"{name} {found.group(0) if found else '?'} is older than the PostgreSQL "
            f"{server_major} server: put the version {server_major} client tools first on PATH"
        )
    return path, found.group(0) if found else ""


def backup_postgres(url: URL, target: Path) -> StoreCopy:
    import psycopg

    env = pg_environment(url)
    with psycopg.connect("", **_conninfo(url)) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        server_major = int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000
        dump, version = pg_tool("pg_dump", server_major)
        exported = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        change_seq = conn.execute("SELECT value FROM change_counter").fetchone()[0]
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        done = subprocess.run(
            [dump, "--format=custom", f"--snapshot={exported}", "--file", str(target)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        conn.rollback()
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {_last_line(done.stderr)}")
    return StoreCopy(PG_FILE, int(change_seq), str(revision), version)


def _conninfo(url: URL) -> dict[str, Any]:
    info: dict[str, Any] = {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "password": url.password,
        "dbname": url.database,
        **dict(url.query),
    }
    return {k: v for k, v in info.items() if v is not None}


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def copy_snapshot(warehouse: Path, folder: Path) -> dict[str, Any] | None:
    """Copy the snapshot in service (None before the first refresh)."""
    for _attempt in range(3):  # a publish may retire the file between pointer and open
        try:
            current = snapshots.current(warehouse)
            source = current.path.open("rb")
        except snapshots.NoSnapshot:
            return None
        except FileNotFoundError:
            continue
        target = folder / SNAPSHOT_FOLDER / current.path.name
        target.parent.mkdir(mode=0o700)
        with source, target.open("wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)
        return {
            "file": f"{SNAPSHOT_FOLDER}/{current.path.name}",
            "version": current.version,
            "published_at": current.published_at,
            "as_of_date": current.as_of_date,
            "change_seq": current.change_seq,
        }
    raise BackupError("the published snapshot kept changing while being copied; try again")


def backups(root: Path) -> list[Path]:
    """The complete backups under root, oldest first."""
    if not root.exists():
        return []
    # names are UTC times, so their order is the order they were taken in
    return sorted(p for p in root.iterdir() if p.is_dir() and _NAME.match(p.name))


def keep_newest(root: Path, keep: int) -> list[Path]:
    """Remove all but the newest `keep` backups, and what crashed backups left more than a
    day ago (a younger one may be a backup under way); returns the removed backups."""
    removed = backups(root)[:-keep] if keep > 0 else []
    for folder in removed:
        shutil.rmtree(folder)
    day_ago = dt.datetime.now().timestamp() - 86_400
    for leftover in root.glob(".crm-*.partial"):
        if leftover.stat().st_mtime < day_ago:
            shutil.rmtree(leftover, ignore_errors=True)
    return removed
