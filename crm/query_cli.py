"""`crm sql`: a read-only query on the published snapshot, printed as CSV or JSON.

The snapshot is opened sealed (snapshots.open_read_only): a query reads the marts and
nothing else; what DuckDB refuses comes back as one line (QueryFailed). The CSV is often
opened in a spreadsheet, so its cells go through the exports' formula guard."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import duckdb

from ingest.exports import inert_row
from orchestration import snapshots


class QueryFailed(RuntimeError):
    """DuckDB's verdict on a query (a typo, or something the sealed snapshot refuses)."""


def run_query(query: str, fmt: str = "csv") -> str:
    con, _snapshot = snapshots.connect_current()
    with con:
        try:
            cursor = con.execute(query)
            columns = [d[0] for d in cursor.description] if cursor.description else []
            rows = cursor.fetchall() if columns else []
        except duckdb.Error as error:
            raise QueryFailed(_first_line(error)) from None
    if fmt == "json":
        records = [dict(zip(columns, row, strict=True)) for row in rows]
        return json.dumps(records, default=_json_value, ensure_ascii=False, indent=1) + "\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(inert_row(columns))
    writer.writerows(inert_row(list(row)) for row in rows)
    return out.getvalue()


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def _first_line(error: duckdb.Error) -> str:
    lines = str(error).strip().splitlines()
    first = lines[0] if lines else type(error).__name__
    if isinstance(error, duckdb.PermissionException) or "configuration has been locked" in first:
        return f"{first} (crm sql reads only the published marts)"
    return first
