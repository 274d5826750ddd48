"""The expense-category breakdown both cost reports carry: lines, amount and share."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from dashboards.reports.labels import category_name, text
from dashboards.reports.model import Table, money_total, report_columns
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
    columns = report_columns("expense_category expense_count expense_amount expense_share", lang)
    return Table(
        "expense_categories",
        text("dash.report.sheet.expense_categories", lang),
        columns,
        rows,
        totals,
    )
