"""销售预测报表: the open pipeline by expected close month and forecast category, weighted
(stage default and calibrated) and committed, against the reps' monthly targets.

Read from fct_forecast (one row per open project, in the month it is forecast to close)
and fct_targets (rep targets with what was won against them), the tables behind the
forecast dashboard, with the same periods and filters (warehouse.queries).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from dashboards.reports.labels import (
    FORECAST_CATEGORIES,
    code_name,
    forecast_category_name,
    text,
)
from dashboards.reports.model import Table, money_total, report_columns
from dashboards.reports.source import Source
from warehouse.queries.common import ratio
from warehouse.scope import Filters, Where

ZERO = Decimal("0.00")
# What is added up per month: the forecast's, then the targets'.
MONTH_SUMS = ("count", "amount", "weighted", "calibrated", "commit")
MONTH_SUMS += ("target", "won", "remaining", "open_weighted")


def month_period(f: Filters) -> Filters:
    """Months overlapping the period: a month counts when any of its days is in it."""
    return f.with_period(f.start.replace(day=1) if f.start else None, f.end)


def from_this_month(source: Source, f: Filters) -> Filters:
    """Without a start, the report looks ahead: from the month of the data's date (open
    projects are never forecast before it; earlier targets are history, not forecast)."""
    if f.start is not None:
        return f
    return f.with_period(source.as_of.replace(day=1), f.end)


def forecast_where(f: Filters, source: Source) -> Where:
    return Where().projects("fc", f, source.scope).period("fc.forecast_month", month_period(f))


def targets_where(f: Filters, source: Source) -> Where:
    """Rep targets only (department targets restate their reps'); per person and month, so
    only the rep and department filters apply (as on the forecast page)."""
    where = Where().add("t.target_level = 'employee'").owners("t.employee_id", source.scope)
    if f.rep is not None:
        where.add("t.employee_id = $rep", rep=f.rep)
    if f.department is not None:
        where.add("t.department_code = $department", department=f.department)
    return where.period("t.period_month", month_period(f))


def build(source: Source, f: Filters) -> list[Table]:
    lang = source.lang
    fc = forecast_where(f, source)
    tw = targets_where(f, source)
    forecast = source.rows(
        f"""
        select
            fc.forecast_month, fc.forecast_category, fc.owner_id, count(*),
            sum(fc.amount), sum(fc.weighted_amount), sum(fc.calibrated_weighted_amount)
        from fct_forecast as fc where {fc.sql()}
        group by all
        """,
        fc.params,
    )
    targets = source.rows(
        f"""
        select
            t.period_month, t.employee_id, sum(t.target_amount), sum(t.won_amount),
            sum(t.remaining_target), sum(t.open_weighted_amount)
        from fct_targets as t where {tw.sql()}
        group by all
        """,
        tw.params,
    )
    names = source.names("select employee_id, employee_name from dim_employees")
    return [
        _by_month(forecast, targets, lang),
        _by_category(forecast, lang),
        _by_rep(forecast, targets, names, lang),
        _projects(source, fc),
    ]


def _sum(rows: list[tuple[Any, ...]], position: int) -> Decimal:
    return money_total([row[position] for row in rows])


def _by_month(forecast: list[tuple[Any, ...]], targets: list[tuple[Any, ...]], lang: str) -> Table:
    months: dict[dt.date, dict[str, Any]] = defaultdict(lambda: dict.fromkeys(MONTH_SUMS, ZERO))
    for month, category, _owner, count, amount, weighted, calibrated in forecast:
        m = months[month]
        m["count"] += count
        m["amount"] += amount
        m["weighted"] += weighted
        m["calibrated"] += calibrated
        if category == "commit":
            m["commit"] += amount
    for month, _employee, target, won, remaining, open_weighted in targets:
        m = months[month]
        m["target"] += target
        m["won"] += won
        m["remaining"] += remaining
        m["open_weighted"] += open_weighted
    rows = [_month_row(month, months[month]) for month in sorted(months)]
    total: dict[str, Any] = defaultdict(lambda: ZERO)
    for values in months.values():
        for key, value in values.items():
            total[key] += value
    totals = _month_row(None, total) if rows else None
    columns = report_columns(
        "month project_count forecast_amount weighted_amount calibrated_weighted_amount "
        "commit_amount target_amount won_amount attainment remaining_target pipeline_coverage",
        lang,
    )
    return Table(
        "by_month",
        text("dash.report.sheet.by_month", lang),
        columns,
        rows,
        totals,
        notes=[text("dash.report.note.months", lang), text("dash.report.note.targets", lang)],
    )


def _month_row(month: dt.date | None, m: dict[str, Any]) -> tuple[Any, ...]:
    return (
        month,
        int(m["count"]),
        m["amount"],
        m["weighted"],
        m["calibrated"],
        m["commit"],
        m["target"],
        m["won"],
        ratio(m["won"], m["target"]),
        m["remaining"],
        ratio(m["open_weighted"], m["remaining"]),
    )


def _by_category(forecast: list[tuple[Any, ...]], lang: str) -> Table:
    cells: dict[tuple[dt.date, str], list[Any]] = {}
    for month, category, _owner, count, amount, weighted, calibrated in forecast:
        cell = cells.setdefault((month, category), [0, ZERO, ZERO, ZERO])
        cell[0] += count
        cell[1] += amount
        cell[2] += weighted
        cell[3] += calibrated
    order = {category: rank for rank, category in enumerate(FORECAST_CATEGORIES)}
    keys = sorted(cells, key=lambda k: (k[0], order.get(k[1], 9), k[1]))
    rows = [(m, forecast_category_name(c, lang), *cells[(m, c)]) for m, c in keys]
    totals = (
        (None, None, sum(r[2] for r in rows), *(_sum(rows, i) for i in (3, 4, 5))) if rows else None
    )
    columns = report_columns(
        "month forecast_category project_count forecast_amount weighted_amount "
        "calibrated_weighted_amount",
        lang,
    )
    return Table("by_category", text("dash.report.sheet.by_category", lang), columns, rows, totals)


def _by_rep(
    forecast: list[tuple[Any, ...]],
    targets: list[tuple[Any, ...]],
    names: dict[Any, str],
    lang: str,
) -> Table:
    reps: dict[int, list[Any]] = defaultdict(lambda: [0, ZERO, ZERO, ZERO, ZERO, ZERO])
    for _month, category, owner, count, amount, weighted, _calibrated in forecast:
        r = reps[owner]
        r[0] += count
        r[1] += amount
        r[2] += weighted
        if category == "commit":
            r[3] += amount
    for _month, employee, target, won, _remaining, _open in targets:
        r = reps[employee]
        r[4] += target
        r[5] += won
    rows = sorted(
        ((names.get(e, str(e)), *v, ratio(v[5], v[4])) for e, v in reps.items()),
        key=lambda row: (-row[2], row[0]),
    )
    totals = None
    if rows:
        target, won = _sum(rows, 5), _sum(rows, 6)
        totals = (
            None,
            sum(r[1] for r in rows),
            _sum(rows, 2),
            _sum(rows, 3),
            _sum(rows, 4),
            target,
            won,
            ratio(won, target),
        )
    columns = report_columns(
        "rep project_count forecast_amount weighted_amount commit_amount target_amount won_amount "
        "attainment",
        lang,
    )
    return Table("by_rep", text("dash.report.sheet.by_rep", lang), columns, rows, totals)


def _projects(source: Source, fc: Where) -> Table:
    lang = source.lang
    stage = "stage_name_en" if lang == "en" else "stage_name_zh"
    found = source.rows(
        f"""
        select
            p.project_name, c.customer_name, e.employee_name, fc.region_code,
            fc.industry_code, fc.forecast_month, fc.forecast_category, s.{stage},
            fc.amount, fc.probability, fc.weighted_amount, fc.calibrated_weighted_amount,
            fc.expected_close_date
        from fct_forecast as fc
        inner join fct_opportunities as p on p.project_id = fc.project_id
        left join dim_customers as c on c.customer_id = p.customer_id and c.is_current
        left join dim_employees as e on e.employee_id = fc.owner_id
        left join dim_stages as s
            on s.sales_mode_code = fc.sales_mode_code and s.stage_code = fc.stage_code
        where {fc.sql()}
        order by fc.forecast_month, fc.amount desc, fc.project_id
        """,
        fc.params,
    )
    rows = [
        (
            name,
            customer,
            owner,
            code_name("region", region, lang),
            code_name("industry", industry, lang),
            month,
            forecast_category_name(category, lang),
            *rest,  # stage, amount, probability, weighted, calibrated, close: as read
        )
        for name, customer, owner, region, industry, month, category, *rest in found
    ]
    totals = (
        (None, *(None,) * 7, _sum(rows, 8), None, _sum(rows, 10), _sum(rows, 11), None)
        if rows
        else None
    )
    columns = report_columns(
        "project customer owner region industry month forecast_category stage forecast_amount "
        "probability weighted_amount calibrated_weighted_amount expected_close_date",
        lang,
    )
    return Table(
        "forecast_projects",
        text("dash.report.sheet.forecast_projects", lang),
        columns,
        rows,
        totals,
    )
