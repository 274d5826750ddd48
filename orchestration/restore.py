"""`crm restore DIR`: bring a stopped installation back to a backup of `crm backup`.

In order, each refusal one line and nothing written:
1. every file matches the manifest's size and SHA-256;
2. nothing is using the installation: no other process has the SQLite store open (its
   POSIX locks, which every open SQLite connection holds, listed in /proc/locks), no other
   session is connected to the PostgreSQL database, no Dagster run is in progress (a
   refresh between two steps holds nothing else), no refresh holds the warehouse file;
3. the store does not hold newer data than the backup (a higher change number), unless
   forced.
Then the store is replaced whole (SQLite: a copy beside it renamed over it; PostgreSQL:
pg_restore in one transaction), the snapshot is put back and made the one in service
(temp file + rename), and the warehouse's build files are removed, so the next refresh
rebuilds from the restored store instead of mixing in changes the store no longer has.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import Engine
from sqlalchemy.engine import URL

from ingest.importer.run import checksum
from ingest.settings import data_dir
from ingest.store.db import get_engine
from orchestration import snapshots
from orchestration.backup import (
    MANIFEST,
    BackupError,
    _conninfo,
    _last_line,
    pg_environment,
    pg_tool,
)
from orchestration.dbt_runner import INCREMENTAL_FILE, marts_path
from orchestration.snapshots import _fsync


@dataclass(frozen=True)
class Restored:
    change_seq: int
    snapshot_version: int | None
    replaced_change_seq: int | None

    def lines(self) -> list[str]:
        before = (
            "a new store"
            if self.replaced_change_seq is None
            else f"the store at change {self.replaced_change_seq}"
        )
        snapshot = (
            f"snapshot v{self.snapshot_version:06d} in service"
            if self.snapshot_version is not None
            else "no snapshot in the backup"
        )
        return [
            f"restored the store at change {self.change_seq} over {before}; {snapshot}",
            "the next `crm refresh` rebuilds the warehouse in full",
        ]


def verify(folder: Path) -> dict[str, Any]:
    """The manifest, once every file it lists has its recorded size and checksum."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        files = manifest["files"]
        store = manifest["store"]
    except FileNotFoundError:
        raise BackupError(f"{folder} is not a backup: it has no {MANIFEST}") from None
    except (ValueError, KeyError, TypeError):
        raise BackupError(f"{folder / MANIFEST} is damaged: the backup cannot be used") from None
    for entry in files:
        path = folder / entry["path"]
        if not path.is_file() or path.stat().st_size != entry["bytes"]:
            raise BackupError(f"backup damaged: {entry['path']} is missing or has another size")
        if checksum(path) != entry["sha256"]:
            raise BackupError(f"backup damaged: {entry['path']} does not match its checksum")
    if store["file"] not in {entry["path"] for entry in files}:
        raise BackupError(f"backup damaged: the manifest does not list {store['file']}")
    return manifest


def restore_backup(
    folder: Path,
    *,
    force: bool = False,
    engine: Engine | None = None,
    warehouse: Path | None = None,
) -> Restored:
    manifest = verify(folder)
    engine = engine or get_engine()
    build = warehouse or snapshots.build_path()
    url = engine.url
    backend = url.get_backend_name()
    if manifest["store"]["backend"] != backend:
        raise BackupError(
            f"this is a {manifest['store']['backend']} backup; the store is {backend}"
        )
    refuse_if_in_use(url, build)
    wanted = int(manifest["store"]["change_seq"])
    present = store_change_seq(url)
    if present is not None and present > wanted and not force:
        raise BackupError(
            f"the store has newer data (change {present}) than the backup (change {wanted}); "
            "restore anyway with --force"
        )
    engine.dispose()  # this process's own pooled connections must not outlive the old file
    store_file = folder / manifest["store"]["file"]
    if backend == "sqlite":
        restore_sqlite(store_file, Path(str(url.database)))
    else:
        restore_postgres(store_file, url)
    version = restore_snapshot(folder, manifest.get("snapshot"), build.parent)
    forget_warehouse(build)
    return Restored(wanted, version, present)


# --- is anyone using it? ------------------------------------------------------------------


def refuse_if_in_use(url: URL, build: Path) -> None:
    if url.get_backend_name() == "sqlite":
        holder = sqlite_holder(Path(str(url.database)))
        if holder is not None:
            raise BackupError(
                f"the store is open in another process (pid {holder}: {_command(holder)}); "
                "stop the apps, `crm serve` and any refresh first"
            )
    else:
        sessions = pg_other_sessions(url)
        if sessions:
            raise BackupError(
                f"{sessions} other session(s) are connected to the store's database; "
                "stop the apps, `crm serve` and any refresh first"
            )
    running = dagster_runs_in_progress()
    if running:
        raise BackupError(
            f"a Dagster run is in progress (run {running[0]}); wait for it or cancel it in "
            "the Dagster UI, then restore"
        )
    if build.exists():
        try:
            duckdb.connect(str(build)).close()
        except duckdb.IOException:
            raise BackupError(
                "a refresh holds the warehouse; wait for it or stop it, then restore"
            ) from None


def dagster_runs_in_progress() -> list[str]:
    """Runs of the instance under DAGSTER_HOME that have started and not ended, except
    those of a `crm refresh` whose process is gone (the next refresh marks them failed)."""
    home = Path(os.environ.get("DAGSTER_HOME") or data_dir() / "dagster")
    if not (home / "dagster.yaml").exists():
        return []
    from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

    from orchestration.dagster_launcher import PID_TAG, process_alive
    from orchestration.dagster_refresh import dagster_home

    dagster_home()  # the instance's configuration reads DAGSTER_HOME from the environment
    with DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs(
            RunsFilter(statuses=[DagsterRunStatus.STARTED, DagsterRunStatus.STARTING])
        )
    return [
        run.run_id
        for run in runs
        if PID_TAG not in run.tags or process_alive(int(run.tags[PID_TAG]))
    ]


def sqlite_holder(database: Path) -> int | None:
    """Another process holding a lock on the store or its WAL index: every open SQLite
    connection in WAL mode holds one as long as it is open. None where /proc/locks is
    not available (the check is then skipped)."""
    inodes = set()
    for path in (database, database.with_name(database.name + "-shm")):
        try:
            inodes.add(path.stat().st_ino)
        except FileNotFoundError:
            continue
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if "->" in fields:  # a waiter, shown under the lock it waits for
            fields.remove("->")
        if len(fields) < 6:
            continue
        pid, where = fields[4], fields[5]
        if int(where.rsplit(":", 1)[-1]) in inodes and int(pid) != os.getpid():
            return int(pid)
    return None


def _command(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "?"
    return " ".join(part.decode(errors="replace") for part in raw.split(b"\0") if part)[:120]


def pg_other_sessions(url: URL) -> int:
    import psycopg

    with psycopg.connect("", **_conninfo(url), autocommit=True) as conn:
        return int(
            conn.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()[0]
        )


def store_change_seq(url: URL) -> int | None:
    """The target store's change number; None when there is no store yet."""
    if url.get_backend_name() == "sqlite":
        database = Path(str(url.database))
        if not database.exists():
            return None
        conn: Any = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    else:
        import psycopg

        conn = psycopg.connect("", **_conninfo(url))
    try:
        row = conn.execute("SELECT value FROM change_counter").fetchone()
    except Exception as error:  # sqlite3 or psycopg: no such table
        if "change_counter" in str(error):  # an empty database: nothing to lose
            return None
        raise
    finally:
        conn.close()
    return int(row[0]) if row else None


# --- putting things back ------------------------------------------------------------------


def restore_sqlite(copy: Path, database: Path) -> None:
    """Copy beside the store, then rename over it; the old store's WAL is emptied first so
    that it can never be replayed onto the restored file."""
    database.parent.mkdir(parents=True, exist_ok=True)
    partial = database.with_name(f".{database.name}.restore")
    shutil.copyfile(copy, partial)
    os.chmod(partial, 0o600)
    _fsync(partial)
    if database.exists():
        old = sqlite3.connect(database)
        try:
            old.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            old.close()
    os.replace(partial, database)
    for suffix in ("-wal", "-shm"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    _fsync(database.parent)


def restore_postgres(dump: Path, url: URL) -> None:
    """pg_restore in one transaction: the database is the backup's, or unchanged."""
    import psycopg

    with psycopg.connect("", **_conninfo(url), autocommit=True) as conn:
        server_major = int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000
    tool, _version = pg_tool("pg_restore", server_major)
    done = subprocess.run(
        [
            tool,
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--no-owner",
            "--exit-on-error",
            "--dbname",
            str(url.database),
            str(dump),
        ],
        env=pg_environment(url),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed, the store is unchanged: {_last_line(done.stderr)}")


def restore_snapshot(folder: Path, meta: dict[str, Any] | None, warehouse: Path) -> int | None:
    if not meta:
        return None
    target_dir = snapshots.snapshots_dir(warehouse)
    name = Path(meta["file"]).name
    partial = target_dir / f".{name}.partial"
    shutil.copyfile(folder / meta["file"], partial)
    _fsync(partial)
    os.replace(partial, target_dir / name)
    pointer = {key: meta[key] for key in ("version", "published_at", "as_of_date", "change_seq")}
    pointer["file"] = name
    pointer_tmp = target_dir / ".CURRENT.tmp"
    pointer_tmp.write_text(json.dumps(pointer))
    _fsync(pointer_tmp)
    os.replace(pointer_tmp, target_dir / "CURRENT")
    _fsync(target_dir)
    return int(meta["version"])


def forget_warehouse(build: Path) -> None:
    """The build files describe the store as it was: the next refresh starts afresh."""
    marts = marts_path(build)
    for path in (
        build,
        build.with_name(build.name + ".wal"),
        marts,
        marts.with_name(marts.name + ".wal"),
        build.parent / "built_from.json",  # orchestration.defs.resources.built_from_path
        build.parent / INCREMENTAL_FILE,
    ):
        path.unlink(missing_ok=True)
