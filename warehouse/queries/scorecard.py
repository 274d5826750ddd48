"""The rep scorecard page (dashboards/views/scorecard.py): one row per visible rep."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ingest.commands.base import Actor
from orchestration.snapshots import Snapshot
from warehouse import reader
from warehouse.queries.common import (
    DAYS,
    RATE_COLUMNS,
    closed_where,
    money,
    page_scope,
    ratio,
    targets_where,
    with_rates,
)
from warehouse.scope import Filters, Where

# The figures each rep's row takes from the CTEs (in column order): 0 for a rep who has
# none in the period (no target, nothing closed, no activity, no open project).
_ZERO_WHEN_NONE = ",\n            ".join(
    f"coalesce({cte}.{column}, 0) as {column}"
    for cte, columns in (
        ("targets", ("target_amount", "target_won_amount")),
        (
            "closed",
            ("won_count", "lost_count", "won_amount", "lost_amount", "sales_cycle_days_total"),
        ),
        ("activities", ("activity_count",)),
        ("open", ("open_count", "open_amount", "weighted_amount")),
    )
    for column in columns
)


@reader.cached
def rep_scorecard(snapshot: Snapshot, f: Filters, actor: Actor) -> pd.DataFrame:
    """One row per visible rep or manager: target attainment, closed projects, win rate,
    sales cycle, activities done and open pipeline, each under the page's filters."""
    scope = page_scope(actor, "scorecard")
    people = Where().owners("e.employee_id", scope).add("e.role in ('rep', 'manager')")
    if f.rep is not None:
        people.add("e.employee_id = $rep", rep=f.rep)
    if f.department is not None:
        people.add("e.department_code = $department", department=f.department)
    tw = targets_where(f, scope)
    ww = closed_where(f, scope)
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
            select w.owner_id as employee_id, {RATE_COLUMNS},
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
            {_ZERO_WHEN_NONE}
        from people
        left join targets on targets.employee_id = people.employee_id
        left join closed on closed.employee_id = people.employee_id
        left join open on open.employee_id = people.employee_id
        left join activities on activities.employee_id = people.employee_id
        order by people.employee_name, people.employee_id
    """
    params = {**people.params, **tw.params, **ww.params, **ow.params, **aw.params}
    frame = with_rates(reader.frame(snapshot, sql, params))
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
        "won_amount": money(card.won_amount.sum() / len(card)),
    }
