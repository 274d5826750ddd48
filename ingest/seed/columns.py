"""Arrow columns from numpy arrays, typed after the SQLAlchemy schema.

The generator works in plain integers: timestamps are seconds since the Unix epoch (naive
UTC, like every `*_at` in the store), dates are days since the epoch, money is float64.
These helpers turn them into Arrow arrays (nulls by mask) and `build` assembles a table in
the column order of the store's schema, filling the bookkeeping columns every `Tracked`
row carries (change_seq, created/updated at and by).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric, String, Text
from sqlalchemy import Table as SATable

from ingest.store.models import Base

DAY = 86_400


def _mask(null: np.ndarray | None) -> np.ndarray | None:
    return None if null is None or not null.any() else null


def ts(seconds: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    values = np.asarray(seconds, dtype=np.int64).astype("datetime64[s]").astype("datetime64[us]")
    return pa.array(values, type=pa.timestamp("us"), mask=_mask(null))


def date(days: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    values = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    return pa.array(values, type=pa.date32(), mask=_mask(null))


def money(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.round(np.asarray(values, dtype=np.float64), 2), mask=_mask(null))


def ints(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64), type=pa.int64(), mask=_mask(null))


def pick(
    words: list[str] | pa.Array, index: np.ndarray, null: np.ndarray | None = None
) -> pa.Array:
    """words[index] as an Arrow string array (a C++ take, no per-row Python)."""
    source = words if isinstance(words, pa.Array) else pa.array(words, type=pa.string())
    taken = source.take(pa.array(np.asarray(index, dtype=np.int64)))
    if _mask(null) is not None:
        taken = pc.if_else(pa.array(null), pa.scalar(None, pa.string()), taken)
    return taken


def join(*parts: pa.Array | str) -> pa.Array:
    """Element-wise string concatenation of arrays and constants."""
    return pc.binary_join_element_wise(*parts, "")


def number_text(values: np.ndarray, width: int = 0) -> pa.Array:
    """Integers as decimal strings, left-padded with zeros to `width`."""
    text = pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())
    return pc.utf8_lpad(text, width=width, padding="0") if width else text


def table_of(name: str) -> SATable:
    return Base.metadata.tables[name]


def build(
    name: str,
    columns: Mapping[str, Any],
    *,
    change_seq: int,
    created_at: Any,
    created_by: Any,
    updated_at: Any = None,
    updated_by: Any = None,
) -> pa.Table:
    """One chunk of a table: given columns plus bookkeeping, in schema order.

    Columns of the schema that are not given are left out, so they load as NULL.
    """
    table = table_of(name)
    n = len(columns["id"])
    given: dict[str, Any] = dict(columns)
    given["change_seq"] = np.full(n, change_seq, dtype=np.int64)
    given["created_at"] = created_at
    given["updated_at"] = created_at if updated_at is None else updated_at
    given["created_by"] = created_by
    given["updated_by"] = created_by if updated_by is None else updated_by
    arrays, names = [], []
    for column in table.columns:
        if column.name not in given or given[column.name] is None:
            continue
        arrays.append(_typed(given[column.name], column.type, n))
        names.append(column.name)
    unknown = set(given) - {c.name for c in table.columns}
    if unknown:
        raise KeyError(f"{name}: no such columns {sorted(unknown)}")
    return pa.Table.from_arrays(arrays, names=names)


def _typed(value: Any, sql_type: Any, n: int) -> pa.Array:
    if isinstance(value, pa.ChunkedArray):
        value = value.combine_chunks()
    if isinstance(value, pa.Array):
        return value
    if np.isscalar(value) or value is None:
        value = np.full(n, value)
    if isinstance(sql_type, DateTime):
        return ts(value)
    if isinstance(sql_type, Date):
        return date(value)
    if isinstance(sql_type, Numeric):
        return money(value)
    if isinstance(sql_type, Boolean):
        return pa.array(np.asarray(value, dtype=bool))
    if isinstance(sql_type, Integer):  # BigInteger and the sqlite Integer variant too
        return ints(value)
    if isinstance(sql_type, String | Text):
        return pa.array(np.asarray(value, dtype=object), type=pa.string())
    return pa.array(value)
