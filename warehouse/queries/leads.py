"""The leads page (dashboards/views/leads.py): leads captured, by source and month, and
the leads behind them."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ingest.commands.base import Actor
from orchestration.snapshots import Snapshot
from warehouse import reader
from warehouse.queries.common import (
    DAYS,
    Records,
    Rows,
    one,
    page_scope,
    ratio,
)
from warehouse.scope import Filters, Scope, Where


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
    where = _lead_where(f, page_scope(actor, "leads"))
    kpis = one(
        snapshot, f"select {_LEAD_COLUMNS} from fct_leads as l where {where.sql()}", where.params
    )
    kpis["conversion_rate"] = ratio(kpis["qualified_count"], kpis["lead_count"])
    kpis["avg_days_to_qualify"] = ratio(kpis["qualify_days_total"], kpis["qualified_count"], DAYS)
    return kpis


@reader.cached
def leads_by_source(snapshot: Snapshot, f: Filters, actor: Actor) -> pd.DataFrame:
    where = _lead_where(f, page_scope(actor, "leads"))
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
    where = _lead_where(f, page_scope(actor, "leads"))
    sql = f"""
        select cast(date_trunc('month', l.created_date) as date) as month, l.source_code,
            {_LEAD_COLUMNS}
        from fct_leads as l where {where.sql()}
        group by all order by 1, 2
    """
    return reader.frame(snapshot, sql, where.params)


_LEAD_RECORDS = Records(
    order_by="r.created_date desc, r.lead_id desc",
    allowed=frozenset({"source_code", "month", "status"}),
    named="""
        select
            r.lead_id, r.created_date, r.month, r.source_code, r.status,
            e.employee_name as owner_name, r.qualified_date, r.rejected_date,
            r.days_to_decision, r.converted_project_id
        from {rows} as r
        {owner}
    """,
    computed={"month": "strftime(r.created_date, '%Y-%m-01')"},
)


@_LEAD_RECORDS.query
def lead_records(snapshot: Snapshot, f: Filters, actor: Actor) -> Rows:
    where = _lead_where(f, page_scope(actor, "leads"))
    sql = f"""
        select
            l.lead_id, l.created_date, l.source_code, l.status, l.owner_id,
            l.qualified_date, l.rejected_date, l.days_to_decision, l.converted_project_id
        from fct_leads as l
        where {where.sql()}
    """
    return Rows(sql, where.params)
