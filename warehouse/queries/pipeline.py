"""The pipeline page (dashboards/views/pipeline.py): KPIs, funnel, trend, changes and
the open projects behind them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from ingest.commands.base import Actor
from orchestration.snapshots import Snapshot
from warehouse import reader
from warehouse.queries.common import (
    Records,
    Rows,
    as_of,
    lang_suffix,
    money,
    one,
    page_scope,
    period_or_trailing,
    visible_projects,
)
from warehouse.scope import Filters, Where


@reader.cached
def pipeline_kpis(
    snapshot: Snapshot, f: Filters, actor: Actor, stuck_days: int = 60
) -> dict[str, Any]:
    cte, where = visible_projects(f, page_scope(actor, "pipeline"), status="open")
    sql = f"""
        with {cte}
        select
            count(*) as open_count,
            coalesce(sum(p.expected_amount), 0) as open_amount,
            coalesce(sum(p.weighted_amount), 0) as weighted_amount,
            count(*) filter (where p.is_overdue) as overdue_count,
            count(*) filter (where p.days_in_stage >= $stuck_days) as stuck_count
        from p
    """
    kpis = one(snapshot, sql, {**where.params, "stuck_days": stuck_days})
    kpis["open_amount"] = money(kpis["open_amount"])
    kpis["weighted_amount"] = money(kpis["weighted_amount"])
    return kpis


@reader.cached
def pipeline_funnel(snapshot: Snapshot, f: Filters, actor: Actor, lang: str) -> pd.DataFrame:
    """Open projects per stage of each sales mode (every stage shown, empty ones as 0)."""
    cte, where = visible_projects(f, page_scope(actor, "pipeline"), status="open")
    lg = lang_suffix(lang)
    modes = Where()
    if f.sales_mode is not None:
        modes.add("s.sales_mode_code = $sales_mode", sales_mode=f.sales_mode)
    sql = f"""
        with {cte},
        per_stage as (
            -- by the stage's key: grouping 100k+ open rows on one integer, not two strings
            select
                current_stage_id, count(*) as project_count,
                sum(expected_amount) as open_amount, sum(weighted_amount) as weighted_amount
            from p group by all
        )
        select
            s.sales_mode_code, s.sales_mode_name_{lg} as sales_mode_name,
            s.stage_code, s.stage_name_{lg} as stage_name, s.stage_order,
            coalesce(a.project_count, 0) as project_count,
            coalesce(a.open_amount, 0) as open_amount,
            coalesce(a.weighted_amount, 0) as weighted_amount
        from dim_stages as s
        left join per_stage as a on a.current_stage_id = s.stage_id
        where not s.is_won_stage and {modes.sql()}
        order by s.sales_mode_code, s.stage_order
    """
    return reader.frame(snapshot, sql, {**where.params, **modes.params})


@reader.cached
def pipeline_trend(snapshot: Snapshot, f: Filters, actor: Actor) -> pd.DataFrame:
    """Open and weighted pipeline at the end of every 7th day back from the period's end.

    Read from the state intervals, not the daily snapshots (a hundred times larger): an
    interval in which a project is open adds its amount from its first day and takes it
    away from the day it ends, so the pipeline at the end of day D is the running total
    of these steps up to D. Intervals that end by the first point add nothing to any point.
    """
    cte, where = visible_projects(f, page_scope(actor, "pipeline"))
    start, end = period_or_trailing(f, as_of(snapshot))
    first = end - dt.timedelta(days=(end - start).days // 7 * 7)
    restrict = "s.project_id in (select project_id from p)" if where.parts else "true"
    sql = f"""
        with {cte},
        open_states as (
            select s.valid_from_date, s.valid_to_date, s.amount, s.weighted_amount
            from fct_project_states as s
            where s.status = 'open' and s.valid_from_date <= $trend_end
                and (s.valid_to_date is null or s.valid_to_date > $first_point)
                and {restrict}
        ),
        steps as (
            select valid_from_date as day, 1 as projects, amount, weighted_amount
            from open_states
            union all
            select valid_to_date, -1, -amount, -weighted_amount
            from open_states where valid_to_date <= $trend_end
        ),
        daily as (
            select
                day, sum(projects) as projects, sum(amount) as amount,
                sum(weighted_amount) as weighted_amount
            from steps group by day
        ),
        running as (
            select
                day,
                cast(sum(projects) over (order by day) as bigint) as project_count,
                sum(amount) over (order by day) as open_amount,
                sum(weighted_amount) over (order by day) as weighted_amount
            from daily
        ),
        points as (
            select cast(point as date) as snapshot_date
            from range($first_point, $trend_end + interval 1 day, interval 7 day) as t(point)
        )
        select points.snapshot_date, running.project_count, running.open_amount,
            running.weighted_amount
        from points asof inner join running on points.snapshot_date >= running.day
        where running.project_count > 0
        order by points.snapshot_date
    """
    return reader.frame(snapshot, sql, {**where.params, "first_point": first, "trend_end": end})


CHANGE_TYPES = ("new", "won", "lost", "reopened", "advanced", "slipped", "pushed", "resized")


def _changes_sql(f: Filters, actor: Actor) -> tuple[str, dict[str, Any]]:
    """Each project whose pipeline state differs between the end of the day before the
    period and the end of the period: one change type per project, first match wins in
    the order of CHANGE_TYPES (a project created and won in the period counts as won).
    States carry the sales mode: the projects are read only when filters narrow them.
    A state interval covering both dates is a project that did not change (most closed
    long ago): only intervals that end or begin between the dates are compared, and as
    the states are stored by their first day, only those row groups are read."""
    cte, where = visible_projects(f, page_scope(actor, "pipeline"))
    # narrowing both sides before the join: a team's changes are not found among everyone's
    restrict = "project_id in (select project_id from p)" if where.parts else "true"
    sql = f"""
        with {cte},
        states_before as (
            -- the state at the first date, which ended by the second
            select * from fct_project_states
            where valid_from_date <= $before_date
                and valid_to_date > $before_date and valid_to_date <= $after_date
                and {restrict}
        ),
        states_after as (
            -- the state at the second date, which began after the first
            select * from fct_project_states
            where valid_from_date > $before_date and valid_from_date <= $after_date
                and (valid_to_date is null or valid_to_date > $after_date)
                and {restrict}
        ),
        compared as (
            select
                a.project_id, a.sales_mode_code,
                b.stage_code as stage_before, a.stage_code as stage_after,
                b.status as status_before, a.status as status_after,
                coalesce(b.amount, 0) as amount_before, a.amount as amount_after,
                b.expected_close_date as close_date_before,
                a.expected_close_date as close_date_after,
                case
                    when a.status = 'won' and coalesce(b.status, '') <> 'won' then 'won'
                    when a.status = 'lost' and coalesce(b.status, '') <> 'lost' then 'lost'
                    when b.project_id is null then 'new'
                    when a.status = 'open' and b.status <> 'open' then 'reopened'
                    when a.status = 'open' and a.stage_order > b.stage_order then 'advanced'
                    when a.status = 'open' and a.stage_order < b.stage_order then 'slipped'
                    when a.status = 'open' and a.expected_close_date > b.expected_close_date
                        then 'pushed'
                    when a.status = 'open' and a.amount <> b.amount then 'resized'
                end as change_type
            from states_after as a
            left join states_before as b on b.project_id = a.project_id
        )
        select * from compared where change_type is not null
    """
    return sql, where.params


def _change_dates(snapshot: Snapshot, f: Filters) -> dict[str, dt.date]:
    start, end = period_or_trailing(f, as_of(snapshot))
    return {"before_date": start - dt.timedelta(days=1), "after_date": end}


@reader.cached
def pipeline_change_summary(snapshot: Snapshot, f: Filters, actor: Actor) -> pd.DataFrame:
    """Projects and amounts per change type between the period's two dates."""
    sql, params = _changes_sql(f, actor)
    return reader.frame(
        snapshot,
        f"""select change_type, count(*) as project_count,
                sum(amount_before) as amount_before, sum(amount_after) as amount_after
            from ({sql}) as c group by 1 order by project_count desc, 1""",
        {**params, **_change_dates(snapshot, f)},
    )


_PIPELINE_CHANGES = Records(
    order_by="r.change_type, r.amount_after desc, r.project_id",
    allowed=frozenset({"change_type", "stage_after"}),
    named="""
        select
            r.change_type, r.project_id, p.project_name, e.employee_name as owner_name,
            r.sales_mode_code, r.stage_before, sa.stage_name_{lg} as stage_name_after,
            r.stage_after, r.status_before, r.status_after, r.amount_before, r.amount_after,
            r.amount_after - r.amount_before as amount_change,
            r.close_date_before, r.close_date_after
        from {rows} as r
        {project}
        left join dim_employees as e on e.employee_id = p.owner_id
        left join dim_stages as sa
            on sa.sales_mode_code = r.sales_mode_code and sa.stage_code = r.stage_after
    """,
)


@_PIPELINE_CHANGES.query
def pipeline_changes(snapshot: Snapshot, f: Filters, actor: Actor, lang: str) -> Rows:
    sql, params = _changes_sql(f, actor)
    return Rows(sql, {**params, **_change_dates(snapshot, f)}, lang)


_PIPELINE_RECORDS = Records(
    order_by="r.expected_amount desc, r.project_id",
    allowed=frozenset({"stage_code", "is_stuck", "is_overdue", "forecast_category"}),
    named="""
        select
            r.project_id, r.project_name, c.customer_name, e.employee_name as owner_name,
            r.sales_mode_code, r.stage_code, s.stage_name_{lg} as stage_name,
            r.forecast_category, r.expected_amount, r.probability, r.weighted_amount,
            r.expected_close_date, r.days_in_stage, r.is_stuck, r.is_overdue, r.region_code,
            r.industry_code, r.customer_type, r.department_code
        from {rows} as r
        {customer}
        {owner}
        {stage}
    """,
)


@_PIPELINE_RECORDS.query
def pipeline_records(
    snapshot: Snapshot, f: Filters, actor: Actor, lang: str, stuck_days: int = 60
) -> Rows:
    """The open projects behind the pipeline page, flagged stuck and overdue."""
    cte, where = visible_projects(f, page_scope(actor, "pipeline"), status="open")
    sql = f"""
        with {cte}
        select
            p.*, p.current_stage_code as stage_code,
            coalesce(p.days_in_stage >= $stuck_days, false) as is_stuck
        from p
    """
    return Rows(sql, {**where.params, "stuck_days": stuck_days}, lang)
