"""`crm bench dashboards`: how fast the dashboards answer, against asking the store.

On a seeded store (large by default, in its own data directory under bench/, seeded and
refreshed once and reused while profile, seed and as-of date match):
- every query of every page, uncached, for an executive (unfiltered and filtered), a
  manager and a rep: p50/p95 per query and per page (all of a page's queries);
- the same business question of each page asked of the operational store directly
  (SQL on SQLite/PostgreSQL), against the dashboards' answer: the speed-up;
- optionally the time to first chart in a real browser (Playwright, Debian Chromium).
Targets: page query p95 ≤ 150 ms, ≥ 20× faster than the store.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text

from crm.bench.common import AS_OF, percentile, seeded_store, write_figures
from ingest.commands.base import Actor
from warehouse import reader
from warehouse.queries import (
    costs,
    forecast,
    health,
    leads,
    pipeline,
    scorecard,
    velocity,
    win_loss,
)
from warehouse.scope import Filters

AS_OF_DAY = dt.date.fromisoformat(AS_OF)

ROUNDS = 3
STORE_ROUNDS = 5

Page = Callable[[Filters, Actor], None]


def _raw(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The query without its result cache: each call really asks DuckDB."""
    inner = fn.__wrapped__  # type: ignore[attr-defined]
    return lambda *args: inner(reader.current(), *args)


# Every query a page runs when it loads (dashboards/views/*.py), uncached.
PAGE_QUERIES: dict[str, list[tuple[str, Callable[[Filters, Actor], Any]]]] = {
    "pipeline": [
        ("pipeline_kpis", lambda f, a: _raw(pipeline.pipeline_kpis)(f, a, 60)),
        ("pipeline_funnel", lambda f, a: _raw(pipeline.pipeline_funnel)(f, a, "zh_CN")),
        ("pipeline_trend", lambda f, a: _raw(pipeline.pipeline_trend)(f, a)),
        ("pipeline_change_summary", lambda f, a: _raw(pipeline.pipeline_change_summary)(f, a)),
        ("pipeline_records", lambda f, a: _raw(pipeline.pipeline_records)(f, a, "zh_CN", 60)),
        ("pipeline_changes", lambda f, a: _raw(pipeline.pipeline_changes)(f, a, "zh_CN")),
        (
            "pipeline_records_stuck",
            lambda f, a: _raw(pipeline.pipeline_records)(
                f, a, "zh_CN", 60, (("is_stuck", ("true",)),)
            ),
        ),
        (
            "pipeline_records_overdue",
            lambda f, a: _raw(pipeline.pipeline_records)(
                f, a, "zh_CN", 60, (("is_overdue", ("true",)),)
            ),
        ),
    ],
    "velocity": [
        ("velocity_kpis", lambda f, a: _raw(velocity.velocity_kpis)(f, a)),
        ("velocity_by_stage", lambda f, a: _raw(velocity.velocity_by_stage)(f, a, "zh_CN")),
        ("velocity_records", lambda f, a: _raw(velocity.velocity_records)(f, a, "zh_CN")),
    ],
    "win_loss": [
        ("winloss_kpis", lambda f, a: _raw(win_loss.winloss_kpis)(f, a)),
        ("win_rate_trend", lambda f, a: _raw(win_loss.win_rate_trend)(f, a)),
        ("loss_reasons", lambda f, a: _raw(win_loss.loss_reasons)(f, a, "zh_CN")),
        ("win_rate_by", lambda f, a: _raw(win_loss.win_rate_by)(f, a, "rep")),
        ("sales_cycle_by_outcome", lambda f, a: _raw(win_loss.sales_cycle_by_outcome)(f, a)),
        ("winloss_records", lambda f, a: _raw(win_loss.winloss_records)(f, a, "zh_CN")),
    ],
    "forecast": [
        ("forecast_kpis", lambda f, a: _raw(forecast.forecast_kpis)(f, a)),
        ("forecast_by_month", lambda f, a: _raw(forecast.forecast_by_month)(f, a)),
        ("targets_by_month", lambda f, a: _raw(forecast.targets_by_month)(f, a)),
        (
            "forecast_probabilities",
            lambda f, a: _raw(forecast.forecast_probabilities)(f, a, "zh_CN"),
        ),
        ("forecast_accuracy", lambda f, a: _raw(forecast.forecast_accuracy)(f, a)),
        ("forecast_records", lambda f, a: _raw(forecast.forecast_records)(f, a, "zh_CN")),
    ],
    "costs": [
        ("cost_kpis", lambda f, a: _raw(costs.cost_kpis)(f, a)),
        ("expense_categories", lambda f, a: _raw(costs.expense_categories)(f, a)),
        ("lost_deal_costs", lambda f, a: _raw(costs.lost_deal_costs)(f, a, "zh_CN")),
        ("project_costs", lambda f, a: _raw(costs.project_costs)(f, a)),
        ("customer_costs", lambda f, a: _raw(costs.customer_costs)(f, a)),
        ("expense_records", lambda f, a: _raw(costs.expense_records)(f, a)),
    ],
    "leads": [
        ("lead_kpis", lambda f, a: _raw(leads.lead_kpis)(f, a)),
        ("leads_by_source", lambda f, a: _raw(leads.leads_by_source)(f, a)),
        ("lead_trend", lambda f, a: _raw(leads.lead_trend)(f, a)),
        ("lead_records", lambda f, a: _raw(leads.lead_records)(f, a)),
    ],
    "scorecard": [("rep_scorecard", lambda f, a: _raw(scorecard.rep_scorecard)(f, a))],
    "health": [
        ("health_kpis", lambda f, a: _raw(health.health_kpis)(f, a, 30)),
        ("deal_health", lambda f, a: _raw(health.deal_health)(f, a, "zh_CN", 30)),
    ],
}

# The question each page answers first, asked of the operational store in plain SQL, and
# the dashboards' query that answers it (same filters: an executive, the last 12 months).
STORE_QUESTIONS: dict[str, tuple[str, str]] = {
    "pipeline": (
        "pipeline_funnel",
        """select s.code, count(*), sum(p.expected_amount),
               sum(p.expected_amount * s.default_probability)
           from projects p join stages s on s.id = p.stage_id
           where p.status = 'open' group by s.code""",
    ),
    "velocity": (
        "velocity_by_stage",
        """select to_stage_id, count(*), avg(julianday(next_at) - julianday(changed_at))
           from (select to_stage_id, changed_at, lead(changed_at) over (
                     partition by project_id order by changed_at, id) as next_at
                 from project_stage_history where change_type in ('created', 'stage', 'won'))
           where next_at is not null and changed_at >= :start group by to_stage_id""",
    ),
    "win_loss": (
        "win_rate_trend",
        """select strftime('%Y-%m', p.closed_date) as month,
               sum(p.status = 'won'), sum(p.status = 'lost'),
               sum(case when p.status = 'won' then c.amount else 0 end),
               sum(case when p.status = 'lost' then p.expected_amount else 0 end)
           from projects p left join contracts c on c.project_id = p.id
           where p.status in ('won', 'lost') and p.closed_date between :start and :end
           group by month""",
    ),
    "forecast": (
        "forecast_by_month",
        """select strftime('%Y-%m', max(p.expected_close_date, :end)) as month,
               s.forecast_category, count(*), sum(p.expected_amount),
               sum(p.expected_amount * s.default_probability)
           from projects p join stages s on s.id = p.stage_id
           where p.status = 'open' group by month, s.forecast_category""",
    ),
    "costs": (
        "customer_costs",
        """with spent as (
               select coalesce(e.customer_id, p.customer_id) as customer, sum(e.amount) as amount,
                   sum(case when p.status = 'lost' then e.amount else 0 end) as lost_amount
               from expenses e left join projects p on p.id = e.project_id
               where e.incurred_date between :start and :end group by customer),
           signed as (
               select customer_id as customer, sum(amount) as amount from contracts
               where signed_date between :start and :end group by customer_id),
           closed as (
               select customer_id as customer, sum(status = 'won') as won,
                   sum(status = 'lost') as lost
               from projects where status in ('won', 'lost')
                   and closed_date between :start and :end group by customer_id),
           customers as (
               select customer from spent union select customer from signed
               union select customer from closed)
           select c.customer, s.amount, g.amount, s.amount / g.amount, d.won, d.lost,
               s.lost_amount
           from customers c left join spent s on s.customer = c.customer
           left join signed g on g.customer = c.customer
           left join closed d on d.customer = c.customer
           order by s.amount desc limit 1000""",
    ),
    "leads": (
        "leads_by_source",
        """select source_id, count(*), sum(status = 'qualified'), sum(status = 'rejected')
           from leads where created_at >= :start and created_at < :end_next
           group by source_id""",
    ),
    "scorecard": (
        "rep_scorecard",
        """select u.id,
               (select count(*) from activities a where a.owner_id = u.id
                  and a.status = 'done' and a.done_at >= :start and a.done_at < :end_next),
               (select sum(c.amount) from contracts c join projects p on p.id = c.project_id
                  where p.owner_id = u.id and p.status = 'won'
                  and p.closed_date between :start and :end)
           from users u where u.role in ('rep', 'manager')""",
    ),
    "health": (
        "deal_health",
        """select p.id, max(a.done_at)
           from projects p left join activities a
             on a.project_id = p.id and a.status = 'done'
           where p.status = 'open' group by p.id""",
    ),
}


@contextmanager
def reading(folder: Path) -> Iterator[Engine]:
    """This process reading the folder's published snapshot (and its store, returned) as
    the dashboards would; the data directory it read before is set back after."""
    before = os.environ.get("CRM_DATA_DIR")
    os.environ["CRM_DATA_DIR"] = str(folder)
    reader.clear()
    engine = create_engine(f"sqlite:///{folder / 'crm.db'}")
    try:
        yield engine
    finally:
        engine.dispose()
        reader.clear()
        if before is None:
            os.environ.pop("CRM_DATA_DIR", None)
        else:
            os.environ["CRM_DATA_DIR"] = before


def prepare(profile: str, seed: int) -> Path:
    """A seeded, refreshed data directory for the profile (reused when it matches)."""
    return seeded_store(f"dashboards-{profile}", profile, seed, refreshed=True)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def scenarios(engine: Engine) -> list[tuple[str, Filters, Actor]]:
    """Who asks: an executive without and with filters, a manager, a rep."""
    with engine.connect() as conn:
        executive = conn.execute(text("select id from users where role = 'executive'")).scalar()
        manager = conn.execute(
            text(
                "select manager_id from users where role = 'rep' and manager_id is not null "
                "group by manager_id order by count(*) desc limit 1"
            )
        ).scalar()
        rep = conn.execute(
            text("select owner_id from projects group by owner_id order by count(*) desc limit 1")
        ).scalar()
        region = conn.execute(text("select code from regions order by id limit 1")).scalar()
    year = Filters(start=AS_OF_DAY - dt.timedelta(days=365), end=AS_OF_DAY)
    return [
        ("executive", Filters(), Actor(id=executive, role="executive")),
        (
            "executive_filtered",
            Filters(start=year.start, end=AS_OF_DAY, region=region),
            Actor(id=executive, role="executive"),
        ),
        ("manager", year, Actor(id=manager, role="manager")),
        ("rep", year, Actor(id=rep, role="rep")),
    ]


def time_pages(cases: list[tuple[str, Filters, Actor]]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for page, steps in PAGE_QUERIES.items():
        per_query: dict[str, list[float]] = {name: [] for name, _ in steps}
        per_page: list[float] = []
        for _, f, actor in cases:
            for fn in (fn for _, fn in steps):
                fn(f, actor)  # warm the connection and DuckDB's caches once
            for _ in range(ROUNDS):
                page_began = time.perf_counter()
                for name, fn in steps:
                    began = time.perf_counter()
                    fn(f, actor)
                    per_query[name].append(time.perf_counter() - began)
                per_page.append(time.perf_counter() - page_began)
        results[page] = page_figures(per_page, per_query)
    return results


def page_figures(per_page: list[float], per_query: dict[str, list[float]]) -> dict[str, Any]:
    """A page's figures from its timings in seconds: all its queries together (p50, p95)
    and each query alone, in milliseconds."""
    return {
        "page_p50_ms": _ms(statistics.median(per_page)),
        "page_p95_ms": _ms(percentile(per_page, 0.95)),
        "queries": {
            name: {"p50_ms": _ms(statistics.median(times)), "p95_ms": _ms(percentile(times, 0.95))}
            for name, times in per_query.items()
        },
    }


def time_store(engine: Engine, cases: list[tuple[str, Filters, Actor]]) -> dict[str, Any]:
    """Each page's first question on the store against the same question on the snapshot:
    an executive's, over the last 12 months (no other filter: the store SQL has none)."""
    _, _, actor = cases[0]
    f = Filters(start=AS_OF_DAY - dt.timedelta(days=365), end=AS_OF_DAY)
    params = {
        "start": str(f.start),
        "end": str(f.end),
        "end_next": str(AS_OF_DAY + dt.timedelta(days=1)),
    }
    out: dict[str, Any] = {}
    for page, (query_name, sql) in STORE_QUESTIONS.items():
        store_times = []
        for _ in range(STORE_ROUNDS):
            with engine.connect() as conn:
                began = time.perf_counter()
                conn.execute(text(sql), params).fetchall()
                store_times.append(time.perf_counter() - began)
        fn = dict(PAGE_QUERIES[page])[query_name]
        fn(f, actor)
        dash_times = []
        for _ in range(STORE_ROUNDS):
            began = time.perf_counter()
            fn(f, actor)
            dash_times.append(time.perf_counter() - began)
        store_s, dash_s = statistics.median(store_times), statistics.median(dash_times)
        out[page] = {
            "question": query_name,
            "store_ms": _ms(store_s),
            "dashboards_ms": _ms(dash_s),
            "speedup": round(store_s / dash_s, 1) if dash_s else None,
        }
    return out


def run_dashboards_bench(
    profile: str, seed: int, out: str | None, *, browser: bool
) -> tuple[dict[str, Any], list[str]]:
    folder = prepare(profile, seed)
    with reading(folder) as engine:
        cases = scenarios(engine)
        figures: dict[str, Any] = {
            "measured_at": dt.datetime.now(dt.UTC).isoformat(),
            "profile": profile,
            "seed": seed,
            "rounds_per_scenario": ROUNDS,
            "scenarios": [name for name, _, _ in cases],
            "pages": time_pages(cases),
            "store_comparison": time_store(engine, cases),
        }
        if browser:
            from crm.bench.browser import time_to_first_chart

            figures["browser_first_chart_ms"] = time_to_first_chart(folder, engine)
    path = write_figures(out, "dashboards", figures, indent=1)
    lines = [
        f"{page:<10} page p50 {r['page_p50_ms']:>7.1f} ms  p95 {r['page_p95_ms']:>7.1f} ms  "
        f"slowest query p95 {max(v['p95_ms'] for v in r['queries'].values()):>7.1f} ms"
        for page, r in figures["pages"].items()
    ]
    lines += [
        f"{page:<10} store {r['store_ms']:>8.1f} ms vs dashboards {r['dashboards_ms']:>6.1f} ms"
        f"  ({r['speedup']}×)"
        for page, r in figures["store_comparison"].items()
    ]
    for page, ms in figures.get("browser_first_chart_ms", {}).items():
        lines.append(f"{page:<10} first chart in the browser {ms:,.0f} ms")
    lines.append(f"figures written to {path}")
    return figures, lines
