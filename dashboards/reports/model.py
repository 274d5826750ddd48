"""What a report is, whatever file it is written to: a header and tables of typed columns.

The builders (one module per report) fill these from the snapshot; the writers (Excel,
PDF) lay them out. Money stays exact (`Decimal` yuan) until a writer shows it in 万元.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

Kind = Literal["text", "money", "count", "rate", "month", "date"]

WAN = Decimal(10_000)  # 万: money is shown in 万元 (ten thousand yuan)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: Kind = "text"


@dataclass
class Table:
    """One breakdown: a worksheet in Excel, a section in the PDF. `totals` (same length as
    the columns, None where nothing adds up) is the last row, in bold."""

    key: str
    title: str
    columns: list[Column]
    rows: list[tuple[Any, ...]]
    totals: tuple[Any, ...] | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Report:
    name: str  # sales_forecast, project_costs, customer_costs
    lang: str
    title: str
    as_of: dt.date  # the data's date (the snapshot's)
    filters: list[tuple[str, str]]  # (label, value) pairs, in the order shown
    data_line: str  # the snapshot's date and version
    unit_line: str
    generated_at: dt.datetime
    tables: list[Table]

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def money_total(values: list[Any]) -> Decimal:
    return sum((Decimal(str(v)) for v in values if v is not None), Decimal("0.00"))
