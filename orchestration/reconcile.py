"""The marts against the operational store, recomputed independently, number by number.

Every key number of the published snapshot is recomputed with pandas from the store's own
tables (never from dbt models): counts per status, won amount per month/rep/region/industry,
win rate, sales cycle, days per stage, state intervals and daily pipeline snapshots,
conversion, expenses per customer and project, target attainment, decision roles and win
rates by whether a decision maker is mapped. `reconcile` returns what
differs (nothing when the marts agree exactly); the reconciliation tests and `crm bench
load` call it after a refresh. It reads whole tables: minutes on the large profile.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from orchestration.snapshots import open_read_only


def reconcile(engine: Engine, snapshot: Path, as_of: dt.date) -> list[str]:
    """What differs between the snapshot file and the store described as of `as_of`: one
    line per check that failed, naming a few of the differing keys. Empty: all agree."""
    store = read_store(engine)
    problems: list[str] = []
    with open_read_only(snapshot) as con:

        def mart(sql: str) -> list[tuple]:
            return con.execute(sql).fetchall()

        def check(name: str, actual: object, expected: object) -> None:
            if actual != expected:
                problems.append(f"{name}: {_difference(actual, expected)}")

        _compare(store, mart, as_of, check)
    return problems


def _difference(actual: object, expected: object) -> str:
    if isinstance(actual, dict) and isinstance(expected, dict):
        keys = sorted(
            (k for k in actual.keys() | expected.keys() if actual.get(k) != expected.get(k)),
            key=str,
        )
        shown = ", ".join(f"{k}: {actual.get(k)!r} ≠ {expected.get(k)!r}" for k in keys[:3])
        return f"{len(keys)} keys differ (marts ≠ store), e.g. {shown}"
    text = f"marts {actual!r} ≠ store {expected!r}"
    return text if len(text) < 300 else text[:300] + "…"


# --- the store, read with pandas ---------------------------------------------------------


def table(engine: Engine, name: str) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql_table(name, conn)


def money(value: object) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def ratio(numerator: object, denominator: object) -> Decimal:
    """Ratios are stored as decimal(…, 4), rounded half up."""
    value = Decimal(str(numerator)) / Decimal(str(denominator))
    return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def money_map(series: pd.Series) -> dict:
    return {key: money(value) for key, value in series.items() if money(value) != 0}


@dataclass
class Store:
    projects: pd.DataFrame
    history: pd.DataFrame
    contracts: pd.DataFrame
    customers: pd.DataFrame
    expenses: pd.DataFrame
    targets: pd.DataFrame
    users: pd.DataFrame
    departments: pd.DataFrame
    stages: pd.DataFrame
    regions: pd.DataFrame
    industries: pd.DataFrame
    activities: pd.DataFrame
    project_contacts: pd.DataFrame


def read_store(engine: Engine) -> Store:
    return Store(
        **{
            name: table(engine, source)
            for name, source in {
                "projects": "projects",
                "history": "project_stage_history",
                "contracts": "contracts",
                "customers": "customers",
                "expenses": "expenses",
                "targets": "targets",
                "users": "users",
                "departments": "departments",
                "stages": "stages",
                "regions": "regions",
                "industries": "industries",
                "activities": "activities",
                "project_contacts": "project_contacts",
            }.items()
        }
    )


def created_dates(store: Store) -> pd.Series:
    """A project's life starts at its first history row."""
    first = store.history.groupby("project_id")["changed_at"].min()
    return pd.to_datetime(first).dt.date


def won_contracts(store: Store) -> pd.DataFrame:
    won = store.projects[store.projects.status == "won"][
        ["id", "owner_id", "customer_id", "industry_id", "department_id"]
    ]
    frame = store.contracts.merge(won, left_on="project_id", right_on="id", suffixes=("", "_p"))
    frame = frame.merge(
        store.customers[["id", "region_id"]],
        left_on="customer_id",
        right_on="id",
        suffixes=("", "_c"),
    )
    frame["region_code"] = frame.region_id.map(store.regions.set_index("id").code)
    frame["industry_code"] = frame.industry_id.map(store.industries.set_index("id").code)
    frame["month"] = pd.to_datetime(frame.signed_date).dt.to_period("M").dt.to_timestamp().dt.date
    frame["owner_id"] = frame["owner_id_p"]
    return frame


def stage_visits(store: Store, as_of: dt.date) -> dict[tuple[int, int], tuple[str, int]]:
    """Visits recomputed row by row: (project, visit number) → (stage code, days)."""
    code = dict(zip(store.stages.id, store.stages.code, strict=True))
    won_stage = dict(zip(store.stages.id, store.stages.is_won_stage.astype(bool), strict=True))
    visits: dict[tuple[int, int], tuple[str, int]] = {}
    history = store.history.sort_values(["project_id", "changed_at", "id"])
    # plain lists, not a DataFrame per project: the walk is per row either way
    rows = zip(
        history.project_id.tolist(),
        pd.to_datetime(history.changed_at).dt.date.tolist(),
        history.change_type.tolist(),
        history.to_stage_id.tolist(),
        strict=True,
    )
    for project_id, project_rows in itertools.groupby(rows, key=operator.itemgetter(0)):
        stays: list[list] = []  # [stage_id, entered, exited]
        previous_stage = previous_type = None
        for _, at, change_type, to_stage_id in project_rows:
            if change_type == "lost":
                if stays and stays[-1][2] is None:
                    stays[-1][2] = at
            elif previous_stage is None or to_stage_id != previous_stage or previous_type == "lost":
                if stays and stays[-1][2] is None:
                    stays[-1][2] = at
                stays.append([to_stage_id, at, at if won_stage[to_stage_id] else None])
            previous_stage, previous_type = to_stage_id, change_type
        for number, (stage_id, entered, exited) in enumerate(stays, start=1):
            visits[(project_id, number)] = (code[stage_id], ((exited or as_of) - entered).days)
    return visits


def department_tree(store: Store) -> dict[int, set[int]]:
    parent = store.departments.set_index("id").parent_id
    below: dict[int, set[int]] = {d: {d} for d in parent.index}
    for department in parent.index:
        up = parent[department]
        while pd.notna(up):
            below[int(up)].add(department)
            up = parent[int(up)]
    return below


# --- the marts ----------------------------------------------------------------------------


def _compare(
    store: Store,
    mart: Callable[[str], list[tuple]],
    as_of: dt.date,
    check: Callable[[str, object, object], None],
) -> None:
    projects = store.projects.set_index("id")

    # counts per status
    check(
        "projects per status",
        dict(mart("select status, count(*) from fct_opportunities group by 1")),
        projects.status.value_counts().to_dict(),
    )

    # won amount per month, rep, region and industry
    won = won_contracts(store)
    expected = money_map(
        won.groupby(["month", "owner_id", "region_code", "industry_code"]).amount.sum()
    )
    actual = mart(
        "select date_trunc('month', closed_date)::date, owner_id, region_code, industry_code, "
        "sum(amount) from fct_win_loss where outcome = 'won' group by all",
    )
    check(
        "won amount per month, rep, region, industry",
        {tuple(r[:4]): r[4] for r in actual},
        expected,
    )

    # win rate by count and amount, per closing month
    closed = projects[projects.status.isin(["won", "lost"])].copy()
    closed["month"] = pd.to_datetime(closed.closed_date).dt.to_period("M").dt.to_timestamp().dt.date
    contract_amount = won.set_index("project_id").amount
    closed["amount"] = [
        contract_amount.get(pid) if status == "won" else amount
        for pid, status, amount in zip(
            closed.index, closed.status, closed.expected_amount, strict=True
        )
    ]
    by_month = closed.groupby("month")
    expected_rates = {
        month: (
            ratio(int((g.status == "won").sum()), len(g)),
            money(g[g.status == "won"].amount.map(money).sum()),
            money(g.amount.map(money).sum()),
        )
        for month, g in by_month
    }
    actual_rates = mart(
        "select closed_month, sum(won_count), sum(lost_count), sum(won_amount), "
        "sum(won_amount + lost_amount) from mart_win_rates group by 1",
    )
    check(
        "win rates per month",
        {
            month: (ratio(won_n, won_n + lost_n), won_amount, total)
            for month, won_n, lost_n, won_amount, total in actual_rates
        },
        expected_rates,
    )

    # sales cycle of every closed project
    created = created_dates(store)
    expected_cycles = {
        pid: (closed_date - created[pid]).days
        for pid, closed_date in pd.to_datetime(closed.closed_date).dt.date.items()
    }
    check(
        "sales cycles",
        dict(mart("select project_id, sales_cycle_days from fct_win_loss")),
        expected_cycles,
    )

    # days per stage, visit by visit
    actual_visits = mart(
        "select project_id, visit_number, stage_code, days_in_stage from fct_stage_transitions",
    )
    visits = stage_visits(store, as_of)
    check("stage visits", {(p, n): (s, d) for p, n, s, d in actual_visits}, visits)

    # an open project's days in its current stage: its last visit's
    last_visit: dict[int, int] = {}
    for project, number in visits:
        last_visit[project] = max(last_visit.get(project, 0), number)
    open_ids = projects.index[projects.status == "open"]
    check(
        "days in the current stage",
        dict(mart("select project_id, days_in_stage from fct_opportunities")),
        {p: (visits[(p, last_visit[p])][1] if p in open_ids else None) for p in projects.index},
    )

    # the day of each project's last done activity, up to the as-of date
    done = store.activities[store.activities.status == "done"]
    days = pd.to_datetime(done.done_at.fillna(done.planned_at)).dt.date
    last_done = done.assign(day=days)[days <= as_of].groupby("project_id").day.max()
    check(
        "last activity dates",
        dict(mart("select project_id, last_activity_date from fct_opportunities")),
        {p: last_done.get(p) for p in projects.index},
    )

    # every project's state intervals follow on each other, the last one is its state now
    states = pd.DataFrame(
        mart(
            "select project_id, valid_from_date, valid_to_date, stage_code, status, amount "
            "from fct_project_states order by project_id, valid_from_date",
        ),
        columns=["project_id", "start", "end", "stage", "status", "amount"],
    )
    follows = states.groupby("project_id").start.shift(-1)
    check(
        "one open state interval per project",
        bool((states.end.isna() == follows.isna()).all()),
        True,
    )
    check(
        "state intervals follow on each other",
        bool((states.end[follows.notna()] == follows[follows.notna()]).all()),
        True,
    )
    now = states[states.end.isna()].set_index("project_id")
    code = store.stages.set_index("id").code
    check("projects with a current state", len(now), len(projects))
    check(
        "current stages",
        now.stage.to_dict(),
        projects.stage_id.map(code).reindex(now.index).to_dict(),
    )
    check("current statuses", now.status.to_dict(), projects.status.reindex(now.index).to_dict())
    check(
        "current amounts",
        now.amount.map(money).to_dict(),
        projects.expected_amount.map(money).to_dict(),
    )
    check(
        "first state on the first day",
        states.groupby("project_id").start.min().to_dict(),
        created_dates(store).to_dict(),
    )

    # daily snapshots (a view, read here in the published file): the projects open at the
    # end of a day, each in the state it had then, up to the as-of day
    for day in (as_of - dt.timedelta(days=200), as_of):
        held = states[
            (states.start <= day)
            & (states.end.isna() | (states.end > day))
            & (states.status == "open")
        ]
        check(
            f"pipeline snapshot of {day}",
            sorted(
                mart(
                    "select project_id, stage_code, amount from fct_pipeline_snapshots "
                    f"where snapshot_date = '{day}'",
                )
            ),
            sorted(zip(held.project_id, held.stage, held.amount, strict=True)),
        )
    check(
        "last pipeline snapshot day",
        mart("select max(snapshot_date) from fct_pipeline_snapshots"),
        [(as_of,)],
    )

    # stage-to-stage conversion: projects that reached each stage, and of those the ones
    # that were ever further along
    order = store.stages.set_index("code").stage_order
    furthest: dict[int, int] = {}
    for (project, _), (stage, _) in visits.items():
        furthest[project] = max(furthest.get(project, 0), order[stage])
    reached = {(project, stage) for (project, _), (stage, _) in visits.items()}
    expected_conversion: dict[str, list[int]] = {}
    for project, stage in reached:
        counts = expected_conversion.setdefault(stage, [0, 0])
        counts[0] += 1
        counts[1] += furthest[project] > order[stage]
    actual_conversion = mart(
        "select stage_code, reached_count, converted_count from mart_stage_conversion "
        "where reached_count > 0",
    )
    check("stage conversion", {s: [r, c] for s, r, c in actual_conversion}, expected_conversion)

    # expenses per project and per customer (booked on the customer or on its projects)
    expenses = store.expenses.copy()
    expenses["customer"] = expenses.customer_id.fillna(
        expenses.project_id.map(projects.customer_id)
    )
    check(
        "expenses per project",
        dict(
            mart(
                "select project_id, expense_amount from mart_project_costs "
                "where expense_amount > 0",
            )
        ),
        money_map(expenses.groupby("project_id").amount.sum()),
    )
    check(
        "expenses per customer",
        dict(
            mart(
                "select customer_id, expense_amount from mart_customer_costs "
                "where expense_amount > 0",
            )
        ),
        money_map(expenses.groupby(expenses.customer.astype(int)).amount.sum()),
    )

    # every line carries its project's status and owner, else its customer's owner, and
    # the region of the customer behind it: as the store says now, after any change
    customers = store.customers.set_index("id")
    regions = store.regions.set_index("id").code
    on_project = expenses.project_id.notna()
    project_of = expenses.project_id.fillna(-1).astype(int)
    customer_of = project_of.map(projects.customer_id).where(on_project, expenses.customer)
    statuses = project_of.map(projects.status).where(on_project, None)
    owners = project_of.map(projects.owner_id).where(
        on_project, customer_of.map(customers.owner_id)
    )
    line_regions = customer_of.astype(int).map(customers.region_id).map(regions)
    expected_lines = {
        int(e): (None if pd.isna(s) else s, int(o), r)
        for e, s, o, r in zip(expenses.id, statuses, owners, line_regions, strict=True)
    }
    actual_lines = mart(
        "select expense_id, project_status, responsible_owner_id, region_code from fct_expenses",
    )
    check(
        "expense lines' status, owner and region",
        {e: (s, o, r) for e, s, o, r in actual_lines},
        expected_lines,
    )

    # target attainment of every rep and department target
    tree = department_tree(store)
    won["money"] = won.amount.map(money)
    by_owner = won.groupby(["month", "owner_id"]).money.sum().to_dict()
    by_department = won.groupby(["month", "department_id"]).money.sum().to_dict()
    expected_attainment = {}
    for target in store.targets.itertuples():
        month = pd.Timestamp(target.period_month).date()
        if pd.notna(target.user_id):
            got = by_owner.get((month, target.user_id), 0)
        else:
            below = tree[int(target.department_id)]
            got = sum(by_department.get((month, d), 0) for d in below)
        if money(target.amount) > 0:
            expected_attainment[target.id] = (
                money(got),
                ratio(money(got), money(target.amount)),
            )
    actual_attainment = mart(
        "select target_id, won_amount, attainment from fct_targets where target_amount > 0"
    )
    check("target attainment", {t: (w, a) for t, w, a in actual_attainment}, expected_attainment)

    _compare_decision_roles(store, closed, mart, check)


def _compare_decision_roles(
    store: Store,
    closed: pd.DataFrame,
    mart: Callable[[str], list[tuple]],
    check: Callable[[str, object, object], None],
) -> None:
    """The decision trees: every project's contacts per role, its decision makers, and win
    rates split by whether a decision maker is mapped."""
    links = store.project_contacts
    check(
        "contacts per project and decision role",
        {
            (p, r): n
            for p, r, n in mart(
                "select project_id, decision_role, count(*) from fct_project_contacts group by all"
            )
        },
        links.groupby(["project_id", "decision_role"]).size().to_dict(),
    )
    makers = links[links.decision_role == "decision_maker"].groupby("project_id").size()
    counts = store.projects.id.map(makers).fillna(0).astype(int)
    check(
        "decision makers per project",
        dict(mart("select project_id, decision_maker_count from fct_opportunities")),
        dict(zip(store.projects.id, counts, strict=True)),
    )
    mapped = closed.index.map(makers).notna()
    expected = {
        bool(has): (
            int((g.status == "won").sum()),
            int((g.status == "lost").sum()),
            money(g[g.status == "won"].amount.map(money).sum()),
            money(g[g.status == "lost"].amount.map(money).sum()),
        )
        for has, g in closed.groupby(mapped)
    }
    actual = mart(
        "select has_decision_maker, sum(won_count), sum(lost_count), sum(won_amount), "
        "sum(lost_amount) from mart_win_rates group by 1"
    )
    check(
        "win rates by decision maker mapped",
        {has: (int(w), int(lo), money(wa), money(la)) for has, w, lo, wa, la in actual},
        expected,
    )
