"""What a report is, whatever file it is written to: a header and tables of typed columns.

The builders (one module per report) fill these from the snapshot; the writers (Excel,
PDF) lay them out. Money stays exact (`Decimal` yuan) until a writer shows it in 万元.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from dashboards.reports.labels import text

Kind = Literal["text", "money", "count", "rate", "month", "date"]

WAN = Decimal(10_000)  # 万: money is shown in 万元 (ten thousand yuan)

# What each column key holds, the same in every report (a key not named here is text).
KINDS: dict[str, Kind] = {
    "month": "month",
    "expected_close_date": "date",
    **dict.fromkeys(
        ("project_count", "customer_count", "expense_count", "won_count", "lost_count"), "count"
    ),
    **dict.fromkeys(
        ("attainment", "pipeline_coverage", "probability", "cost_ratio", "expense_share"), "rate"
    ),
    **dict.fromkeys(
        (
            "forecast_amount",
            "weighted_amount",
            "calibrated_weighted_amount",
            "commit_amount",
            "target_amount",
            "won_amount",
            "remaining_target",
            "budget_amount",
            "budget_left",
            "period_expense_amount",
            "total_expense_amount",
            "expense_amount",
            "lost_expense_amount",
            "signed_amount",
            "contract_amount",
            "margin",
        ),
        "money",
    ),
}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: Kind = "text"


def report_columns(keys: str, lang: str) -> list[Column]:
    """Columns for the space-separated `keys`, labelled `dash.report.col.<key>`, each of its
    key's kind (KINDS): the reports share their column keys, so a key's label and kind
    are said once."""
    return [
        Column(key, text(f"dash.report.col.{key}", lang), KINDS.get(key, "text"))
        for key in keys.split()
    ]


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
