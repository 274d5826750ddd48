"""客户费用表: per customer, the expenses incurred in the period by category (booked on the
customer or on its projects), the contracts signed and the projects won and lost in it,
and what the lost projects had cost in the period.

The same rows and filters as the costs dashboard's customer table (warehouse.queries):
expenses from fct_expenses, contracts from fct_contracts (filtered through their project),
outcomes from fct_win_loss, names and codes from the current dim_customers row.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from dashboards.reports.categories import category_table
from dashboards.reports.labels import EXPENSE_CATEGORIES, category_name, code_name, text
from dashboards.reports.model import Column, Table, money_total, report_columns
from dashboards.reports.source import Source
from warehouse.queries.common import ratio
from warehouse.scope import Filters, Where

ZERO = Decimal("0.00")


def build(source: Source, f: Filters) -> list[Table]:
    lang = source.lang
    xw = Where().projects("x", f, source.scope).period("x.incurred_date", f)
    cw = Where().projects("p", f, source.scope).period("k.signed_date", f)
    ww = Where().projects("w", f, source.scope).period("w.closed_date", f)
    lines = source.rows(
        f"""
        select
            x.customer_id, x.category, count(*), sum(x.amount),
            coalesce(sum(x.amount) filter (where x.project_status = 'lost'), 0)
        from fct_expenses as x where {xw.sql()}
        group by all
        """,
        xw.params,
    )
    signed = source.rows(
        f"""
        select k.customer_id, sum(k.amount)
        from fct_contracts as k
        inner join fct_opportunities as p on p.project_id = k.project_id
        where {cw.sql()}
        group by 1
        """,
        cw.params,
    )
    outcomes = source.rows(
        f"""
        select
            w.customer_id, count(*) filter (where w.outcome = 'won'),
            count(*) filter (where w.outcome = 'lost')
        from fct_win_loss as w where {ww.sql()}
        group by 1
        """,
        ww.params,
    )
    ids = {row[0] for row in lines} | {row[0] for row in signed} | {row[0] for row in outcomes}
    customers = {
        row[0]: row[1:]
        for row in source.rows(
            """
            select customer_id, customer_name, customer_type, region_code, industry_code
            from dim_customers
            where is_current and customer_id in (select unnest($ids))
            """,
            {"ids": sorted(ids)},
        )
    }
    categories = [*EXPENSE_CATEGORIES]
    categories += sorted({c for _, c, *_ in lines} - set(categories))
    facts = _facts(lines, signed, outcomes)
    return [
        _customers(facts, customers, categories, lang),
        category_table(((c, n, a) for _, c, n, a, _ in lines), categories, lang),
        _by(facts, customers, "region", 2, lang),
        _by(facts, customers, "industry", 3, lang),
    ]


def _facts(
    lines: list[tuple[Any, ...]], signed: list[tuple[Any, ...]], outcomes: list[tuple[Any, ...]]
) -> dict[int, dict[str, Any]]:
    """Per customer: expenses by category, lost-project expenses, contracts, won, lost."""
    facts: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"categories": {}, "lost_expense": ZERO, "signed": ZERO, "won": 0, "lost": 0}
    )
    for customer, category, _count, amount, lost_amount in lines:
        facts[customer]["categories"][category] = amount
        facts[customer]["lost_expense"] += lost_amount
    for customer, amount in signed:
        facts[customer]["signed"] += amount
    for customer, won, lost in outcomes:
        facts[customer]["won"] += won
        facts[customer]["lost"] += lost
    return facts


def _customers(
    facts: dict[int, dict[str, Any]],
    customers: dict[int, tuple[Any, ...]],
    categories: list[str],
    lang: str,
) -> Table:
    rows = []
    for customer_id, fact in facts.items():
        name, customer_type, region, industry = customers.get(customer_id, (None,) * 4)
        by_category = [fact["categories"].get(c, ZERO) for c in categories]
        spent = money_total(by_category)
        rows.append(
            (
                name or str(customer_id),
                code_name("customer_type", customer_type, lang),
                code_name("region", region, lang),
                code_name("industry", industry, lang),
                *by_category,
                spent,
                fact["lost_expense"],
                fact["signed"],
                ratio(spent, fact["signed"]),
                fact["won"],
                fact["lost"],
            )
        )
    spent_at = 4 + len(categories)
    rows.sort(key=lambda row: (-row[spent_at], row[0]))
    totals = None
    if rows:
        sums = [money_total([row[i] for row in rows]) for i in range(4, spent_at + 3)]
        totals = (
            None,
            None,
            None,
            None,
            *sums,
            ratio(sums[-3], sums[-1]),
            sum(row[-2] for row in rows),
            sum(row[-1] for row in rows),
        )
    columns = [
        *report_columns("customer customer_type region industry", lang),
        *(Column(f"category.{c}", category_name(c, lang), "money") for c in categories),
        *report_columns(
            "expense_amount lost_expense_amount signed_amount cost_ratio won_count lost_count",
            lang,
        ),
    ]
    return Table(
        "customers",
        text("dash.report.sheet.customers", lang),
        columns,
        rows,
        totals,
        notes=[text("dash.report.note.customer_costs", lang)],
    )


def _by(
    facts: dict[int, dict[str, Any]],
    customers: dict[int, tuple[Any, ...]],
    kind: str,
    position: int,
    lang: str,
) -> Table:
    """Customers grouped by their region or industry (position in the customer tuple)."""
    groups: dict[str, list[Any]] = defaultdict(lambda: [0, ZERO, ZERO, 0, 0])
    for customer_id, fact in facts.items():
        code = customers.get(customer_id, (None,) * 4)[position]
        g = groups[code_name(kind, code, lang)]
        g[0] += 1
        g[1] += money_total(list(fact["categories"].values()))
        g[2] += fact["signed"]
        g[3] += fact["won"]
        g[4] += fact["lost"]
    rows = sorted(
        ((name, v[0], v[1], v[2], ratio(v[1], v[2]), v[3], v[4]) for name, v in groups.items()),
        key=lambda row: (-row[2], row[0]),
    )
    totals = None
    if rows:
        spent, contracts = money_total([r[2] for r in rows]), money_total([r[3] for r in rows])
        totals = (
            None,
            sum(r[1] for r in rows),
            spent,
            contracts,
            ratio(spent, contracts),
            sum(r[5] for r in rows),
            sum(r[6] for r in rows),
        )
    columns = [
        Column(kind, text(f"dash.report.col.{kind}", lang)),
        *report_columns(
            "customer_count expense_amount signed_amount cost_ratio won_count lost_count",
            lang,
        ),
    ]
    return Table(f"by_{kind}", text(f"dash.report.sheet.by_{kind}", lang), columns, rows, totals)
