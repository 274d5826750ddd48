"""The deal health page (dashboards/views/health.py) and the entry app's cockpit: open
projects with their warning flags."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ingest.commands.base import Actor
from orchestration.snapshots import Snapshot
from warehouse import reader
from warehouse.queries.common import (
    RECORDS_LIMIT,
    Records,
    as_of,
    lang_suffix,
    money,
    one,
    page_scope,
    visible_projects,
)
from warehouse.queries.scores import score_columns
from warehouse.scope import Filters

HEALTH_FLAGS = (
    "no_recent_activity",
    "close_date_passed",
    "stuck_in_stage",
    "has_competitor",
    "no_decision_maker",
)


def _health_sql(
    snapshot: Snapshot, f: Filters, actor: Actor, lang: str, inactive_days: int
) -> tuple[str, dict[str, Any]]:
    """Open projects with their warning flags: no activity done for `inactive_days`, close
    date passed, longer in the current stage than the stage's median finished visit, a
    competitor recorded, no decision maker on the decision tree."""
    cte, where = visible_projects(f, page_scope(actor, "health"), status="open")
    lg = lang_suffix(lang)
    sql = f"""
        with {cte},
        flagged as (
            select
                p.project_id, p.project_name, p.owner_id, p.sales_mode_code,
                p.current_stage_code as stage_code, p.expected_amount, p.weighted_amount,
                p.expected_close_date, p.last_activity_date,
                date_diff('day', p.last_activity_date, $as_of) as days_since_activity,
                p.days_in_stage, m.median_days_in_stage as usual_days_in_stage,
                p.primary_competitor_id,
                coalesce(date_diff('day', p.last_activity_date, $as_of) >= $inactive_days, true)
                    as no_recent_activity,
                p.is_overdue as close_date_passed,
                coalesce(p.days_in_stage > m.median_days_in_stage, false) as stuck_in_stage,
                p.primary_competitor_id is not null as has_competitor,
                p.decision_maker_count,
                not p.has_decision_maker as no_decision_maker
            from p
            left join mart_stage_conversion as m
                on m.sales_mode_code = p.sales_mode_code and m.stage_code = p.current_stage_code
        )
        select
            flagged.*, e.employee_name as owner_name, s.stage_name_{lg} as stage_name,
            {" + ".join(f"cast({flag} as int)" for flag in HEALTH_FLAGS)} as flag_count,
            {score_columns("ds")}
        from flagged
        left join fct_deal_scores as ds on ds.project_id = flagged.project_id
        left join dim_employees as e on e.employee_id = flagged.owner_id
        left join dim_stages as s
            on s.sales_mode_code = flagged.sales_mode_code and s.stage_code = flagged.stage_code
    """
    params = {**where.params, "as_of": as_of(snapshot), "inactive_days": inactive_days}
    return sql, params


_DEAL_HEALTH = Records(
    order_by="r.flag_count desc, r.expected_amount desc, r.project_id",
)


@reader.cached
def deal_health(
    snapshot: Snapshot,
    f: Filters,
    actor: Actor,
    lang: str,
    inactive_days: int = 30,
    flags: tuple[str, ...] = (),
    only_flagged: bool = False,
    limit: int | None = RECORDS_LIMIT,
) -> pd.DataFrame:
    """The open projects, most warnings first; `flags` keeps those raising any of them."""
    sql, params = _health_sql(snapshot, f, actor, lang, inactive_days)
    wanted = [flag for flag in HEALTH_FLAGS if flag in flags]  # a fixed list of columns
    conditions = [f"({' or '.join(wanted)})"] if wanted else []
    if only_flagged:
        conditions.append("flag_count > 0")
    sql = f"select * from ({sql}) as h where {' and '.join(conditions) or 'true'}"
    return _DEAL_HEALTH.read(snapshot, sql, params, (), limit, lang=lang)


@reader.cached
def health_kpis(
    snapshot: Snapshot, f: Filters, actor: Actor, inactive_days: int = 30
) -> dict[str, Any]:
    sql, params = _health_sql(snapshot, f, actor, "en", inactive_days)
    counts = ", ".join(f"count(*) filter (where {flag}) as {flag}_count" for flag in HEALTH_FLAGS)
    kpis = one(
        snapshot,
        f"""
        select
            count(*) as open_count,
            count(*) filter (where flag_count > 0) as flagged_count,
            coalesce(sum(expected_amount) filter (where flag_count > 0), 0) as flagged_amount,
            {counts}
        from ({sql}) as h
        """,
        params,
    )
    kpis["flagged_amount"] = money(kpis["flagged_amount"])
    return kpis
