"""The win/loss page (dashboards/views/win_loss.py): win rates, loss reasons, sales
cycles and the closed projects behind them."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ingest.commands.base import Actor
from orchestration.snapshots import Snapshot
from warehouse import reader
from warehouse.queries.common import (
    DAYS,
    RATE_COLUMNS,
    Records,
    Rows,
    closed_totals,
    closed_where,
    page_scope,
    ratio,
    with_rates,
)
from warehouse.scope import Filters


@reader.cached
def winloss_kpis(snapshot: Snapshot, f: Filters, actor: Actor) -> dict[str, Any]:
    totals = closed_totals(snapshot, f, page_scope(actor, "win_loss"))
    return {
        **totals,
        "win_rate_by_count": ratio(totals["won_count"], totals["closed_count"]),
        "win_rate_by_amount": ratio(totals["won_amount"], totals["closed_amount"]),
        "average_sales_cycle_days": ratio(
            totals["sales_cycle_days_total"], totals["closed_count"], DAYS
        ),
    }


# period cutting months, the win rate questions add up its rows, not every closed project.
_MART_RATE_COLUMNS = """
    cast(sum(w.won_count) as bigint) as won_count,
    cast(sum(w.lost_count) as bigint) as lost_count,
    coalesce(sum(w.won_amount), 0) as won_amount,
    coalesce(sum(w.lost_amount), 0) as lost_amount
"""


def _whole_months(f: Filters) -> bool:
    """No period: every closing month counts whole, so monthly rows answer exactly."""
    return f.start is None and f.end is None


@reader.cached
def win_rate_trend(snapshot: Snapshot, f: Filters, actor: Actor) -> pd.DataFrame:
    where = closed_where(f, page_scope(actor, "win_loss"))
    if _whole_months(f):
        source = f"select w.closed_month, {_MART_RATE_COLUMNS} from mart_win_rates as w"
    else:
        month = "cast(date_trunc('month', w.closed_date) as date)"
        source = f"select {month} as closed_month, {RATE_COLUMNS} from fct_win_loss as w"
    sql = f"{source} where {where.sql()} group by 1 order by 1"
    return with_rates(reader.frame(snapshot, sql, where.params))


# The dimensions a win rate can be broken down by: name → (column, label expression).
WIN_RATE_DIMENSIONS = {
    "rep": ("w.owner_id", "e.employee_name"),
    "department": ("w.department_code", "w.department_code"),
    "region": ("w.region_code", "w.region_code"),
    "industry": ("w.industry_code", "w.industry_code"),
    "customer_type": ("w.customer_type", "w.customer_type"),
    "sales_mode": ("w.sales_mode_code", "w.sales_mode_code"),
    "competitor": ("w.competitor_id", "cast(w.competitor_id as varchar)"),
    "decision_maker": ("w.has_decision_maker", "cast(w.has_decision_maker as varchar)"),
}


@reader.cached
def win_rate_by(snapshot: Snapshot, f: Filters, actor: Actor, dimension: str) -> pd.DataFrame:
    column, label = WIN_RATE_DIMENSIONS[dimension]  # a fixed whitelist, never user text
    where = closed_where(f, page_scope(actor, "win_loss"))
    by_mart = _whole_months(f) and dimension != "competitor"  # the mart has no competitor
    sql = f"""
        select * from (
            select {column} as key, any_value({label}) as label,
                {_MART_RATE_COLUMNS if by_mart else RATE_COLUMNS}
            from {"mart_win_rates" if by_mart else "fct_win_loss"} as w
            left join dim_employees as e on e.employee_id = w.owner_id
            where {where.sql()}
            group by 1
        ) as r
        order by r.won_count + r.lost_count desc, r.key
    """
    return with_rates(reader.frame(snapshot, sql, where.params))


@reader.cached
def loss_reasons(snapshot: Snapshot, f: Filters, actor: Actor, lang: str) -> pd.DataFrame:
    """Pareto of loss reasons: most frequent first, with the cumulative share."""
    where = closed_where(f, page_scope(actor, "win_loss")).add("w.outcome = 'lost'")
    name = "r.loss_reason_name_en" if lang == "en" else "r.loss_reason_name"
    sql = f"""
        select
            w.loss_reason_code, any_value({name}) as loss_reason_name,
            any_value(w.loss_reason_category) as loss_reason_category,
            count(*) as lost_count, sum(w.amount) as lost_amount
        from fct_win_loss as w
        left join dim_loss_reasons as r on r.loss_reason_code = w.loss_reason_code
        where {where.sql()}
        group by 1 order by lost_count desc, lost_amount desc, 1
    """
    frame = reader.frame(snapshot, sql, where.params)
    total = frame.lost_count.sum()
    frame["cumulative_share"] = (frame.lost_count.cumsum() / total).round(4) if total else 0.0
    return frame


@reader.cached
def sales_cycle_by_outcome(snapshot: Snapshot, f: Filters, actor: Actor) -> pd.DataFrame:
    where = closed_where(f, page_scope(actor, "win_loss"))
    sql = f"""
        select
            w.outcome, count(*) as closed_count, sum(w.sales_cycle_days) as total_days,
            sum(w.sales_cycle_days) / count(*) as avg_sales_cycle_days,
            median(w.sales_cycle_days) as median_sales_cycle_days,
            quantile_cont(w.sales_cycle_days, 0.25) as p25_sales_cycle_days,
            quantile_cont(w.sales_cycle_days, 0.75) as p75_sales_cycle_days
        from fct_win_loss as w where {where.sql()}
        group by 1 order by 1 desc
    """
    return reader.frame(snapshot, sql, where.params)


WINLOSS_DRILLS = frozenset(
    {
        "closed_month",
        "loss_reason_code",
        "outcome",
        "owner_id",
        "department_code",
        "region_code",
        "industry_code",
        "customer_type",
        "sales_mode_code",
        "competitor_id",
        "has_decision_maker",
    }
)


_WINLOSS_RECORDS = Records(
    order_by="r.closed_date desc, r.project_id",
    allowed=WINLOSS_DRILLS,
    named="""
        select
            r.project_id, p.project_name, c.customer_name, e.employee_name as owner_name,
            r.outcome, r.closed_date, r.closed_month, r.amount, r.sales_cycle_days,
            r.last_stage_code, r.loss_reason_code, {loss_reason_name} as loss_reason_name,
            r.loss_reason_category, r.competitor_id, r.owner_id, r.department_code,
            r.region_code, r.industry_code, r.customer_type, r.sales_mode_code,
            r.has_decision_maker
        from {rows} as r
        {project}
        {customer}
        {owner}
        left join dim_loss_reasons as lr on lr.loss_reason_code = r.loss_reason_code
    """,
    computed={"closed_month": "strftime(r.closed_date, '%Y-%m-01')"},
)


@_WINLOSS_RECORDS.query
def winloss_records(snapshot: Snapshot, f: Filters, actor: Actor, lang: str) -> Rows:
    where = closed_where(f, page_scope(actor, "win_loss"))
    name = "lr.loss_reason_name_en" if lang == "en" else "lr.loss_reason_name"
    sql = f"""
        select w.* from fct_win_loss as w where {where.sql()}
    """
    return Rows(sql, where.params, lang, {"loss_reason_name": name})
