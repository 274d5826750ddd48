"""The forecast page (dashboards/views/forecast.py): forecast against targets,
probabilities, accuracy and the forecast projects behind them."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ingest.commands.base import Actor
from orchestration.snapshots import Snapshot
from warehouse import reader
from warehouse.queries.common import (
    Records,
    Rows,
    forecast_where,
    lang_suffix,
    money,
    month_period,
    one,
    page_scope,
    ratio,
    targets_where,
)
from warehouse.scope import Filters, Where


@reader.cached
def forecast_kpis(snapshot: Snapshot, f: Filters, actor: Actor) -> dict[str, Any]:
    scope = page_scope(actor, "forecast")
    fc = forecast_where(f, scope)
    forecast = one(
        snapshot,
        f"""
        select
            count(*) as forecast_count,
            coalesce(sum(fc.amount), 0) as forecast_amount,
            coalesce(sum(fc.weighted_amount), 0) as forecast_weighted_amount,
            coalesce(sum(fc.calibrated_weighted_amount), 0) as calibrated_weighted_amount
        from fct_forecast as fc where {fc.sql()}
        """,
        fc.params,
    )
    tw = targets_where(f, scope)
    targets = one(
        snapshot,
        f"""
        select
            coalesce(sum(t.target_amount), 0) as target_amount,
            coalesce(sum(t.won_amount), 0) as target_won_amount,
            coalesce(sum(t.remaining_target), 0) as remaining_target_amount,
            coalesce(sum(t.open_weighted_amount), 0) as target_open_weighted_amount
        from fct_targets as t where {tw.sql()}
        """,
        tw.params,
    )
    kpis = {k: (v if k == "forecast_count" else money(v)) for k, v in forecast.items()}
    kpis.update({k: money(v) for k, v in targets.items()})
    kpis["attainment"] = ratio(kpis["target_won_amount"], kpis["target_amount"])
    kpis["pipeline_coverage"] = ratio(
        kpis["target_open_weighted_amount"], kpis["remaining_target_amount"]
    )
    return kpis


@reader.cached
def forecast_by_month(snapshot: Snapshot, f: Filters, actor: Actor) -> pd.DataFrame:
    fc = forecast_where(f, page_scope(actor, "forecast"))
    sql = f"""
        select
            fc.forecast_month, fc.forecast_category, count(*) as project_count,
            sum(fc.amount) as amount, sum(fc.weighted_amount) as weighted_amount,
            sum(fc.calibrated_weighted_amount) as calibrated_weighted_amount
        from fct_forecast as fc where {fc.sql()}
        group by all order by 1, 2
    """
    return reader.frame(snapshot, sql, fc.params)


@reader.cached
def targets_by_month(snapshot: Snapshot, f: Filters, actor: Actor) -> pd.DataFrame:
    tw = targets_where(f, page_scope(actor, "forecast"))
    sql = f"""
        select
            t.period_month, sum(t.target_amount) as target_amount,
            sum(t.won_amount) as won_amount, sum(t.remaining_target) as remaining_target,
            sum(t.open_weighted_amount) as open_weighted_amount
        from fct_targets as t where {tw.sql()}
        group by 1 order by 1
    """
    frame = reader.frame(snapshot, sql, tw.params)
    target = frame.target_amount.where(frame.target_amount > 0)
    frame["attainment"] = (frame.won_amount / target).round(4)
    remaining = frame.remaining_target.where(frame.remaining_target > 0)
    frame["pipeline_coverage"] = (frame.open_weighted_amount / remaining).round(4)
    return frame


@reader.cached
def forecast_probabilities(snapshot: Snapshot, f: Filters, actor: Actor, lang: str) -> pd.DataFrame:
    """Per stage: the stage-default against the calibrated probability, and what each
    makes of the visible open pipeline."""
    fc = forecast_where(f, page_scope(actor, "forecast"))
    lg = lang_suffix(lang)
    sql = f"""
        with fc as (select * from fct_forecast as fc where {fc.sql()})
        select
            s.sales_mode_code, s.stage_code, s.stage_name_{lg} as stage_name, s.stage_order,
            m.default_probability, m.calibrated_probability, m.closed_count,
            count(fc.project_id) as project_count,
            coalesce(sum(fc.amount), 0) as amount,
            coalesce(sum(fc.weighted_amount), 0) as weighted_amount,
            coalesce(sum(fc.calibrated_weighted_amount), 0) as calibrated_weighted_amount
        from dim_stages as s
        left join mart_stage_conversion as m
            on m.sales_mode_code = s.sales_mode_code and m.stage_code = s.stage_code
        left join fc on fc.sales_mode_code = s.sales_mode_code and fc.stage_code = s.stage_code
        where not s.is_won_stage
        group by all order by 1, 4
    """
    return reader.frame(snapshot, sql, fc.params)


@reader.cached
def forecast_accuracy(snapshot: Snapshot, f: Filters, actor: Actor) -> pd.DataFrame:
    """Past months: what was forecast at the start of the month to close in it (amount and
    weighted) against what was won in it; accuracy = won ÷ weighted forecast."""
    where = Where().projects("p", f, page_scope(actor, "forecast"))
    where.period("a.forecast_month", month_period(f))
    sql = f"""
        select
            a.forecast_month,
            count(*) filter (where a.was_forecast) as forecast_count,
            sum(a.forecast_amount) as forecast_amount,
            sum(a.forecast_weighted_amount) as forecast_weighted_amount,
            count(*) filter (where a.won_amount > 0) as won_count,
            sum(a.won_amount) as won_amount,
            sum(a.won_amount) filter (where a.was_forecast) as won_from_forecast_amount
        from mart_forecast_accuracy as a
        inner join fct_opportunities as p on p.project_id = a.project_id
        where {where.sql()}
        group by 1 order by 1
    """
    frame = reader.frame(snapshot, sql, where.params)
    frame["won_from_forecast_amount"] = frame.won_from_forecast_amount.fillna(0)
    weighted = frame.forecast_weighted_amount.where(frame.forecast_weighted_amount > 0)
    frame["accuracy"] = (frame.won_amount / weighted).round(4)
    return frame


_FORECAST_RECORDS = Records(
    order_by="r.forecast_month, r.amount desc, r.project_id",
    allowed=frozenset({"month_category", "stage_code", "forecast_category"}),
    named="""
        select
            r.project_id, p.project_name, e.employee_name as owner_name, r.forecast_month,
            r.month_category, r.forecast_category, r.sales_mode_code, r.stage_code,
            s.stage_name_{lg} as stage_name, r.amount, r.probability,
            r.calibrated_probability, r.weighted_amount, r.calibrated_weighted_amount,
            r.expected_close_date
        from {rows} as r
        {project}
        {owner}
        {stage}
    """,
    computed={
        "month_category": "strftime(r.forecast_month, '%Y-%m-%d') || '|' || r.forecast_category"
    },
)


@_FORECAST_RECORDS.query
def forecast_records(snapshot: Snapshot, f: Filters, actor: Actor, lang: str) -> Rows:
    fc = forecast_where(f, page_scope(actor, "forecast"))
    sql = f"""
        select
            fc.project_id, fc.owner_id, fc.forecast_month, fc.forecast_category,
            fc.sales_mode_code, fc.stage_code, fc.amount, fc.probability,
            fc.calibrated_probability, fc.weighted_amount, fc.calibrated_weighted_amount,
            fc.expected_close_date
        from fct_forecast as fc
        where {fc.sql()}
    """
    return Rows(sql, fc.params, lang)
