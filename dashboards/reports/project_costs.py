"""项目费用报表: every project with expenses in the period — its budget, what was spent on
it by expense category, its contract and the margin left after all its expenses.

Expense lines come from fct_expenses (filtered and secured like the costs dashboard: by
the project's dimensions and its owner), the budget, expenses to date and contract from
mart_project_costs.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from dashboards.reports.categories import category_table
from dashboards.reports.labels import EXPENSE_CATEGORIES, category_name, status_name, text
from dashboards.reports.model import Column, Table, money_total, report_columns
from dashboards.reports.source import Source
from warehouse.queries.common import ratio
from warehouse.scope import Filters, Where

ZERO = Decimal("0.00")


def expense_where(f: Filters, source: Source) -> Where:
    """Expense lines on projects, incurred in the period, of visible filtered projects."""
    return (
        Where()
        .projects("x", f, source.scope)
        .period("x.incurred_date", f)
        .add("x.project_id is not null")
    )


def build(source: Source, f: Filters) -> list[Table]:
    lang = source.lang
    xw = expense_where(f, source)
    lines = source.rows(
        f"""
        select x.project_id, x.category, count(*), sum(x.amount)
        from fct_expenses as x where {xw.sql()}
        group by all
        """,
        xw.params,
    )
    projects = source.rows(
        f"""
        select
            m.project_id, m.project_name, c.customer_name, e.employee_name, m.status,
            m.budget_amount, m.expense_amount, m.contract_amount, m.cost_to_revenue_ratio
        from mart_project_costs as m
        left join dim_customers as c on c.customer_id = m.customer_id and c.is_current
        left join dim_employees as e on e.employee_id = m.owner_id
        where m.project_id in (select x.project_id from fct_expenses as x where {xw.sql()})
        """,
        xw.params,
    )
    categories = [*EXPENSE_CATEGORIES]
    categories += sorted({c for _, c, _, _ in lines} - set(categories))
    return [
        _projects(lines, projects, categories, lang),
        category_table(((c, n, a) for _, c, n, a in lines), categories, lang),
        _owners(lines, projects, lang),
    ]


def _projects(
    lines: list[tuple[Any, ...]],
    projects: list[tuple[Any, ...]],
    categories: list[str],
    lang: str,
) -> Table:
    spent: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for project_id, category, _count, amount in lines:
        spent[project_id][category] = amount
    rows = []
    for project_id, name, customer, owner, status, budget, total, contract, cost_ratio in projects:
        by_category = [spent[project_id].get(c, ZERO) for c in categories]
        rows.append(
            (
                name,
                customer,
                owner,
                status_name(status, lang),
                budget,
                *by_category,
                money_total(by_category),
                total,
                None if budget is None else budget - total,  # no budget: nothing left to say
                contract,
                contract - total,
                cost_ratio,
            )
        )
    period_at = 5 + len(categories)
    rows.sort(key=lambda row: (-row[period_at], row[0]))
    columns = [
        *report_columns("project customer owner status budget_amount", lang),
        *(Column(f"category.{c}", category_name(c, lang), "money") for c in categories),
        *report_columns(
            "period_expense_amount total_expense_amount budget_left contract_amount margin "
            "cost_ratio",
            lang,
        ),
    ]
    totals = None
    if rows:
        sums = [money_total([row[i] for row in rows]) for i in range(4, len(columns) - 1)]
        total_spent, total_contract = sums[-4], sums[-2]
        # the ratio of the totals, as the mart defines it per project: expenses ÷ contract
        totals = (None, None, None, None, *sums, ratio(total_spent, total_contract))
    return Table(
        "projects",
        text("dash.report.sheet.projects", lang),
        columns,
        rows,
        totals,
        notes=[text("dash.report.note.project_costs", lang)],
    )


def _owners(lines: list[tuple[Any, ...]], projects: list[tuple[Any, ...]], lang: str) -> Table:
    period: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for project_id, _category, _count, amount in lines:
        period[project_id] += amount
    owners: dict[str, list[Any]] = defaultdict(lambda: [0, ZERO, ZERO, ZERO, ZERO])
    for project_id, _name, _customer, owner, _status, budget, total, contract, _r in projects:
        o = owners[owner or ""]
        o[0] += 1
        o[1] += budget or ZERO
        o[2] += period[project_id]
        o[3] += total
        o[4] += contract
    rows = sorted(
        ((owner, *v, v[4] - v[3]) for owner, v in owners.items()),
        key=lambda row: (-row[3], row[0]),
    )
    totals = None
    if rows:
        totals = (
            None,
            sum(r[1] for r in rows),
            *(money_total([r[i] for r in rows]) for i in range(2, 7)),
        )
    columns = report_columns(
        "owner project_count budget_amount period_expense_amount total_expense_amount "
        "contract_amount margin",
        lang,
    )
    return Table("by_owner", text("dash.report.sheet.by_owner", lang), columns, rows, totals)
