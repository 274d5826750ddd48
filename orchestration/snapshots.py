"""Published snapshots of the marts: the only thing dashboards and `crm sql` ever open.

DuckDB allows one writer or many readers per file, never both (docs/architecture.md §6.1).
So the refresh writes `build.duckdb` and `marts.duckdb` alone, and after a successful build
copies the marts' file into a new, immutable file `snapshots/v000042.duckdb`. The file is
complete before its name appears, and the pointer `snapshots/CURRENT` is then replaced
atomically: a reader opens either the previous complete snapshot or the new one, never a
half-written file. A failed or killed refresh never reaches the pointer, so the last good
snapshot stays in service.

The snapshot is written in the storage version CRM_SNAPSHOT_STORAGE_VERSION (one DuckDB
1.x opens, so analysts' tools with an older DuckDB read it), and every table of it is also
published as a Parquet file in the folder `v000042-parquet/` beside it, for tools without
DuckDB. The folder gets its name only when complete, before the pointer names it, and is
pruned with its snapshot. So is the deal-scoring model that scored it
(`v000042.model.joblib`), when there is one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest.settings import data_dir, keep_snapshots, snapshot_storage_version
from orchestration.dbt_runner import marts_path

_VERSION = re.compile(r"^v(\d{6})\.duckdb$")


def warehouse_dir() -> Path:
    path = data_dir() / "warehouse"
    path.mkdir(parents=True, exist_ok=True)
    return path


def build_path() -> Path:
    return warehouse_dir() / "build.duckdb"


def snapshots_dir(warehouse: Path | None = None) -> Path:
    """Snapshots live beside the build file they were copied from."""
    path = (warehouse or warehouse_dir()) / "snapshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class Snapshot:
    version: int
    path: Path
    published_at: str
    as_of_date: str
    change_seq: int
    # the folder of its Parquet files (None for a snapshot published or restored without)
    parquet: Path | None = None


class NoSnapshot(RuntimeError):
    def __init__(self) -> None:
        super().__init__("No published snapshot yet: run `crm refresh` first.")


def current(warehouse: Path | None = None) -> Snapshot:
    """The snapshot in service (raises NoSnapshot before the first refresh)."""
    folder = snapshots_dir(warehouse)
    pointer = folder / "CURRENT"
    try:
        meta = json.loads(pointer.read_text())
    except FileNotFoundError:
        raise NoSnapshot from None
    return Snapshot(
        version=meta["version"],
        path=folder / meta["file"],
        published_at=meta["published_at"],
        as_of_date=meta["as_of_date"],
        change_seq=meta["change_seq"],
        parquet=folder / meta["parquet"] if meta.get("parquet") else None,
    )


# A reader of the marts needs nothing outside its snapshot file: no other file (read_csv,
# COPY ... TO, ATTACH, EXPORT), no extension (INSTALL, LOAD), and no way to switch that
# back on (SET is refused once the configuration is locked). `crm sql` runs what a user
# types, so this is what stands between a query and the service user's files.
SEALED = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}


def open_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """The one way readers (dashboards, `crm sql`, checks) open a published snapshot."""
    return duckdb.connect(str(path), read_only=True, config=dict(SEALED))


def connect_current(warehouse: Path | None = None) -> tuple[duckdb.DuckDBPyConnection, Snapshot]:
    snapshot = current(warehouse)
    return open_read_only(snapshot.path), snapshot


def parquet_name(version: int) -> str:
    return f"v{version:06d}-parquet"


def model_name(version: int) -> str:
    return f"v{version:06d}.model.joblib"


def _copy_model(build: Path, folder: Path, version: int) -> str | None:
    """The deal-scoring model that scored this snapshot, kept beside it under its version
    (scoring/model.joblib beside the build; none before the first model is trained)."""
    model = build.parent / "scoring" / "model.joblib"
    if not model.exists():
        return None
    partial = folder / f".{model_name(version)}.partial"
    shutil.copyfile(model, partial)
    _fsync(partial)
    os.replace(partial, folder / model_name(version))
    return model_name(version)


def _versions(folder: Path) -> list[int]:
    return sorted(int(m.group(1)) for p in folder.iterdir() if (m := _VERSION.match(p.name)))


def publish(build: Path, *, change_seq: int, as_of_date: dt.date | None = None) -> Snapshot:
    """Copy the marts into a new snapshot and its Parquet folder, and swap them in."""
    folder = snapshots_dir(build.parent)
    version = max(_versions(folder), default=0) + 1
    name = f"v{version:06d}.duckdb"
    partial = folder / f".{name}.partial"
    parquet_partial = folder / f".{parquet_name(version)}.partial"
    _remove_partials(partial, parquet_partial)
    published_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    marts = marts_path(build)
    with duckdb.connect(str(marts)) as con:
        con.execute("CHECKPOINT")  # everything in the file itself, nothing left in a WAL
    try:
        as_of = _write_partial(marts, partial, version, published_at, change_seq, as_of_date)
        _write_parquet(partial, parquet_partial)
    except BaseException:
        # a failed copy (a full disk) must not keep holding the space it took
        _remove_partials(partial, parquet_partial)
        raise
    final = folder / name
    # the Parquet folder first: once the pointer names the snapshot, both are complete
    # (a folder of this version without its snapshot file is left from a killed publish)
    shutil.rmtree(folder / parquet_name(version), ignore_errors=True)
    os.replace(parquet_partial, folder / parquet_name(version))
    os.replace(partial, final)
    model = _copy_model(build, folder, version)
    meta = {
        "version": version,
        "file": name,
        "parquet": parquet_name(version),
        "published_at": published_at,
        "as_of_date": str(as_of),
        "change_seq": change_seq,
        **({"model": model} if model else {}),
    }
    pointer_tmp = folder / ".CURRENT.tmp"
    pointer_tmp.write_text(json.dumps(meta))
    _fsync(pointer_tmp)
    os.replace(pointer_tmp, folder / "CURRENT")
    _fsync(folder)
    prune(folder, keep=keep_snapshots())
    return current(build.parent)


def _write_partial(
    marts: Path,
    partial: Path,
    version: int,
    published_at: str,
    change_seq: int,
    as_of_date: dt.date | None,
) -> object:
    """The new snapshot under its temporary name, complete and on disk; its as-of date.
    A marts file in the configured storage version (one a full build started) is copied
    whole; another (from before the setting changed) table by table into that version."""
    storage_version = snapshot_storage_version()
    with duckdb.connect() as con:
        if _storage_version(con, marts) == storage_version:
            shutil.copyfile(marts, partial)
            con.execute(f"ATTACH '{_quoted(partial)}' AS snapshot")
        else:
            con.execute(f"ATTACH '{_quoted(marts)}' AS marts (READ_ONLY)")
            con.execute(
                f"ATTACH '{_quoted(partial)}' AS snapshot (STORAGE_VERSION '{storage_version}')"
            )
            con.execute("COPY FROM DATABASE marts TO snapshot")
        as_of = as_of_date or con.execute("select current_date").fetchall()[0][0]
        con.execute(
            "CREATE OR REPLACE TABLE snapshot.main._snapshot AS SELECT ? AS version, "
            "CAST(? AS TIMESTAMP) AS published_at, CAST(? AS DATE) AS as_of_date, "
            "? AS change_seq",
            (version, published_at.replace("+00:00", ""), str(as_of), change_seq),
        )
        con.execute("DETACH snapshot")  # detaching checkpoints: the file is whole
    _fsync(partial)
    return as_of


def _storage_version(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """The storage version a DuckDB file is written in (v1.4.0 for "v1.4.0+")."""
    con.execute(f"ATTACH '{_quoted(path)}' AS probe (READ_ONLY)")
    try:
        (tag,) = con.execute(
            "select tags['storage_version'] from duckdb_databases() where database_name = 'probe'"
        ).fetchone()
    finally:
        con.execute("DETACH probe")
    return tag.removesuffix("+")


def _write_parquet(snapshot: Path, folder: Path) -> None:
    """One Parquet file per table of the snapshot (the marts and `_snapshot`)."""
    folder.mkdir()
    with duckdb.connect(str(snapshot), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() "
                "where database_name = current_database() and schema_name = 'main' "
                "order by 1"
            ).fetchall()
        ]
        for table in tables:
            target = folder / f"{table}.parquet"
            con.execute(f"COPY main.\"{table}\" TO '{_quoted(target)}' (FORMAT parquet)")
            _fsync(target)
    _fsync(folder)


def _quoted(path: Path) -> str:
    """A path inside a single-quoted SQL string literal."""
    return str(path).replace("'", "''")


def _remove_partials(partial: Path, parquet_partial: Path) -> None:
    partial.unlink(missing_ok=True)
    partial.with_name(partial.name + ".wal").unlink(missing_ok=True)
    shutil.rmtree(parquet_partial, ignore_errors=True)


def stale_versions(folder: Path, keep: int) -> list[int]:
    """The versions beyond the newest `keep`, never the one in service (after a restore
    it may be older than files left from before)."""
    try:
        in_service = json.loads((folder / "CURRENT").read_text())["version"]
    except FileNotFoundError:
        in_service = None
    return [v for v in _versions(folder)[: -max(keep, 1)] if v != in_service]


def prune(folder: Path, keep: int, *, partials: bool = True) -> None:
    """Remove all but the newest snapshots. A reader still holding an old file keeps
    reading it: on POSIX the file lives on until its last handle closes. Leftover partial
    files only when called by publish: another caller might meet a publish in progress."""
    for version in stale_versions(folder, keep):
        (folder / f"v{version:06d}.duckdb").unlink(missing_ok=True)
        (folder / f"v{version:06d}.duckdb.wal").unlink(missing_ok=True)
        (folder / model_name(version)).unlink(missing_ok=True)
        shutil.rmtree(folder / parquet_name(version), ignore_errors=True)
    for stale in folder.glob(".*.partial") if partials else ():
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
