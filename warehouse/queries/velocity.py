"""The stage velocity page (dashboards/views/velocity.py): stage conversion, days in
stage and the stage visits behind them."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ingest.commands.base import Actor
from orchestration.snapshots import Snapshot
from warehouse import reader
from warehouse.queries import common
from warehouse.queries.common import (
    DAYS,
    Records,
    Rows,
    closed_totals,
    lang_suffix,
    one,
    page_scope,
    ratio,
    visible_projects,
)
from warehouse.scope import Filters, Scope, Where


def _visits_cte(f: Filters, scope: Scope) -> tuple[str, Where]:
    cte, where = visible_projects(f, scope)
    return (
        f"""{cte},
        v as (
            select t.* from fct_stage_transitions as t
            where {"t.project_id in (select project_id from p)" if where.parts else "true"}
        )""",
        where,
    )


# velocity_by_stage's two parts for the whole history: the stage conversion mart has them
_STAGE_CONVERSION_CTES = """
    conversion as (
        select sales_mode_code, stage_code, reached_count, converted_count
        from mart_stage_conversion
    ),
    durations as (
        select
            sales_mode_code, stage_code, finished_visit_count,
            total_days_in_stage as total_days,
            cast(median_days_in_stage as double) as median_days_in_stage, slipped_back_count
        from mart_stage_conversion
    )
"""


def _stage_visit_ctes(f: Filters, scope: Scope) -> tuple[str, dict[str, Any]]:
    """velocity_by_stage's two parts counted from the stage visits of the period."""
    cte, where = _visits_cte(f, scope)
    entered = Where().period("cast(v.entered_at as date)", f)
    prior_before_period = (
        "false" if f.start is None else "cast(v.prior_visit_entered_at as date) < $start"
    )
    sql = f"""
        {cte},
        conversion as (
            -- each project once per stage: its first visit to it in the period
            select
                v.sales_mode_code, v.stage_code, count(*) as reached_count,
                count(*) filter (where v.reached_later_stage) as converted_count
            from v
            where {entered.sql()}
                and (v.prior_visit_entered_at is null or {prior_before_period})
            group by all
        ),
        durations as (
            select
                sales_mode_code, stage_code,
                count(*) as finished_visit_count,
                sum(days_in_stage) as total_days,
                median(days_in_stage) as median_days_in_stage,
                count(*) filter (where exit_type = 'slipped_back') as slipped_back_count
            from v
            where not is_current and not is_won_stage and {entered.sql()}
            group by all
        )"""
    return sql, {**where.params, **entered.params}


@reader.cached
def velocity_by_stage(snapshot: Snapshot, f: Filters, actor: Actor, lang: str) -> pd.DataFrame:
    """Per sales mode and stage: projects that reached the stage in the period and, of
    those, how many reached a later stage; days of the stage visits entered in the period
    that have ended."""
    scope = page_scope(actor, "velocity")
    if common.whole_history(f, scope):
        parts, params = _STAGE_CONVERSION_CTES, {}
    else:
        parts, params = _stage_visit_ctes(f, scope)
    modes = Where()
    if f.sales_mode is not None:
        modes.add("s.sales_mode_code = $sales_mode", sales_mode=f.sales_mode)
    lg = lang_suffix(lang)
    sql = f"""
        with {parts}
        select
            s.sales_mode_code, s.sales_mode_name_{lg} as sales_mode_name,
            s.stage_code, s.stage_name_{lg} as stage_name, s.stage_order, s.is_won_stage,
            coalesce(c.reached_count, 0) as reached_count,
            coalesce(c.converted_count, 0) as converted_count,
            c.converted_count / nullif(c.reached_count, 0) as conversion_rate,
            coalesce(d.finished_visit_count, 0) as finished_visit_count,
            coalesce(d.total_days, 0) as total_days,
            d.total_days / nullif(d.finished_visit_count, 0) as avg_days_in_stage,
            d.median_days_in_stage,
            coalesce(d.slipped_back_count, 0) as slipped_back_count
        from dim_stages as s
        left join conversion as c
            on c.sales_mode_code = s.sales_mode_code and c.stage_code = s.stage_code
        left join durations as d
            on d.sales_mode_code = s.sales_mode_code and d.stage_code = s.stage_code
        where {modes.sql()}
        order by s.sales_mode_code, s.stage_order
    """
    return reader.frame(snapshot, sql, {**params, **modes.params})


# velocity_kpis' finished visits of the whole history: the stage conversion mart's totals
_FINISHED_VISITS_OF_HISTORY = """
    select
        cast(sum(finished_visit_count) as bigint) as finished_visit_count,
        cast(sum(total_days_in_stage) as bigint) as total_days,
        cast(sum(slipped_back_count) as bigint) as slipped_back_count
    from mart_stage_conversion
"""


@reader.cached
def velocity_kpis(snapshot: Snapshot, f: Filters, actor: Actor) -> dict[str, Any]:
    scope = page_scope(actor, "velocity")
    if common.whole_history(f, scope):
        sql, params = _FINISHED_VISITS_OF_HISTORY, {}
    else:
        cte, where = _visits_cte(f, scope)
        entered = Where().period("cast(v.entered_at as date)", f)
        sql = f"""
            with {cte}
            select
                count(*) as finished_visit_count,
                coalesce(sum(days_in_stage), 0) as total_days,
                count(*) filter (where exit_type = 'slipped_back') as slipped_back_count
            from v
            where not is_current and not is_won_stage and {entered.sql()}
        """
        params = {**where.params, **entered.params}
    visits = one(snapshot, sql, params)
    closed = closed_totals(snapshot, f, scope)
    return {
        **visits,
        "avg_days_in_stage": ratio(visits["total_days"], visits["finished_visit_count"], DAYS),
        "closed_count": closed["closed_count"],
        "average_sales_cycle_days": ratio(
            closed["sales_cycle_days_total"], closed["closed_count"], DAYS
        ),
    }


_VELOCITY_RECORDS = Records(
    order_by="r.entered_at desc, r.project_id, r.visit_number",
    allowed=frozenset({"stage_code", "exit_type"}),
    named="""
        select
            r.project_id, p.project_name, e.employee_name as owner_name, r.sales_mode_code,
            r.stage_code, s.stage_name_{lg} as stage_name, r.visit_number,
            r.entered_at, r.exited_at, r.exit_type, r.days_in_stage, r.is_current
        from {rows} as r
        {project}
        left join dim_employees as e on e.employee_id = p.owner_id
        {stage}
    """,
)


@_VELOCITY_RECORDS.query
def velocity_records(snapshot: Snapshot, f: Filters, actor: Actor, lang: str) -> Rows:
    cte, where = _visits_cte(f, page_scope(actor, "velocity"))
    entered = Where().period("cast(v.entered_at as date)", f)
    sql = f"""
        with {cte}
        select v.* from v where not v.is_won_stage and {entered.sql()}
    """
    return Rows(sql, {**where.params, **entered.params}, lang)
