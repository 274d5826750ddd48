"""The expense-category breakdown both cost reports carry: lines, amount and share."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from dashboards.reports.labels import category_name, text
from dashboards.reports.model import Column, Table, money_total
from warehouse.queries.common import ratio


def category_table(
    lines: Iterable[tuple[str, int, Decimal]], categories: list[str], lang: str
) -> Table:
    """`lines`: (category, count, amount) pieces, added up per category in `categories` order."""
    counts: dict[str, int] = defaultdict(int)
    amounts: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for category, count, amount in lines:
        counts[category] += count
        amounts[category] += amount
    grand = money_total(list(amounts.values()))
    rows = [
        (category_name(c, lang), counts[c], amounts[c], ratio(amounts[c], grand))
        for c in categories
        if c in counts
    ]
    totals = (None, sum(counts.values()), grand, ratio(grand, grand)) if rows else None
    columns = [
        Column("expense_category", text("dash.report.col.expense_category", lang)),
        Column("expense_count", text("dash.report.col.expense_count", lang), "count"),
        Column("expense_amount", text("dash.report.col.expense_amount", lang), "money"),
        Column("expense_share", text("dash.report.col.expense_share", lang), "rate"),
    ]
    return Table(
        "expense_categories",
        text("dash.report.sheet.expense_categories", lang),
        columns,
        rows,
        totals,
    )
