"""Read-only access to the published snapshot, with results cached per snapshot version.

The refresh publishes immutable snapshot files and swaps a pointer (orchestration.snapshots).
Every query re-reads that small pointer, so a new publish is served by the very next query;
a connection is opened once per snapshot version, read-only, and never on the file a
refresh writes. Results are cached under the snapshot version: a new version is a new key,
so nothing stale survives a publish and nothing has to be invalidated by hand.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import wraps
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import duckdb
import pandas as pd

from orchestration import snapshots
from orchestration.snapshots import Snapshot

P = ParamSpec("P")
R = TypeVar("R")

_CACHE_SIZE = 512
# Connections of older versions stay open a little: a query started on the previous
# snapshot (another Streamlit thread) finishes on it while new queries use the new one.
_KEEP_CONNECTIONS = 2

_lock = threading.Lock()
_connections: OrderedDict[Path, duckdb.DuckDBPyConnection] = OrderedDict()
_results: OrderedDict[Hashable, Any] = OrderedDict()


def warehouse_folder() -> Path:
    return snapshots.warehouse_dir()


def current() -> Snapshot:
    """The snapshot in service now (raises snapshots.NoSnapshot before the first refresh)."""
    return snapshots.current(warehouse_folder())


def _connection(snapshot: Snapshot) -> duckdb.DuckDBPyConnection:
    with _lock:
        con = _connections.get(snapshot.path)
        if con is None:
            con = snapshots.open_read_only(snapshot.path)
            _connections[snapshot.path] = con
            while len(_connections) > _KEEP_CONNECTIONS:
                _, old = _connections.popitem(last=False)
                old.close()
        return con


def frame(snapshot: Snapshot, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """Run one parameterized query on the snapshot; a cursor per call is thread-safe."""
    cursor = _connection(snapshot).cursor()
    try:
        return cursor.execute(sql, params or {}).df()
    finally:
        cursor.close()


def rows(snapshot: Snapshot, sql: str, params: dict[str, Any] | None = None) -> list[tuple]:
    """Like `frame` but exact: DECIMAL stays Decimal (KPIs are right to the last yuan)."""
    cursor = _connection(snapshot).cursor()
    try:
        return cursor.execute(sql, params or {}).fetchall()
    finally:
        cursor.close()


def record(snapshot: Snapshot, sql: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """The single row of an aggregate query, by column name, values exact."""
    cursor = _connection(snapshot).cursor()
    try:
        cursor.execute(sql, params or {})
        names = [d[0] for d in cursor.description or []]
        row = cursor.fetchone()
    finally:
        cursor.close()
    return dict(zip(names, row or [None] * len(names), strict=True))


def cached(fn: Callable[Concatenate[Snapshot, P], R]) -> Callable[P, R]:
    """Cache a query function's result under (snapshot file, function, arguments).

    The wrapped function receives the snapshot in service as its first argument, read
    once per call, so one answer never mixes two snapshots.

    The arguments (Filters, Actor, ...) are frozen dataclasses and plain values, so they
    are hashable. Callers receive copies of frames, so a page that adds a column never
    changes what the next caller sees.
    """

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        snapshot = current()
        key = (
            str(snapshot.path),
            fn.__module__,
            fn.__qualname__,
            args,
            tuple(sorted(kwargs.items())),
        )
        with _lock:
            hit = key in _results
            if hit:
                _results.move_to_end(key)
                value = _results[key]
        if not hit:
            value = fn(snapshot, *args, **kwargs)
            with _lock:
                _results[key] = value
                while len(_results) > _CACHE_SIZE:
                    _results.popitem(last=False)
        return _copy(value)

    return wrapper


def _copy(value: Any) -> Any:
    if isinstance(value, pd.DataFrame):
        return value.copy()
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


def clear() -> None:
    """Forget every connection and result (tests switch warehouses between modules)."""
    with _lock:
        for con in _connections.values():
            con.close()
        _connections.clear()
        _results.clear()
