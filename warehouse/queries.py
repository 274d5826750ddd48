"""The one query module of the dashboards: every KPI, chart and table of every page.

Each function takes the standard `Filters` and the signed-in `Actor` and answers from the
published snapshot only (see warehouse.reader). Row-level security is applied here, in
SQL, for every number (warehouse.scope). KPIs are exact `Decimal`s; frames carry codes
and, where a `lang` is given, display names in that language.

Periods, page by page (shown on each page): pipeline KPIs, funnel, stuck and overdue
projects describe the pipeline as of the snapshot's date while the period drives the trend
and the changes between its two dates; stage velocity counts stage visits entered in the
period; win/loss projects closed in it; forecast close months and target months in it;
costs expenses incurred, contracts signed and projects closed in it; leads captured in
it; the scorecard all of these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Any

import pandas as pd

from ingest.commands.base import Actor
from orchestration.snapshots import Snapshot
from warehouse import reader
from warehouse.scope import Filters, Scope, Where, check_page, scope_for

ZERO = Decimal("0.00")
RATE = Decimal("0.0001")
DAYS = Decimal("0.1")
TREND_DAYS = 365
# Record tables show the first rows (sorted by what matters most); the export asks again
# without the limit. A page must not pull millions of rows to draw a table.
RECORDS_LIMIT = 1_000
# A drill-down: (output column, selected keys) pairs, from a chart selection.
Drill = tuple[tuple[str, tuple[str, ...]], ...]


# --- shared ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Freshness:
    version: int
    published_at: str
    as_of_date: dt.date
    change_seq: int


def freshness() -> Freshness:
    snapshot = reader.current()
    return Freshness(
        version=snapshot.version,
        published_at=snapshot.published_at,
        as_of_date=dt.date.fromisoformat(snapshot.as_of_date),
        change_seq=snapshot.change_seq,
    )


def ratio(numerator: Any, denominator: Any, places: Decimal = RATE) -> Decimal | None:
    """numerator ÷ denominator rounded half up; None when the denominator is 0."""
    if denominator is None or Decimal(str(denominator)) == 0:
        return None
    value = Decimal(str(numerator or 0)) / Decimal(str(denominator))
    return value.quantize(places, rounding=ROUND_HALF_UP)


def _money(value: Any) -> Decimal:
    return ZERO if value is None else Decimal(str(value)).quantize(ZERO)


def _lang_suffix(lang: str) -> str:
    return "en" if lang == "en" else "zh"


def _as_of(snapshot: Snapshot) -> dt.date:
    return dt.date.fromisoformat(snapshot.as_of_date)


@reader.cached
def _managers(snapshot: Snapshot) -> Mapping[int, int | None]:
    """Read-only, so the cache hands it out as it is (a copy per query cost a millisecond)."""
    found = reader.rows(snapshot, "select employee_id, manager_id from dim_employees")
    return MappingProxyType({int(e): (None if m is None else int(m)) for e, m in found})


def _scope(actor: Actor, page: str) -> Scope:
    check_page(actor, page)
    return scope_for(actor, _managers())


def _projects(f: Filters, scope: Scope, *, status: str | None = None) -> tuple[str, Where]:
    """A CTE `p` of the visible, filtered projects (fct_opportunities)."""
    where = Where().projects("p", f, scope)
    if status is not None:
        where.add("p.status = $status", status=status)
    return f"p as (select * from fct_opportunities as p where {where.sql()})", where


def _one(snapshot: Snapshot, sql: str, params: dict[str, Any]) -> dict[str, Any]:
    return reader.record(snapshot, sql, params)


def _records(
    snapshot: Snapshot,
    sql: str,
    params: dict[str, Any],
    *,
    order_by: str,
    limit: int | None,
    drill: Drill = (),
    allowed: frozenset[str] = frozenset(),
    named: str | None = None,
    computed: dict[str, str] | None = None,
) -> pd.DataFrame:
    """The rows of `sql` narrowed to the drill-down keys, sorted, first `limit` only.
    Drill columns come from the pages' fixed lists and are checked against `allowed`;
    the keys themselves are parameters. `named`, a query over `{rows}` (aliased `r`),
    adds display names to the chosen rows only: joining names to millions of rows and
    keeping a thousand is what made record tables slow. `computed` columns (expressions
    over `r`) are likewise worked out for the chosen rows only, unless drilled on."""
    where = Where()
    for number, (column, keys) in enumerate(drill):
        if column not in allowed:
            raise ValueError(f"cannot drill on {column!r}")
        where.add(
            f"cast(r.{column} as varchar) in (select unnest($drill{number}))",
            **{f"drill{number}": [str(k) for k in keys]},
        )
    drilled = {column for column, _ in drill}
    early = {n: e for n, e in (computed or {}).items() if n in drilled}
    late = {n: e for n, e in (computed or {}).items() if n not in drilled}
    tail = "" if limit is None else "limit $limit"
    query = (
        f"select * from ({_adding(sql, early)}) as r where {where.sql()} order by {order_by} {tail}"
    )
    if late or named is not None:
        rows = f"({_adding(query, late)})"
        query = (named or "select * from {rows} as r").format(rows=rows) + f" order by {order_by}"
    extra = {} if limit is None else {"limit": limit}
    return reader.frame(snapshot, query, {**params, **where.params, **extra})


def _adding(sql: str, columns: dict[str, str]) -> str:
    """`sql` with computed columns (expressions over its rows, aliased `r`) added."""
    if not columns:
        return sql
    added = ", ".join(f"{expression} as {name}" for name, expression in columns.items())
    return f"select r.*, {added} from ({sql}) as r"


def _period_or_trailing(f: Filters, as_of: dt.date) -> tuple[dt.date, dt.date]:
    end = min(f.end or as_of, as_of)
    start = f.start or end - dt.timedelta(days=TREND_DAYS)
    return start, end


# --- options for the filter widgets ----------------------------------------------------------


@reader.cached
def filter_options(snapshot: Snapshot, actor: Actor) -> dict[str, list[Any]]:
    """Values offered by the filter widgets: only reps the actor may see."""
    scope = scope_for(actor, _managers())
    reps = Where().owners("employee_id", scope)
    reps.add("role in ('rep', 'manager')")
    options: dict[str, list[Any]] = {
        "rep": reader.rows(
            snapshot,
            "select employee_id, employee_name from dim_employees "
            f"where {reps.sql()} order by employee_name",
            reps.params,
        ),
        "department": reader.rows(
            snapshot,
            "select distinct department_code, department_name_zh, department_name_en "
            "from dim_employees where department_code is not null order by 1",
        ),
        "sales_mode": reader.rows(
            snapshot,
            "select distinct sales_mode_code, sales_mode_name_zh, sales_mode_name_en "
            "from dim_stages order by 1",
        ),
    }
    for name, column in (
        ("region", "region_code"),
        ("industry", "industry_code"),
        ("customer_type", "customer_type"),
    ):
        options[name] = [
            row[0]
            for row in reader.rows(
                snapshot,
                f"select distinct {column} from dim_customers where {column} is not null "
                "order by 1",
            )
        ]
    return options


@reader.cached
def employee_names(snapshot: Snapshot) -> dict[int, str]:
    return {
        int(e): n
        for e, n in reader.rows(snapshot, "select employee_id, employee_name from dim_employees")
    }


# --- pipeline --------------------------------------------------------------------------------


@reader.cached
def pipeline_kpis(
    snapshot: Snapshot, f: Filters, actor: Actor, stuck_days: int = 60
) -> dict[str, Any]:
    cte, where = _projects(f, _scope(actor, "pipeline"), status="open")
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
    kpis = _one(snapshot, sql, {**where.params, "stuck_days": stuck_days})
    kpis["open_amount"] = _money(kpis["open_amount"])
    kpis["weighted_amount"] = _money(kpis["weighted_amount"])
    return kpis


@reader.cached
def pipeline_funnel(snapshot: Snapshot, f: Filters, actor: Actor, lang: str) -> pd.DataFrame:
    """Open projects per stage of each sales mode (every stage shown, empty ones as 0)."""
    cte, where = _projects(f, _scope(actor, "pipeline"), status="open")
    lg = _lang_suffix(lang)
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
    cte, where = _projects(f, _scope(actor, "pipeline"))
    start, end = _period_or_trailing(f, _as_of(snapshot))
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
    cte, where = _projects(f, _scope(actor, "pipeline"))
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
    start, end = _period_or_trailing(f, _as_of(snapshot))
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


@reader.cached
def pipeline_changes(
    snapshot: Snapshot,
    f: Filters,
    actor: Actor,
    lang: str,
    drill: Drill = (),
    limit: int | None = RECORDS_LIMIT,
) -> pd.DataFrame:
    sql, params = _changes_sql(f, actor)
    lg = _lang_suffix(lang)
    named = f"""
        select
            r.change_type, r.project_id, p.project_name, e.employee_name as owner_name,
            r.sales_mode_code, r.stage_before, sa.stage_name_{lg} as stage_name_after,
            r.stage_after, r.status_before, r.status_after, r.amount_before, r.amount_after,
            r.amount_after - r.amount_before as amount_change,
            r.close_date_before, r.close_date_after
        from {{rows}} as r
        inner join fct_opportunities as p on p.project_id = r.project_id
        left join dim_employees as e on e.employee_id = p.owner_id
        left join dim_stages as sa
            on sa.sales_mode_code = r.sales_mode_code and sa.stage_code = r.stage_after
    """
    return _records(
        snapshot,
        sql,
        {**params, **_change_dates(snapshot, f)},
        order_by="r.change_type, r.amount_after desc, r.project_id",
        drill=drill,
        allowed=frozenset({"change_type", "stage_after"}),
        limit=limit,
        named=named,
    )


@reader.cached
def pipeline_records(
    snapshot: Snapshot,
    f: Filters,
    actor: Actor,
    lang: str,
    stuck_days: int = 60,
    drill: Drill = (),
    limit: int | None = RECORDS_LIMIT,
) -> pd.DataFrame:
    """The open projects behind the pipeline page, flagged stuck and overdue."""
    cte, where = _projects(f, _scope(actor, "pipeline"), status="open")
    lg = _lang_suffix(lang)
    sql = f"""
        with {cte}
        select
            p.*, p.current_stage_code as stage_code,
            coalesce(p.days_in_stage >= $stuck_days, false) as is_stuck
        from p
    """
    named = f"""
        select
            r.project_id, r.project_name, c.customer_name, e.employee_name as owner_name,
            r.sales_mode_code, r.stage_code, s.stage_name_{lg} as stage_name,
            r.forecast_category, r.expected_amount, r.probability, r.weighted_amount,
            r.expected_close_date, r.days_in_stage, r.is_stuck, r.is_overdue, r.region_code,
            r.industry_code, r.customer_type, r.department_code
        from {{rows}} as r
        left join dim_customers as c on c.customer_id = r.customer_id and c.is_current
        left join dim_employees as e on e.employee_id = r.owner_id
        left join dim_stages as s
            on s.sales_mode_code = r.sales_mode_code and s.stage_code = r.stage_code
    """
    return _records(
        snapshot,
        sql,
        {**where.params, "stuck_days": stuck_days},
        order_by="r.expected_amount desc, r.project_id",
        drill=drill,
        allowed=frozenset({"stage_code", "is_stuck", "is_overdue", "forecast_category"}),
        limit=limit,
        named=named,
    )


# --- stage velocity --------------------------------------------------------------------------


def _visits_cte(f: Filters, scope: Scope) -> tuple[str, Where]:
    cte, where = _projects(f, scope)
    return (
        f"""{cte},
        v as (
            select t.* from fct_stage_transitions as t
            where {"t.project_id in (select project_id from p)" if where.parts else "true"}
        )""",
        where,
    )


def _whole_history(f: Filters, scope: Scope) -> bool:
    """No period, no filter, visible to everyone (every page's first view for executives):
    a question about the whole history, which some marts have already answered."""
    return scope.people is None and f == Filters()


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
    scope = _scope(actor, "velocity")
    if _whole_history(f, scope):
        parts, params = _STAGE_CONVERSION_CTES, {}
    else:
        parts, params = _stage_visit_ctes(f, scope)
    modes = Where()
    if f.sales_mode is not None:
        modes.add("s.sales_mode_code = $sales_mode", sales_mode=f.sales_mode)
    lg = _lang_suffix(lang)
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
    scope = _scope(actor, "velocity")
    if _whole_history(f, scope):
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
    visits = _one(snapshot, sql, params)
    closed = _closed_totals(snapshot, f, scope)
    return {
        **visits,
        "avg_days_in_stage": ratio(visits["total_days"], visits["finished_visit_count"], DAYS),
        "closed_count": closed["closed_count"],
        "average_sales_cycle_days": ratio(
            closed["sales_cycle_days_total"], closed["closed_count"], DAYS
        ),
    }


@reader.cached
def velocity_records(
    snapshot: Snapshot,
    f: Filters,
    actor: Actor,
    lang: str,
    drill: Drill = (),
    limit: int | None = RECORDS_LIMIT,
) -> pd.DataFrame:
    cte, where = _visits_cte(f, _scope(actor, "velocity"))
    entered = Where().period("cast(v.entered_at as date)", f)
    lg = _lang_suffix(lang)
    sql = f"""
        with {cte}
        select v.* from v where not v.is_won_stage and {entered.sql()}
    """
    named = f"""
        select
            r.project_id, p.project_name, e.employee_name as owner_name, r.sales_mode_code,
            r.stage_code, s.stage_name_{lg} as stage_name, r.visit_number,
            r.entered_at, r.exited_at, r.exit_type, r.days_in_stage, r.is_current
        from {{rows}} as r
        inner join fct_opportunities as p on p.project_id = r.project_id
        left join dim_employees as e on e.employee_id = p.owner_id
        left join dim_stages as s
            on s.sales_mode_code = r.sales_mode_code and s.stage_code = r.stage_code
    """
    return _records(
        snapshot,
        sql,
        {**where.params, **entered.params},
        order_by="r.entered_at desc, r.project_id, r.visit_number",
        drill=drill,
        allowed=frozenset({"stage_code", "exit_type"}),
        limit=limit,
        named=named,
    )


# --- win / loss ------------------------------------------------------------------------------


def _closed_where(f: Filters, scope: Scope) -> Where:
    return Where().projects("w", f, scope).period("w.closed_date", f)


def _closed_totals(snapshot: Snapshot, f: Filters, scope: Scope) -> dict[str, Any]:
    where = _closed_where(f, scope)
    sql = f"""
        select
            count(*) filter (where w.outcome = 'won') as won_count,
            count(*) filter (where w.outcome = 'lost') as lost_count,
            count(*) as closed_count,
            coalesce(sum(w.amount) filter (where w.outcome = 'won'), 0) as won_amount,
            coalesce(sum(w.amount) filter (where w.outcome = 'lost'), 0) as lost_amount,
            coalesce(sum(w.amount), 0) as closed_amount,
            coalesce(sum(w.sales_cycle_days), 0) as sales_cycle_days_total
        from fct_win_loss as w
        where {where.sql()}
    """
    totals = _one(snapshot, sql, where.params)
    for key in ("won_amount", "lost_amount", "closed_amount"):
        totals[key] = _money(totals[key])
    return totals


@reader.cached
def winloss_kpis(snapshot: Snapshot, f: Filters, actor: Actor) -> dict[str, Any]:
    totals = _closed_totals(snapshot, f, _scope(actor, "win_loss"))
    return {
        **totals,
        "win_rate_by_count": ratio(totals["won_count"], totals["closed_count"]),
        "win_rate_by_amount": ratio(totals["won_amount"], totals["closed_amount"]),
        "average_sales_cycle_days": ratio(
            totals["sales_cycle_days_total"], totals["closed_count"], DAYS
        ),
    }


_RATE_COLUMNS = """
    count(*) filter (where w.outcome = 'won') as won_count,
    count(*) filter (where w.outcome = 'lost') as lost_count,
    coalesce(sum(w.amount) filter (where w.outcome = 'won'), 0) as won_amount,
    coalesce(sum(w.amount) filter (where w.outcome = 'lost'), 0) as lost_amount
"""


def _with_rates(frame: pd.DataFrame) -> pd.DataFrame:
    closed = frame.won_count + frame.lost_count
    frame["win_rate_by_count"] = (frame.won_count / closed.where(closed > 0)).round(4)
    amount = frame.won_amount + frame.lost_amount
    frame["win_rate_by_amount"] = (frame.won_amount / amount.where(amount > 0)).round(4)
    return frame


# The same counts from mart_win_rates (per closing month, owner and dimension): without a
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
    where = _closed_where(f, _scope(actor, "win_loss"))
    if _whole_months(f):
        source = f"select w.closed_month, {_MART_RATE_COLUMNS} from mart_win_rates as w"
    else:
        month = "cast(date_trunc('month', w.closed_date) as date)"
        source = f"select {month} as closed_month, {_RATE_COLUMNS} from fct_win_loss as w"
    sql = f"{source} where {where.sql()} group by 1 order by 1"
    return _with_rates(reader.frame(snapshot, sql, where.params))


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
    where = _closed_where(f, _scope(actor, "win_loss"))
    by_mart = _whole_months(f) and dimension != "competitor"  # the mart has no competitor
    sql = f"""
        select * from (
            select {column} as key, any_value({label}) as label,
                {_MART_RATE_COLUMNS if by_mart else _RATE_COLUMNS}
            from {"mart_win_rates" if by_mart else "fct_win_loss"} as w
            left join dim_employees as e on e.employee_id = w.owner_id
            where {where.sql()}
            group by 1
        ) as r
        order by r.won_count + r.lost_count desc, r.key
    """
    return _with_rates(reader.frame(snapshot, sql, where.params))


@reader.cached
def loss_reasons(snapshot: Snapshot, f: Filters, actor: Actor, lang: str) -> pd.DataFrame:
    """Pareto of loss reasons: most frequent first, with the cumulative share."""
    where = _closed_where(f, _scope(actor, "win_loss")).add("w.outcome = 'lost'")
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
    where = _closed_where(f, _scope(actor, "win_loss"))
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


@reader.cached
def winloss_records(
    snapshot: Snapshot,
    f: Filters,
    actor: Actor,
    lang: str,
    drill: Drill = (),
    limit: int | None = RECORDS_LIMIT,
) -> pd.DataFrame:
    where = _closed_where(f, _scope(actor, "win_loss"))
    name = "lr.loss_reason_name_en" if lang == "en" else "lr.loss_reason_name"
    sql = f"""
        select w.* from fct_win_loss as w where {where.sql()}
    """
    named = f"""
        select
            r.project_id, p.project_name, c.customer_name, e.employee_name as owner_name,
            r.outcome, r.closed_date, r.closed_month, r.amount, r.sales_cycle_days,
            r.last_stage_code, r.loss_reason_code, {name} as loss_reason_name,
            r.loss_reason_category, r.competitor_id, r.owner_id, r.department_code,
            r.region_code, r.industry_code, r.customer_type, r.sales_mode_code,
            r.has_decision_maker
        from {{rows}} as r
        inner join fct_opportunities as p on p.project_id = r.project_id
        left join dim_customers as c on c.customer_id = r.customer_id and c.is_current
        left join dim_employees as e on e.employee_id = r.owner_id
        left join dim_loss_reasons as lr on lr.loss_reason_code = r.loss_reason_code
    """
    return _records(
        snapshot,
        sql,
        where.params,
        order_by="r.closed_date desc, r.project_id",
        drill=drill,
        allowed=WINLOSS_DRILLS,
        limit=limit,
        named=named,
        computed={"closed_month": "strftime(r.closed_date, '%Y-%m-01')"},
    )


# --- forecast --------------------------------------------------------------------------------


def _forecast_where(f: Filters, scope: Scope) -> Where:
    return Where().projects("fc", f, scope).period("fc.forecast_month", _month_period(f))


def _month_period(f: Filters) -> Filters:
    """Months overlapping the period: a month counts when any of its days is in it."""
    start = f.start.replace(day=1) if f.start else None
    return f.with_period(start, f.end)


def _targets_where(f: Filters, scope: Scope) -> Where:
    """Rep targets only: department targets restate their reps' and would count twice.
    Targets are per person and month, so region, industry, customer type and sales mode
    do not apply to them."""
    where = Where().add("t.target_level = 'employee'").owners("t.employee_id", scope)
    if f.rep is not None:
        where.add("t.employee_id = $rep", rep=f.rep)
    if f.department is not None:
        where.add("t.department_code = $department", department=f.department)
    return where.period("t.period_month", _month_period(f))


@reader.cached
def forecast_kpis(snapshot: Snapshot, f: Filters, actor: Actor) -> dict[str, Any]:
    scope = _scope(actor, "forecast")
    fc = _forecast_where(f, scope)
    forecast = _one(
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
    tw = _targets_where(f, scope)
    targets = _one(
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
    kpis = {k: (v if k == "forecast_count" else _money(v)) for k, v in forecast.items()}
    kpis.update({k: _money(v) for k, v in targets.items()})
    kpis["attainment"] = ratio(kpis["target_won_amount"], kpis["target_amount"])
    kpis["pipeline_coverage"] = ratio(
        kpis["target_open_weighted_amount"], kpis["remaining_target_amount"]
    )
    return kpis


@reader.cached
def forecast_by_month(snapshot: Snapshot, f: Filters, actor: Actor) -> pd.DataFrame:
    fc = _forecast_where(f, _scope(actor, "forecast"))
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
    tw = _targets_where(f, _scope(actor, "forecast"))
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
    fc = _forecast_where(f, _scope(actor, "forecast"))
    lg = _lang_suffix(lang)
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
    where = Where().projects("p", f, _scope(actor, "forecast"))
    where.period("a.forecast_month", _month_period(f))
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


@reader.cached
def forecast_records(
    snapshot: Snapshot,
    f: Filters,
    actor: Actor,
    lang: str,
    drill: Drill = (),
    limit: int | None = RECORDS_LIMIT,
) -> pd.DataFrame:
    fc = _forecast_where(f, _scope(actor, "forecast"))
    lg = _lang_suffix(lang)
    sql = f"""
        select
            fc.project_id, fc.owner_id, fc.forecast_month, fc.forecast_category,
            fc.sales_mode_code, fc.stage_code, fc.amount, fc.probability,
            fc.calibrated_probability, fc.weighted_amount, fc.calibrated_weighted_amount,
            fc.expected_close_date
        from fct_forecast as fc
        where {fc.sql()}
    """
    named = f"""
        select
            r.project_id, p.project_name, e.employee_name as owner_name, r.forecast_month,
            r.month_category, r.forecast_category, r.sales_mode_code, r.stage_code,
            s.stage_name_{lg} as stage_name, r.amount, r.probability,
            r.calibrated_probability, r.weighted_amount, r.calibrated_weighted_amount,
            r.expected_close_date
        from {{rows}} as r
        inner join fct_opportunities as p on p.project_id = r.project_id
        left join dim_employees as e on e.employee_id = r.owner_id
        left join dim_stages as s
            on s.sales_mode_code = r.sales_mode_code and s.stage_code = r.stage_code
    """
    return _records(
        snapshot,
        sql,
        fc.params,
        order_by="r.forecast_month, r.amount desc, r.project_id",
        drill=drill,
        allowed=frozenset({"month_category", "stage_code", "forecast_category"}),
        limit=limit,
        named=named,
        computed={
            "month_category": "strftime(r.forecast_month, '%Y-%m-%d') || '|' || r.forecast_category"
        },
    )


# --- costs -----------------------------------------------------------------------------------

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
    scope = _scope(actor, "costs")
    xw = _expense_where(f, scope)
    spent = _one(
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
    signed = _one(
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
        "expense_amount": _money(spent["expense_amount"]),
        "lost_project_expense_amount": _money(spent["lost_project_expense_amount"]),
        "contract_amount": _money(signed["contract_amount"]),
    }
    kpis["cost_to_revenue_ratio"] = ratio(kpis["expense_amount"], kpis["contract_amount"])
    spent_sql, spent_params = _spent_per_project(f, scope)
    over = _one(
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


@reader.cached
def customer_costs(
    snapshot: Snapshot, f: Filters, actor: Actor, limit: int | None = RECORDS_LIMIT
) -> pd.DataFrame:
    """客户费用表: per customer, expenses in the period against contracts signed in it,
    projects won and lost in it and the expenses spent on lost projects in the period."""
    scope = _scope(actor, "costs")
    xw = _expense_where(f, scope)
    cw = Where().projects("p", f, scope)
    # a contract carries no project dimensions: joined to its project only to filter on them
    on_project = (
        "inner join fct_opportunities as p on p.project_id = k.project_id" if cw.parts else ""
    )
    cw.period("k.signed_date", f)
    ww = Where().projects("w", f, scope).period("w.closed_date", f)
    if _whole_history(f, scope):
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
    return _records(
        snapshot,
        sql,
        {**xw.params, **cw.params, **ww.params},
        order_by="r.expense_amount desc, r.customer_id",
        limit=limit,
        named="""
            select
                r.customer_id, c.customer_name, c.customer_type, c.region_code,
                c.industry_code, r.expense_amount, r.contract_amount, r.cost_to_revenue_ratio,
                r.won_count, r.lost_count, r.lost_expense_amount
            from {rows} as r
            left join dim_customers as c on c.customer_id = r.customer_id and c.is_current
        """,
    )


@reader.cached
def project_costs(
    snapshot: Snapshot,
    f: Filters,
    actor: Actor,
    drill: Drill = (),
    limit: int | None = RECORDS_LIMIT,
) -> pd.DataFrame:
    """项目费用报表: projects with expenses in the period — budget against spent (in the
    period and in total) against the contract amount."""
    spent_sql, spent_params = _spent_per_project(f, _scope(actor, "costs"))
    sql = f"""
        with {spent_sql}
        select m.*, spent.period_expense_amount
        from spent inner join mart_project_costs as m on m.project_id = spent.project_id
    """
    named = """
        select
            r.project_id, r.project_name, c.customer_name, e.employee_name as owner_name,
            r.status, r.budget_amount, r.period_expense_amount,
            r.expense_amount as total_expense_amount, r.contract_amount, r.is_over_budget,
            r.cost_to_revenue_ratio, r.department_code, r.region_code, r.industry_code,
            r.sales_mode_code
        from {rows} as r
        left join dim_customers as c on c.customer_id = r.customer_id and c.is_current
        left join dim_employees as e on e.employee_id = r.owner_id
    """
    return _records(
        snapshot,
        sql,
        spent_params,
        order_by="r.period_expense_amount desc, r.project_id",
        drill=drill,
        allowed=frozenset({"project_id", "status"}),
        limit=limit,
        named=named,
    )


@reader.cached
def lost_deal_costs(snapshot: Snapshot, f: Filters, actor: Actor, lang: str) -> pd.DataFrame:
    """Projects lost in the period, by loss reason and primary competitor: how many, their
    expected amount and everything spent on them."""
    where = _closed_where(f, _scope(actor, "costs")).add("w.outcome = 'lost'")
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
    xw = _expense_where(f, _scope(actor, "costs"))
    sql = f"""
        with {_EXPENSES}
        select
            cast(date_trunc('month', x.incurred_date) as date) as month, x.category,
            count(*) as expense_count, sum(x.amount) as expense_amount
        from x where {xw.sql()}
        group by all order by 1, 2
    """
    return reader.frame(snapshot, sql, xw.params)


@reader.cached
def expense_records(
    snapshot: Snapshot,
    f: Filters,
    actor: Actor,
    drill: Drill = (),
    limit: int | None = RECORDS_LIMIT,
) -> pd.DataFrame:
    xw = _expense_where(f, _scope(actor, "costs"))
    sql = f"""
        with {_EXPENSES}
        select * from x where {xw.sql()}
    """
    named = """
        select
            r.expense_id, r.incurred_date, r.month, r.category, r.amount, r.report_status,
            r.project_id, p.project_name, r.customer_id, c.customer_name,
            s.employee_name as spender_name, r.project_status, r.region_code,
            r.industry_code, r.customer_type, r.sales_mode_code, r.department_code
        from {rows} as r
        left join fct_opportunities as p on p.project_id = r.project_id
        left join dim_customers as c on c.customer_id = r.customer_id and c.is_current
        left join dim_employees as s on s.employee_id = r.spender_id
    """
    return _records(
        snapshot,
        sql,
        xw.params,
        order_by="r.incurred_date desc, r.expense_id desc",
        drill=drill,
        allowed=frozenset({"month", "category", "project_id"}),
        limit=limit,
        named=named,
        computed={"month": "strftime(r.incurred_date, '%Y-%m-01')"},
    )


# --- leads -----------------------------------------------------------------------------------


def _lead_where(f: Filters, scope: Scope) -> Where:
    """Leads carry an owner and a source: region, industry, customer type and sales mode
    do not apply to them; the department is the owner's."""
    where = Where().owners("l.owner_id", scope).period("l.created_date", f)
    if f.rep is not None:
        where.add("l.owner_id = $rep", rep=f.rep)
    if f.department is not None:
        where.add(
            "l.owner_id in (select employee_id from dim_employees "
            "where department_code = $department)",
            department=f.department,
        )
    return where


_LEAD_COLUMNS = """
    count(*) as lead_count,
    count(*) filter (where l.status = 'qualified') as qualified_count,
    count(*) filter (where l.status = 'rejected') as rejected_count,
    count(*) filter (where l.status = 'new') as new_count,
    coalesce(sum(l.days_to_decision) filter (where l.status = 'qualified'), 0)
        as qualify_days_total
"""


@reader.cached
def lead_kpis(snapshot: Snapshot, f: Filters, actor: Actor) -> dict[str, Any]:
    where = _lead_where(f, _scope(actor, "leads"))
    kpis = _one(
        snapshot, f"select {_LEAD_COLUMNS} from fct_leads as l where {where.sql()}", where.params
    )
    kpis["conversion_rate"] = ratio(kpis["qualified_count"], kpis["lead_count"])
    kpis["avg_days_to_qualify"] = ratio(kpis["qualify_days_total"], kpis["qualified_count"], DAYS)
    return kpis


@reader.cached
def leads_by_source(snapshot: Snapshot, f: Filters, actor: Actor) -> pd.DataFrame:
    where = _lead_where(f, _scope(actor, "leads"))
    sql = f"""
        select l.source_code, {_LEAD_COLUMNS}
        from fct_leads as l where {where.sql()}
        group by 1 order by lead_count desc, 1
    """
    frame = reader.frame(snapshot, sql, where.params)
    frame["conversion_rate"] = (frame.qualified_count / frame.lead_count).round(4)
    qualified = frame.qualified_count.where(frame.qualified_count > 0)
    frame["avg_days_to_qualify"] = (frame.qualify_days_total / qualified).round(1)
    return frame


@reader.cached
def lead_trend(snapshot: Snapshot, f: Filters, actor: Actor) -> pd.DataFrame:
    where = _lead_where(f, _scope(actor, "leads"))
    sql = f"""
        select cast(date_trunc('month', l.created_date) as date) as month, l.source_code,
            {_LEAD_COLUMNS}
        from fct_leads as l where {where.sql()}
        group by all order by 1, 2
    """
    return reader.frame(snapshot, sql, where.params)


@reader.cached
def lead_records(
    snapshot: Snapshot,
    f: Filters,
    actor: Actor,
    drill: Drill = (),
    limit: int | None = RECORDS_LIMIT,
) -> pd.DataFrame:
    where = _lead_where(f, _scope(actor, "leads"))
    sql = f"""
        select
            l.lead_id, l.created_date, l.source_code, l.status, l.owner_id,
            l.qualified_date, l.rejected_date, l.days_to_decision, l.converted_project_id
        from fct_leads as l
        where {where.sql()}
    """
    named = """
        select
            r.lead_id, r.created_date, r.month, r.source_code, r.status,
            e.employee_name as owner_name, r.qualified_date, r.rejected_date,
            r.days_to_decision, r.converted_project_id
        from {rows} as r
        left join dim_employees as e on e.employee_id = r.owner_id
    """
    return _records(
        snapshot,
        sql,
        where.params,
        order_by="r.created_date desc, r.lead_id desc",
        drill=drill,
        allowed=frozenset({"source_code", "month", "status"}),
        limit=limit,
        named=named,
        computed={"month": "strftime(r.created_date, '%Y-%m-01')"},
    )


# --- rep scorecard ---------------------------------------------------------------------------


@reader.cached
def rep_scorecard(snapshot: Snapshot, f: Filters, actor: Actor) -> pd.DataFrame:
    """One row per visible rep or manager: target attainment, closed projects, win rate,
    sales cycle, activities done and open pipeline, each under the page's filters."""
    scope = _scope(actor, "scorecard")
    people = Where().owners("e.employee_id", scope).add("e.role in ('rep', 'manager')")
    if f.rep is not None:
        people.add("e.employee_id = $rep", rep=f.rep)
    if f.department is not None:
        people.add("e.department_code = $department", department=f.department)
    tw = _targets_where(f, scope)
    ww = _closed_where(f, scope)
    ow = Where().projects("p", f, scope).add("p.status = 'open'")
    aw = Where().owners("a.owner_id", scope).period("a.activity_date", f).add("a.is_done")
    sql = f"""
        with
        people as (select * from dim_employees as e where {people.sql()}),
        targets as (
            select t.employee_id, sum(t.target_amount) as target_amount,
                sum(t.won_amount) as target_won_amount
            from fct_targets as t where {tw.sql()} group by 1
        ),
        closed as (
            select w.owner_id as employee_id, {_RATE_COLUMNS},
                sum(w.sales_cycle_days) as sales_cycle_days_total
            from fct_win_loss as w where {ww.sql()} group by 1
        ),
        open as (
            select p.owner_id as employee_id, count(*) as open_count,
                sum(p.expected_amount) as open_amount, sum(p.weighted_amount) as weighted_amount
            from fct_opportunities as p where {ow.sql()} group by 1
        ),
        activities as (
            select a.owner_id as employee_id, count(*) as activity_count
            from fct_activities as a where {aw.sql()} group by 1
        )
        select
            people.employee_id, people.employee_name, people.role, people.department_code,
            coalesce(targets.target_amount, 0) as target_amount,
            coalesce(targets.target_won_amount, 0) as target_won_amount,
            coalesce(closed.won_count, 0) as won_count,
            coalesce(closed.lost_count, 0) as lost_count,
            coalesce(closed.won_amount, 0) as won_amount,
            coalesce(closed.lost_amount, 0) as lost_amount,
            coalesce(closed.sales_cycle_days_total, 0) as sales_cycle_days_total,
            coalesce(activities.activity_count, 0) as activity_count,
            coalesce(open.open_count, 0) as open_count,
            coalesce(open.open_amount, 0) as open_amount,
            coalesce(open.weighted_amount, 0) as weighted_amount
        from people
        left join targets on targets.employee_id = people.employee_id
        left join closed on closed.employee_id = people.employee_id
        left join open on open.employee_id = people.employee_id
        left join activities on activities.employee_id = people.employee_id
        order by people.employee_name, people.employee_id
    """
    params = {**people.params, **tw.params, **ww.params, **ow.params, **aw.params}
    frame = _with_rates(reader.frame(snapshot, sql, params))
    target = frame.target_amount.where(frame.target_amount > 0)
    frame["attainment"] = (frame.target_won_amount / target).round(4)
    closed = (frame.won_count + frame.lost_count).where(lambda n: n > 0)
    frame["average_sales_cycle_days"] = (frame.sales_cycle_days_total / closed).round(1)
    return frame


def scorecard_team(card: pd.DataFrame) -> dict[str, Any]:
    """The team the scorecard is read against: the average rep of the rows shown."""
    if card.empty:
        return {}
    won, lost = int(card.won_count.sum()), int(card.lost_count.sum())
    return {
        "attainment": ratio(card.target_won_amount.sum(), card.target_amount.sum()),
        "win_rate_by_count": ratio(won, won + lost),
        "average_sales_cycle_days": ratio(card.sales_cycle_days_total.sum(), won + lost, DAYS),
        "activity_count": ratio(card.activity_count.sum(), len(card), DAYS),
        "won_amount": _money(card.won_amount.sum() / len(card)),
    }


# --- deal health -----------------------------------------------------------------------------

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
    cte, where = _projects(f, _scope(actor, "health"), status="open")
    lg = _lang_suffix(lang)
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
            {_score_columns("ds")}
        from flagged
        left join fct_deal_scores as ds on ds.project_id = flagged.project_id
        left join dim_employees as e on e.employee_id = flagged.owner_id
        left join dim_stages as s
            on s.sales_mode_code = flagged.sales_mode_code and s.stage_code = flagged.stage_code
    """
    params = {**where.params, "as_of": _as_of(snapshot), "inactive_days": inactive_days}
    return sql, params


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
    return _records(
        snapshot,
        sql,
        params,
        order_by="r.flag_count desc, r.expected_amount desc, r.project_id",
        limit=limit,
    )


@reader.cached
def health_kpis(
    snapshot: Snapshot, f: Filters, actor: Actor, inactive_days: int = 30
) -> dict[str, Any]:
    sql, params = _health_sql(snapshot, f, actor, "en", inactive_days)
    counts = ", ".join(f"count(*) filter (where {flag}) as {flag}_count" for flag in HEALTH_FLAGS)
    kpis = _one(
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
    kpis["flagged_amount"] = _money(kpis["flagged_amount"])
    return kpis


# --- deal scores ---------------------------------------------------------------------------

SCORE_SIGNALS = 3


@reader.cached
def score_forecast(snapshot: Snapshot, f: Filters, actor: Actor) -> dict[str, Any]:
    """The visible forecast weighted by each deal's score beside the stage-weighted one, and
    what the forecast itself uses (the score only in modes where it beat the baselines)."""
    fc = _forecast_where(f, _scope(actor, "forecast"))
    kpis = _one(
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
        kpis[key] = _money(kpis[key])
    return kpis


@reader.cached
def scoring_verdict(snapshot: Snapshot, lang: str) -> pd.DataFrame:
    """Per sales mode (and `all`): the backtest's Brier scores and whether the model
    replaces the stage baseline in the forecast. Company-wide figures: no deal in them."""
    lg = _lang_suffix(lang)
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
    where = Where().projects("ds", Filters(), _scope(actor, "health"))
    where.add("ds.project_id = $project_id", project_id=project_id)
    rows = reader.frame(
        snapshot,
        f"select {_score_columns('ds')} from fct_deal_scores as ds where {where.sql()}",
        where.params,
    )
    return None if rows.empty else rows.iloc[0].to_dict()


def _score_columns(alias: str) -> str:
    signals = ", ".join(
        f"{alias}.signal_{n}, {alias}.signal_{n}_effect" for n in range(1, SCORE_SIGNALS + 1)
    )
    return f"{alias}.win_probability, {alias}.score_change_week, {signals}"
