"""Deal scores: the forecast page's score-weighted forecast and backtest, the deal health
page's score columns and the entry app's project workspace (one deal's score)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ingest.commands.base import Actor
from orchestration.snapshots import Snapshot
from warehouse import reader
from warehouse.queries.common import (
    forecast_where,
    lang_suffix,
    money,
    one,
    page_scope,
)
from warehouse.scope import Filters, Where

SCORE_SIGNALS = 3


@reader.cached
def score_forecast(snapshot: Snapshot, f: Filters, actor: Actor) -> dict[str, Any]:
    """The visible forecast weighted by each deal's score beside the stage-weighted one, and
    what the forecast itself uses (the score only in modes where it beat the baselines)."""
    fc = forecast_where(f, page_scope(actor, "forecast"))
    kpis = one(
        snapshot,
        f"""
        select
            count(*) as deal_count,
            count(fc.win_probability) as scored_count,
            coalesce(sum(fc.score_weighted_amount), 0) as score_weighted_amount,
            coalesce(sum(fc.stage_weighted_amount), 0) as stage_weighted_amount,
            coalesce(sum(fc.amount * fc.forecast_probability), 0) as forecast_weighted_amount,
            count(*) filter (where fc.model_in_forecast) as model_in_forecast_count
        from fct_deal_scores as fc where {fc.sql()}
        """,
        fc.params,
    )
    for key in ("score_weighted_amount", "stage_weighted_amount", "forecast_weighted_amount"):
        kpis[key] = money(kpis[key])
    return kpis


@reader.cached
def scoring_verdict(snapshot: Snapshot, lang: str) -> pd.DataFrame:
    """Per sales mode (and `all`): the backtest's Brier scores and whether the model
    replaces the stage baseline in the forecast. Company-wide figures: no deal in them."""
    lg = lang_suffix(lang)
    return reader.frame(
        snapshot,
        f"""
        select v.sales_mode_code, m.sales_mode_name, v.model_kind, v.model_replaces_baseline,
            v.model_brier, v.stage_admin_brier, v.stage_win_rate_brier, v.deals,
            v.backtested_on
        from mart_scoring_verdict as v
        left join (
            select distinct sales_mode_code, sales_mode_name_{lg} as sales_mode_name
            from dim_stages
        ) as m on m.sales_mode_code = v.sales_mode_code
        order by v.sales_mode_code = 'all' desc, v.sales_mode_code
        """,
        {},
    )


@reader.cached
def scoring_reliability(snapshot: Snapshot) -> pd.DataFrame:
    """The backtest's reliability curve: per method and probability band, the mean
    predicted probability against the share of those deals that was won."""
    return reader.frame(
        snapshot,
        """
        select r.method, r.bin, r.deals, r.mean_predicted, r.observed_rate
        from mart_scoring_reliability as r
        where r.method in ('stage_admin', 'stage_win_rate')
            or r.method = (select max(v.model_kind) from mart_scoring_verdict as v)
        order by r.method, r.bin
        """,
        {},
    )


@reader.cached
def deal_score(snapshot: Snapshot, actor: Actor, project_id: int) -> dict[str, Any] | None:
    """One open deal's score, change in a week and top signals, for the project workspace;
    None when the deal has none or the actor's scope does not hold it."""
    where = Where().projects("ds", Filters(), page_scope(actor, "health"))
    where.add("ds.project_id = $project_id", project_id=project_id)
    rows = reader.frame(
        snapshot,
        f"select {score_columns('ds')} from fct_deal_scores as ds where {where.sql()}",
        where.params,
    )
    return None if rows.empty else rows.iloc[0].to_dict()


def score_columns(alias: str) -> str:
    signals = ", ".join(
        f"{alias}.signal_{n}, {alias}.signal_{n}_effect" for n in range(1, SCORE_SIGNALS + 1)
    )
    return f"{alias}.win_probability, {alias}.score_change_week, {signals}"
