"""Incremental extraction from the operational store into the warehouse's `raw` schema.

Each entity table of the store is mirrored as `raw.<table>` in the DuckDB build file. A run
reads, in ONE read transaction of the store (a consistent snapshot), every row whose
change_seq lies above the table's watermark and the tombstones of deleted rows, then applies
them to DuckDB in ONE DuckDB transaction together with the new watermarks. A crash before
that commit leaves raw and watermarks as they were; the next run reads the same rows again,
and the delete-then-insert by id makes a repeat harmless. So nothing is lost or doubled.

Writers are serialised on the store's change counter, so every row with change_seq at or
below the counter read inside the snapshot is committed and visible in it.

Rows travel as Arrow record batches (ADBC drivers for SQLite and PostgreSQL); the SELECT
casts every column to one type per column because SQLite's storage classes vary by row.

A full load (asked for, a new warehouse, or raw ahead of the store) reads at the store's
speed on every core: raw is dropped and created empty, then one reader per core takes the
tables, the large ones in id ranges, each reader in a read transaction of its own that
sees the same snapshot (PostgreSQL: the exported snapshot; SQLite: the same change counter,
else one reader loads it all), and streams into raw; the watermarks are written last. A
crash before them leaves raw without watermarks, which the next run loads in full again.

The ADBC SQLite driver links its own copy of SQLite. Two SQLite libraries in one process
break each other's POSIX file locks (closing one releases the other's), which shows up as
"disk I/O error" and can corrupt the store. So SQLite extraction always runs in a child
process of its own (from a fork server, so that it starts clean and fast).
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import queue
import re
import sys
import time
import types
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import (
    URL,
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    Integer,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.types import TypeEngine

from ingest.store.models import ENTITY_TABLES

WATERMARKS = "raw._watermarks"
# A full load reads a large table in id ranges of about this many rows, so that the readers
# share the work evenly and each range streams with bounded memory.
PART_ROWS = 1_000_000
# Credentials and sign-in state never leave the operational store.
PRIVATE_COLUMNS = {"users": {"password_hash", "must_change_password"}}


def extracted_columns(table: Table) -> list[Column[Any]]:
    private = PRIVATE_COLUMNS.get(table.name, set())
    return [c for c in table.columns if c.name not in private]


def duckdb_type(sql_type: TypeEngine[Any]) -> str:
    if isinstance(sql_type, Boolean):
        return "BOOLEAN"
    if isinstance(sql_type, Numeric) and not isinstance(sql_type, Integer):
        return f"DECIMAL({sql_type.precision or 18},{sql_type.scale or 2})"
    if isinstance(sql_type, Integer):
        return "BIGINT"
    if isinstance(sql_type, DateTime):
        return "TIMESTAMP"
    if isinstance(sql_type, Date):
        return "DATE"
    if isinstance(sql_type, String | Text):
        return "VARCHAR"
    raise TypeError(f"no DuckDB type for {sql_type!r}")


# SQLite storage classes per DuckDB type, and a non-null value of each for the anchor row.
_SQLITE_CLASS = {
    "DECIMAL": ("REAL", "0.0"),
    "BIGINT": ("INTEGER", "0"),
    "BOOLEAN": ("INTEGER", "0"),
}
_TEXT = ("TEXT", "''")
ANCHOR_ID = -1


def _changed_rows_query(table: Table, dialect: str) -> str:
    """Rows changed after a watermark (the query's one parameter), one type per column.

    ADBC's SQLite driver infers each column's type from the first rows it reads, and a
    column NULL in all of them becomes INT64 until a text value breaks the read. So on
    SQLite the query starts with an anchor row (id -1) holding a value of the right
    storage class in every column; the load skips it.
    """
    param = "?" if dialect == "sqlite" else "$1"
    columns = extracted_columns(table)
    where = f'FROM "{table.name}" WHERE change_seq > {param}'
    if dialect != "sqlite":
        # PostgreSQL: numeric as text keeps every digit until DuckDB parses it.
        selected = [
            f'CAST("{c.name}" AS TEXT) AS "{c.name}"'
            if duckdb_type(c.type).startswith("DECIMAL")
            else f'"{c.name}"'
            for c in columns
        ]
        return f"SELECT {', '.join(selected)} {where}"
    classes = [_SQLITE_CLASS.get(duckdb_type(c.type).split("(")[0], _TEXT) for c in columns]
    anchor = ", ".join(
        f'{ANCHOR_ID if c.name == "id" else value} AS "{c.name}"'
        for c, (_, value) in zip(columns, classes, strict=True)
    )
    selected = ", ".join(
        f'CAST("{c.name}" AS {cls}) AS "{c.name}"'
        for c, (cls, _) in zip(columns, classes, strict=True)
    )
    return f"SELECT {anchor} UNION ALL SELECT {selected} {where}"


def _part_query(table: Table, dialect: str) -> str:
    """Every row with an id in (low, high], the query's two parameters: a full load reads
    the snapshot whole, so it ranges over the primary key instead of the watermark."""
    first, second = ("?", "?") if dialect == "sqlite" else ("$1", "$2")
    changed = _changed_rows_query(table, dialect)
    where = changed[changed.rindex("WHERE") :]
    return changed.replace(where, f"WHERE id > {first} AND id <= {second}")


def raw_ddl(table: Table) -> str:
    columns = ", ".join(f'"{c.name}" {duckdb_type(c.type)}' for c in extracted_columns(table))
    return f'CREATE TABLE IF NOT EXISTS raw."{table.name}" ({columns}, PRIMARY KEY (id))'


def _insert_sql(table: Table, relation: str) -> str:
    casts = ", ".join(
        f'CAST("{c.name}" AS {duckdb_type(c.type)})' for c in extracted_columns(table)
    )
    return f'INSERT INTO raw."{table.name}" SELECT {casts} FROM {relation} WHERE id <> {ANCHOR_ID}'


@dataclass
class TableLoad:
    table: str
    upserted: int = 0
    deleted: int = 0


@dataclass
class ExtractSummary:
    full: bool
    high_watermark: int
    seconds: float
    tables: list[TableLoad] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(t.upserted + t.deleted for t in self.tables)


@contextmanager
def _store_snapshot(url: URL, exported: str | None = None) -> Iterator[Any]:
    """An ADBC DB-API connection inside one read transaction of the store; on PostgreSQL,
    `exported` names the snapshot (pg_export_snapshot) the transaction is to see."""
    if url.get_backend_name() == "sqlite":
        import adbc_driver_sqlite.dbapi as adbc

        conn = adbc.connect(url.database, autocommit=True)
        begin = "BEGIN"
    else:
        import adbc_driver_postgresql.dbapi as adbc

        uri = url.set(drivername="postgresql").render_as_string(hide_password=False)
        conn = adbc.connect(uri, autocommit=True)
        begin = "START TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"
    try:
        cursor = conn.cursor()
        cursor.execute(begin)
        if exported is not None:
            if not re.fullmatch(r"[0-9A-F-]+", exported):
                raise ValueError(f"not a snapshot name: {exported!r}")
            cursor.execute(f"SET TRANSACTION SNAPSHOT '{exported}'")
        yield cursor
        cursor.execute("COMMIT")
    finally:
        conn.close()


def _load_table(
    con: duckdb.DuckDBPyConnection,
    cursor: Any,
    table: Table,
    mark: int,
    dialect: str,
) -> TableLoad:
    """Apply one table's tombstones and changed rows above its watermark."""
    load = TableLoad(table.name)
    select_changed = _changed_rows_query(table, dialect)
    if mark == 0:
        # First load: the raw table is empty, so stream the rows (bounded memory).
        cursor.execute(select_changed, (mark,))
        reader = cursor.fetch_record_batch()
        con.register("_rows", reader)
        con.execute(_insert_sql(table, "_rows"))
        con.unregister("_rows")
        load.upserted = con.execute(f'SELECT count(*) FROM raw."{table.name}"').fetchall()[0][0]
        return load
    rows = _read(cursor, select_changed, (mark,))
    rows = rows.filter(pc.not_equal(rows["id"], ANCHOR_ID))
    con.register("_rows", rows)
    gone = con.execute(
        "SELECT CAST(row_id AS BIGINT) FROM _tombstones "
        "WHERE CAST(table_name AS VARCHAR) = ? AND change_seq > ?",
        (table.name, mark),
    ).fetchall()
    # Tombstones first: a row deleted and later re-created under the same id is alive,
    # and then it is in _rows.
    con.execute(
        f'DELETE FROM raw."{table.name}" WHERE id IN '
        "(SELECT CAST(id AS BIGINT) FROM _rows UNION ALL SELECT unnest(?::BIGINT[]))",
        ([row_id for (row_id,) in gone],),
    )
    con.execute(_insert_sql(table, "_rows"))
    con.unregister("_rows")
    load.upserted, load.deleted = rows.num_rows, len(gone)
    return load


def _param(dialect: str) -> str:
    return "?" if dialect == "sqlite" else "$1"


def _read(cursor: Any, sql: str, params: tuple[Any, ...] = ()) -> pa.Table:
    cursor.execute(sql, params)
    return cursor.fetch_arrow_table()


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {WATERMARKS} "
        "(table_name VARCHAR PRIMARY KEY, change_seq BIGINT, extracted_at TIMESTAMP)"
    )
    for table in ENTITY_TABLES:
        con.execute(raw_ddl(table))


def watermarks(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return dict(con.execute(f"SELECT table_name, change_seq FROM {WATERMARKS}").fetchall())


def extract(
    engine: Engine,
    warehouse: Path | str,
    *,
    full: bool = False,
    fail_before_commit: bool = False,
    part_rows: int = PART_ROWS,
) -> ExtractSummary:
    """Bring raw up to date with the store. `fail_before_commit` exists for crash tests;
    `part_rows` is the size of a full load's id ranges."""
    url = engine.url.render_as_string(hide_password=False)
    asked = (url, str(warehouse), full, fail_before_commit, part_rows)
    if engine.dialect.name != "sqlite":
        return _extract(*asked)
    with _bare_main(), ProcessPoolExecutor(max_workers=1, mp_context=_child_processes()) as pool:
        return pool.submit(_extract, *asked).result()


@contextmanager
def _bare_main() -> Iterator[None]:
    """A new child re-runs the parent's `__main__` file before it works. When the parent is
    a Streamlit script runner (the apps, AppTest), that file is an app page, which must not
    run in the child; an empty `__main__` gives the child nothing to re-run."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse file: DuckDB allows one writer at a time."""


def connect_for_writing(warehouse: str | Path) -> duckdb.DuckDBPyConnection:
    try:
        con = duckdb.connect(str(warehouse))
    except duckdb.IOException as error:
        if "lock" not in str(error).lower():
            raise
        holder = re.search(r"PID (\d+)", str(error))
        raise WarehouseBusy(
            f"the warehouse {warehouse} is in use by another process"
            f"{f' (PID {holder.group(1)})' if holder else ''}; "
            "wait for it to finish or stop it, then refresh again"
        ) from None
    con.execute("set enable_progress_bar = false")  # a refresh prints its summary only
    return con


@functools.cache
def _child_processes() -> multiprocessing.context.BaseContext:
    """A fork server that has imported this module once: clean children, started quickly."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["ingest.extract", "adbc_driver_sqlite.dbapi"])
    return context


def _extract(
    url: str, warehouse: str, full: bool, fail_before_commit: bool, part_rows: int
) -> ExtractSummary:
    began = time.perf_counter()
    store = make_url(url)
    dialect = store.get_backend_name()
    with connect_for_writing(warehouse) as con:
        ensure_raw_schema(con)
        marks = watermarks(con)
        with _store_snapshot(store) as cursor:
            high = _counter(cursor)
            # raw ahead of the store: a restored backup, or another store
            full = full or not marks or max(marks.values()) > high
            if full:
                marks = {}
            summary = ExtractSummary(full=full, high_watermark=high, seconds=0.0)
            try:
                if full:
                    summary.tables = _load_everything(con, cursor, store, high, part_rows)
                else:
                    summary.tables = _load_changes(con, cursor, marks, high, dialect)
                if fail_before_commit:
                    raise RuntimeError("simulated crash before the extraction commit")
                con.executemany(
                    f"INSERT OR REPLACE INTO {WATERMARKS} VALUES (?, ?, now())",
                    [(t.name, max(high, marks.get(t.name, 0))) for t in ENTITY_TABLES],
                )
                con.execute("COMMIT")
            except BaseException:
                with suppress(duckdb.TransactionException):  # none open when a load failed
                    con.execute("ROLLBACK")
                raise
    summary.seconds = time.perf_counter() - began
    return summary


def _counter(cursor: Any) -> int:
    return int(_read(cursor, "SELECT value FROM change_counter").column(0)[0].as_py())


def _load_changes(
    con: duckdb.DuckDBPyConnection, cursor: Any, marks: dict[str, int], high: int, dialect: str
) -> list[TableLoad]:
    """The rows changed above each table's watermark and the tombstones, in ONE DuckDB
    transaction that the caller commits with the new watermarks."""
    tombstones = _read(
        cursor,
        "SELECT table_name, row_id, change_seq FROM deleted_rows "
        f"WHERE change_seq > {_param(dialect)}",
        (min(marks.values(), default=0),),
    )
    con.register("_tombstones", tombstones)
    con.execute("BEGIN")
    return [
        _load_table(con, cursor, table, marks.get(table.name, 0), dialect)
        for table in ENTITY_TABLES
        if marks.get(table.name, 0) < high
    ]


def _load_everything(
    con: duckdb.DuckDBPyConnection, cursor: Any, store: URL, high: int, part_rows: int
) -> list[TableLoad]:
    """raw afresh from the store's snapshot, one reader per core (see the module's
    docstring); leaves a transaction open for the caller to commit the watermarks."""
    con.execute("DROP SCHEMA IF EXISTS raw CASCADE")
    ensure_raw_schema(con)
    parts: queue.SimpleQueue[tuple[Table, int, int]] = queue.SimpleQueue()
    for part in sorted(_parts(cursor, part_rows), key=lambda p: p[2] - p[1], reverse=True):
        parts.put(part)
    dialect = store.get_backend_name()
    with ExitStack() as stack:
        readers = [cursor, *_more_readers(stack, cursor, store, high)]
        writers = [stack.enter_context(con.cursor()) for _ in readers]
        with ThreadPoolExecutor(max_workers=len(readers)) as pool:
            running = [
                pool.submit(_read_parts, w, r, parts, dialect)
                for r, w in zip(readers, writers, strict=True)
            ]
            for done in running:
                done.result()
    con.execute("BEGIN")
    return [
        TableLoad(t.name, con.execute(f'SELECT count(*) FROM raw."{t.name}"').fetchone()[0])
        for t in ENTITY_TABLES
    ]


def _parts(cursor: Any, part_rows: int) -> Iterator[tuple[Table, int, int]]:
    """Each table's id ranges of `part_rows` ids (about as many rows: the seed and the
    commands number rows one after another)."""
    for table in ENTITY_TABLES:
        top = _read(cursor, f'SELECT max(id) FROM "{table.name}"').column(0)[0].as_py() or 0
        for low in range(0, max(top, 1), part_rows):
            yield table, low, min(low + part_rows, top)


def _more_readers(stack: ExitStack, cursor: Any, store: URL, high: int) -> list[Any]:
    """Read transactions beside `cursor`'s that see the same snapshot, one per further core;
    none on SQLite when a write came in between (then one reader does it all)."""
    wanted = min(os.cpu_count() or 1, 4) - 1
    if wanted == 0:
        return []
    if store.get_backend_name() != "sqlite":
        exported = _read(cursor, "SELECT pg_export_snapshot()").column(0)[0].as_py()
        return [stack.enter_context(_store_snapshot(store, exported)) for _ in range(wanted)]
    readers = [stack.enter_context(_store_snapshot(store)) for _ in range(wanted)]
    return readers if all(_counter(r) == high for r in readers) else []


def _read_parts(
    writer: duckdb.DuckDBPyConnection,
    cursor: Any,
    parts: queue.SimpleQueue[tuple[Table, int, int]],
    dialect: str,
) -> None:
    """Stream parts from `cursor` into raw through `writer`, a DuckDB connection of this
    reader's own, until none is left (each insert commits; the watermarks come last)."""
    while True:
        try:
            table, low, high = parts.get_nowait()
        except queue.Empty:
            return
        cursor.execute(_part_query(table, dialect), (low, high))
        writer.register("_rows", cursor.fetch_record_batch())
        writer.execute(_insert_sql(table, "_rows"))
        writer.unregister("_rows")
