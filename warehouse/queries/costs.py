"""The costs page (dashboards/views/costs.py): expenses against contracts, per customer,
project, lost deal and category, and the expense lines behind them."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ingest.commands.base import Actor
from orchestration.snapshots import Snapshot
from warehouse import reader
from warehouse.queries import common
from warehouse.queries.common import (
    RECORDS_LIMIT,
    Records,
    Rows,
    closed_where,
    money,
    one,
    page_scope,
    ratio,
)
from warehouse.scope import Filters, Scope, Where

# Expenses with the dimensions of what they were spent on (fct_expenses carries them: the
# project's when booked on one, else the customer's). The responsible person, for row-level
# security and the rep filter, is the project's owner, else the customer's owner.
_EXPENSES = """
    x as (
        select
            expense_id, project_id, customer_id, owner_id as spender_id, category, amount,
            incurred_date, report_status, responsible_owner_id as owner_id, department_code,
            region_code, industry_code, customer_type, sales_mode_code, project_status
        from fct_expenses
    )
"""


def _expense_where(f: Filters, scope: Scope) -> Where:
    return Where().projects("x", f, scope).period("x.incurred_date", f)


def _spent_per_project(f: Filters, scope: Scope) -> tuple[str, dict[str, Any]]:
    """CTEs ending in `spent`: the projects with expenses in the period and how much.
    Without a period that is every expense, whose total each project already carries:
    no need to add up millions of lines (the page's default, all-time view)."""
    if f.start is None and f.end is None:
        where = Where().projects("p", f, scope).add("p.expense_amount > 0")
        sql = f"""spent as (
            select p.project_id, p.expense_amount as period_expense_amount
            from fct_opportunities as p where {where.sql()}
        )"""
        return sql, where.params
    where = _expense_where(f, scope).add("x.project_id is not null")
    sql = f"""{_EXPENSES},
        spent as (
            select x.project_id, sum(x.amount) as period_expense_amount
            from x where {where.sql()} group by 1
        )"""
    return sql, where.params


@reader.cached
def cost_kpis(snapshot: Snapshot, f: Filters, actor: Actor) -> dict[str, Any]:
    scope = page_scope(actor, "costs")
    xw = _expense_where(f, scope)
    spent = one(
        snapshot,
        f"""
        with {_EXPENSES}
        select
            count(*) as expense_count,
            coalesce(sum(x.amount), 0) as expense_amount,
            coalesce(sum(x.amount) filter (where x.project_status = 'lost'), 0)
                as lost_project_expense_amount
        from x where {xw.sql()}
        """,
        xw.params,
    )
    cw = Where().projects("p", f, scope).period("k.signed_date", f)
    signed = one(
        snapshot,
        f"""
        select coalesce(sum(k.amount), 0) as contract_amount
        from fct_contracts as k inner join fct_opportunities as p on p.project_id = k.project_id
        where {cw.sql()}
        """,
        cw.params,
    )
    kpis = {
        "expense_count": spent["expense_count"],
        "expense_amount": money(spent["expense_amount"]),
        "lost_project_expense_amount": money(spent["lost_project_expense_amount"]),
        "contract_amount": money(signed["contract_amount"]),
    }
    kpis["cost_to_revenue_ratio"] = ratio(kpis["expense_amount"], kpis["contract_amount"])
    spent_sql, spent_params = _spent_per_project(f, scope)
    over = one(
        snapshot,
        f"""
        with {spent_sql}
        select count(*) filter (where m.is_over_budget) as over_budget_count
        from spent inner join mart_project_costs as m on m.project_id = spent.project_id
        """,
        spent_params,
    )
    kpis["over_budget_count"] = over["over_budget_count"]
    return kpis


_CUSTOMER_COSTS = Records(
    order_by="r.expense_amount desc, r.customer_id",
    named="""
            select
                r.customer_id, c.customer_name, c.customer_type, c.region_code,
                c.industry_code, r.expense_amount, r.contract_amount, r.cost_to_revenue_ratio,
                r.won_count, r.lost_count, r.lost_expense_amount
            from {rows} as r
            {customer}
        """,
)


@reader.cached
def customer_costs(
    snapshot: Snapshot, f: Filters, actor: Actor, limit: int | None = RECORDS_LIMIT
) -> pd.DataFrame:
    """客户费用表: per customer, expenses in the period against contracts signed in it,
    projects won and lost in it and the expenses spent on lost projects in the period."""
    scope = page_scope(actor, "costs")
    xw = _expense_where(f, scope)
    cw = Where().projects("p", f, scope)
    # a contract carries no project dimensions: joined to its project only to filter on them
    on_project = (
        "inner join fct_opportunities as p on p.project_id = k.project_id" if cw.parts else ""
    )
    cw.period("k.signed_date", f)
    ww = Where().projects("w", f, scope).period("w.closed_date", f)
    if common.whole_history(f, scope):
        # every customer's totals are in the mart (amounts are positive: a customer with
        # expenses is one whose total is above zero)
        spent = """spent as (
            select customer_id, expense_amount, lost_expense_amount
            from mart_customer_costs where expense_amount > 0
        )"""
    else:
        spent = f"""{_EXPENSES},
        spent as (
            select
                x.customer_id, sum(x.amount) as expense_amount,
                coalesce(sum(x.amount) filter (where x.project_status = 'lost'), 0)
                    as lost_expense_amount
            from x where {xw.sql()} group by 1
        )"""
    # The customers' expenses, contracts and outcomes of the period, each in its own
    # columns (zeros elsewhere), added up per customer: no union of customer lists and no
    # joins between them.
    sql = f"""
        with {spent},
        facts as (
            select customer_id, expense_amount, lost_expense_amount,
                0 as contract_amount, 0 as won_count, 0 as lost_count
            from spent
            union all
            select k.customer_id, 0, 0, k.amount, 0, 0
            from fct_contracts as k {on_project} where {cw.sql()}
            union all
            select
                w.customer_id, 0, 0, 0,
                cast(w.outcome = 'won' as integer), cast(w.outcome = 'lost' as integer)
            from fct_win_loss as w where {ww.sql()}
        ),
        per_customer as (
            select
                customer_id,
                sum(expense_amount) as expense_amount,
                sum(contract_amount) as contract_amount,
                cast(sum(won_count) as bigint) as won_count,
                cast(sum(lost_count) as bigint) as lost_count,
                sum(lost_expense_amount) as lost_expense_amount
            from facts group by 1
        )
        select
            customer_id, expense_amount, contract_amount,
            round(expense_amount / nullif(contract_amount, 0), 4) as cost_to_revenue_ratio,
            won_count, lost_count, lost_expense_amount
        from per_customer
    """
    return _CUSTOMER_COSTS.read(snapshot, sql, {**xw.params, **cw.params, **ww.params}, (), limit)


_PROJECT_COSTS = Records(
    order_by="r.period_expense_amount desc, r.project_id",
    allowed=frozenset({"project_id", "status"}),
    named="""
        select
            r.project_id, r.project_name, c.customer_name, e.employee_name as owner_name,
            r.status, r.budget_amount, r.period_expense_amount,
            r.expense_amount as total_expense_amount, r.contract_amount, r.is_over_budget,
            r.cost_to_revenue_ratio, r.department_code, r.region_code, r.industry_code,
            r.sales_mode_code
        from {rows} as r
        {customer}
        {owner}
    """,
)


@_PROJECT_COSTS.query
def project_costs(snapshot: Snapshot, f: Filters, actor: Actor) -> Rows:
    """项目费用报表: projects with expenses in the period — budget against spent (in the
    period and in total) against the contract amount."""
    spent_sql, spent_params = _spent_per_project(f, page_scope(actor, "costs"))
    sql = f"""
        with {spent_sql}
        select m.*, spent.period_expense_amount
        from spent inner join mart_project_costs as m on m.project_id = spent.project_id
    """
    return Rows(sql, spent_params)


@reader.cached
def lost_deal_costs(snapshot: Snapshot, f: Filters, actor: Actor, lang: str) -> pd.DataFrame:
    """Projects lost in the period, by loss reason and primary competitor: how many, their
    expected amount and everything spent on them."""
    where = closed_where(f, page_scope(actor, "costs")).add("w.outcome = 'lost'")
    name = "r.loss_reason_name_en" if lang == "en" else "r.loss_reason_name"
    sql = f"""
        select
            w.loss_reason_code, any_value({name}) as loss_reason_name,
            any_value(w.loss_reason_category) as loss_reason_category, w.competitor_id,
            count(*) as lost_count, sum(w.amount) as lost_amount,
            sum(p.expense_amount) as expense_amount
        from fct_win_loss as w
        inner join fct_opportunities as p on p.project_id = w.project_id
        left join dim_loss_reasons as r on r.loss_reason_code = w.loss_reason_code
        where {where.sql()}
        group by w.loss_reason_code, w.competitor_id
        order by expense_amount desc, 1, 4
    """
    return reader.frame(snapshot, sql, where.params)


@reader.cached
def expense_categories(snapshot: Snapshot, f: Filters, actor: Actor) -> pd.DataFrame:
    xw = _expense_where(f, page_scope(actor, "costs"))
    sql = f"""
        with {_EXPENSES}
        select
            cast(date_trunc('month', x.incurred_date) as date) as month, x.category,
            count(*) as expense_count, sum(x.amount) as expense_amount
        from x where {xw.sql()}
        group by all order by 1, 2
    """
    return reader.frame(snapshot, sql, xw.params)


_EXPENSE_RECORDS = Records(
    order_by="r.incurred_date desc, r.expense_id desc",
    allowed=frozenset({"month", "category", "project_id"}),
    named="""
        select
            r.expense_id, r.incurred_date, r.month, r.category, r.amount, r.report_status,
            r.project_id, p.project_name, r.customer_id, c.customer_name,
            s.employee_name as spender_name, r.project_status, r.region_code,
            r.industry_code, r.customer_type, r.sales_mode_code, r.department_code
        from {rows} as r
        left join fct_opportunities as p on p.project_id = r.project_id
        {customer}
        left join dim_employees as s on s.employee_id = r.spender_id
    """,
    computed={"month": "strftime(r.incurred_date, '%Y-%m-01')"},
)


@_EXPENSE_RECORDS.query
def expense_records(snapshot: Snapshot, f: Filters, actor: Actor) -> Rows:
    xw = _expense_where(f, page_scope(actor, "costs"))
    sql = f"""
        with {_EXPENSES}
        select * from x where {xw.sql()}
    """
    return Rows(sql, xw.params)
