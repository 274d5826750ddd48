"""What every page's queries share: freshness, ratios and money, the actor's scope, the
visible projects, closed projects, forecast and target months, and the record tables'
builder (`Records`: a page's record query says only its SQL, order, drills and names)."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import wraps
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


def money(value: Any) -> Decimal:
    return ZERO if value is None else Decimal(str(value)).quantize(ZERO)


def lang_suffix(lang: str) -> str:
    return "en" if lang == "en" else "zh"


def as_of(snapshot: Snapshot) -> dt.date:
    return dt.date.fromisoformat(snapshot.as_of_date)


@reader.cached
def managers(snapshot: Snapshot) -> Mapping[int, int | None]:
    """Read-only, so the cache hands it out as it is (a copy per query cost a millisecond)."""
    found = reader.rows(snapshot, "select employee_id, manager_id from dim_employees")
    return MappingProxyType({int(e): (None if m is None else int(m)) for e, m in found})


def page_scope(actor: Actor, page: str) -> Scope:
    check_page(actor, page)
    return scope_for(actor, managers())


def visible_projects(f: Filters, scope: Scope, *, status: str | None = None) -> tuple[str, Where]:
    """A CTE `p` of the visible, filtered projects (fct_opportunities)."""
    where = Where().projects("p", f, scope)
    if status is not None:
        where.add("p.status = $status", status=status)
    return f"p as (select * from fct_opportunities as p where {where.sql()})", where


def one(snapshot: Snapshot, sql: str, params: dict[str, Any]) -> dict[str, Any]:
    return reader.record(snapshot, sql, params)


# Joins the record tables' display names are read through, by name: `{owner}` in a
# `Records.named` query is the owner's name join, and so on.
JOINS = {
    "project": "inner join fct_opportunities as p on p.project_id = r.project_id",
    "customer": "left join dim_customers as c on c.customer_id = r.customer_id and c.is_current",
    "owner": "left join dim_employees as e on e.employee_id = r.owner_id",
    "stage": "left join dim_stages as s\n"
    "            on s.sales_mode_code = r.sales_mode_code and s.stage_code = r.stage_code",
}


@dataclass(frozen=True)
class Rows:
    """The rows a page's record query asks for (`Records.query`): their SQL and parameters,
    the language of the display names and any further `{keys}` of `Records.named`."""

    sql: str
    params: dict[str, Any]
    lang: str = "en"
    names: Mapping[str, str] = field(default_factory=dict)


_DRILL_AND_LIMIT = (
    inspect.Parameter("drill", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=()),
    inspect.Parameter("limit", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=RECORDS_LIMIT),
)


@dataclass(frozen=True)
class Records:
    """A page's record table: the rows of a page's query narrowed to the drill-down keys,
    sorted, first `limit` only. Each page says only what differs: the order, the columns
    it may be drilled on, the display names and the computed columns.

    Drill columns come from the pages' fixed lists and are checked against `allowed`;
    the keys themselves are parameters. `named`, a query over `{rows}` (aliased `r`),
    adds display names to the chosen rows only: joining names to millions of rows and
    keeping a thousand is what made record tables slow. In it `{lg}` is the language's
    column suffix and `{project}`, `{customer}`, `{owner}`, `{stage}` the JOINS. `computed`
    columns (expressions over `r`) are likewise worked out for the chosen rows only,
    unless drilled on."""

    order_by: str
    named: str | None = None
    allowed: frozenset[str] = frozenset()
    computed: Mapping[str, str] = field(default_factory=dict)

    def read(
        self,
        snapshot: Snapshot,
        sql: str,
        params: dict[str, Any],
        drill: Drill = (),
        limit: int | None = RECORDS_LIMIT,
        *,
        lang: str = "en",
        **names: str,
    ) -> pd.DataFrame:
        """The table for one question; `names` fill further `{keys}` of `named`."""
        where = Where()
        for number, (column, keys) in enumerate(drill):
            if column not in self.allowed:
                raise ValueError(f"cannot drill on {column!r}")
            where.add(
                f"cast(r.{column} as varchar) in (select unnest($drill{number}))",
                **{f"drill{number}": [str(k) for k in keys]},
            )
        drilled = {column for column, _ in drill}
        early = {n: e for n, e in self.computed.items() if n in drilled}
        late = {n: e for n, e in self.computed.items() if n not in drilled}
        order_by = self.order_by
        tail = "" if limit is None else "limit $limit"
        query = (
            f"select * from ({_adding(sql, early)}) as r where {where.sql()} "
            f"order by {order_by} {tail}"
        )
        if late or self.named is not None:
            rows = f"({_adding(query, late)})"
            named = self.named or "select * from {rows} as r"
            query = named.format(rows=rows, lg=lang_suffix(lang), **JOINS, **names)
            query += f" order by {order_by}"
        extra = {} if limit is None else {"limit": limit}
        return reader.frame(snapshot, query, {**params, **where.params, **extra})

    def query(self, rows: Callable[..., Rows]) -> Callable[..., pd.DataFrame]:
        """A page's cached record query from `rows(snapshot, f, actor, ...)`, which says
        only which rows: the query takes the same arguments (less the snapshot, as every
        `reader.cached` query), then `drill` and `limit`, by position or name."""
        own = inspect.signature(rows)
        signature = own.replace(parameters=[*own.parameters.values(), *_DRILL_AND_LIMIT])

        @wraps(rows)
        def records(snapshot: Snapshot, *args: Any, **kwargs: Any) -> pd.DataFrame:
            asked = signature.bind(snapshot, *args, **kwargs)
            asked.apply_defaults()
            drill, limit = asked.arguments.pop("drill"), asked.arguments.pop("limit")
            found = rows(*asked.args, **asked.kwargs)
            return self.read(
                snapshot, found.sql, found.params, drill, limit, lang=found.lang, **found.names
            )

        return reader.cached(records)


def _adding(sql: str, columns: Mapping[str, str]) -> str:
    """`sql` with computed columns (expressions over its rows, aliased `r`) added."""
    if not columns:
        return sql
    added = ", ".join(f"{expression} as {name}" for name, expression in columns.items())
    return f"select r.*, {added} from ({sql}) as r"


def period_or_trailing(f: Filters, as_of: dt.date) -> tuple[dt.date, dt.date]:
    end = min(f.end or as_of, as_of)
    start = f.start or end - dt.timedelta(days=TREND_DAYS)
    return start, end


def whole_history(f: Filters, scope: Scope) -> bool:
    """No period, no filter, visible to everyone (every page's first view for executives):
    a question about the whole history, which some marts have already answered."""
    return scope.people is None and f == Filters()


def closed_where(f: Filters, scope: Scope) -> Where:
    return Where().projects("w", f, scope).period("w.closed_date", f)


def closed_totals(snapshot: Snapshot, f: Filters, scope: Scope) -> dict[str, Any]:
    where = closed_where(f, scope)
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
    totals = one(snapshot, sql, where.params)
    for key in ("won_amount", "lost_amount", "closed_amount"):
        totals[key] = money(totals[key])
    return totals


RATE_COLUMNS = """
    count(*) filter (where w.outcome = 'won') as won_count,
    count(*) filter (where w.outcome = 'lost') as lost_count,
    coalesce(sum(w.amount) filter (where w.outcome = 'won'), 0) as won_amount,
    coalesce(sum(w.amount) filter (where w.outcome = 'lost'), 0) as lost_amount
"""


def with_rates(frame: pd.DataFrame) -> pd.DataFrame:
    closed = frame.won_count + frame.lost_count
    frame["win_rate_by_count"] = (frame.won_count / closed.where(closed > 0)).round(4)
    amount = frame.won_amount + frame.lost_amount
    frame["win_rate_by_amount"] = (frame.won_amount / amount.where(amount > 0)).round(4)
    return frame


# The same counts from mart_win_rates (per closing month, owner and dimension): without a


def forecast_where(f: Filters, scope: Scope) -> Where:
    return Where().projects("fc", f, scope).period("fc.forecast_month", month_period(f))


def month_period(f: Filters) -> Filters:
    """Months overlapping the period: a month counts when any of its days is in it."""
    start = f.start.replace(day=1) if f.start else None
    return f.with_period(start, f.end)


def targets_where(f: Filters, scope: Scope) -> Where:
    """Rep targets only: department targets restate their reps' and would count twice.
    Targets are per person and month, so region, industry, customer type and sales mode
    do not apply to them."""
    where = Where().add("t.target_level = 'employee'").owners("t.employee_id", scope)
    if f.rep is not None:
        where.add("t.employee_id = $rep", rep=f.rep)
    if f.department is not None:
        where.add("t.department_code = $department", department=f.department)
    return where.period("t.period_month", month_period(f))
