"""The marts agree exactly with numbers computed independently from the operational store.

The small demo company is seeded, refreshed in full, and every key number is recomputed
with pandas from the store's own tables (never from dbt models): counts per status, won
amount per month/rep/region/industry, win rate, sales cycle, days per stage, expenses per
customer and project, target attainment. Then records change through the domain commands,
an incremental refresh runs, and everything is compared again.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from sqlalchemy import Engine, select

from ingest.commands.customers import CustomerInput, update_customer
from ingest.commands.expenses import ExpenseInput, create_expense, delete_expense
from ingest.commands.projects import (
    CloseWonInput,
    change_forecast,
    close_lost,
    close_won,
    move_stage,
    reopen,
)
from ingest.store.db import get_engine, read_session
from ingest.store.models import Customer, CustomerType, Expense, Industry, Project, Region, Stage
from orchestration import snapshots
from orchestration.refresh import run_refresh

AS_OF = dt.date(2026, 11, 27)


@dataclass
class Company:
    engine: Engine
    warehouse: Path


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Company]:
    root = tmp_path_factory.mktemp("company")
    env = {**os.environ, "CRM_DATA_DIR": str(root)}
    env.pop("CRM_STORE_URL", None)
    for args in (["init"], ["seed", "--profile", "small", "--seed", "7", "--as-of", str(AS_OF)]):
        subprocess.run([sys.executable, "-m", "ingest.cli", *args], env=env, check=True)
    engine = get_engine(f"sqlite:///{root / 'crm.db'}")
    warehouse = root / "warehouse" / "build.duckdb"
    warehouse.parent.mkdir()
    run_refresh(full=True, as_of=str(AS_OF), engine=engine, warehouse=warehouse)
    yield Company(engine, warehouse)
    engine.dispose()


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


def stage_visits(store: Store, as_of: dt.date = AS_OF) -> dict[tuple[int, int], tuple[str, int]]:
    """Visits recomputed row by row: (project, visit number) → (stage code, days)."""
    code = store.stages.set_index("id").code
    won_stage = store.stages.set_index("id").is_won_stage.astype(bool)
    visits: dict[tuple[int, int], tuple[str, int]] = {}
    history = store.history.sort_values(["project_id", "changed_at", "id"])
    for project_id, rows in history.groupby("project_id"):
        stays: list[list] = []  # [stage_id, entered, exited]
        previous_stage = previous_type = None
        for row in rows.itertuples():
            at = pd.Timestamp(row.changed_at).date()
            if row.change_type == "lost":
                if stays and stays[-1][2] is None:
                    stays[-1][2] = at
            elif (
                previous_stage is None
                or row.to_stage_id != previous_stage
                or previous_type == "lost"
            ):
                if stays and stays[-1][2] is None:
                    stays[-1][2] = at
                stays.append([row.to_stage_id, at, at if won_stage[row.to_stage_id] else None])
            previous_stage, previous_type = row.to_stage_id, row.change_type
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


def mart(company: Company, sql: str) -> list[tuple]:
    snapshot = snapshots.current(company.warehouse.parent)
    with duckdb.connect(str(snapshot.path), read_only=True) as con:
        return con.execute(sql).fetchall()


def compare_everything(company: Company) -> None:
    store = read_store(company.engine)
    projects = store.projects.set_index("id")

    # counts per status
    assert dict(mart(company, "select status, count(*) from fct_opportunities group by 1")) == (
        projects.status.value_counts().to_dict()
    )

    # won amount per month, rep, region and industry
    won = won_contracts(store)
    expected = money_map(
        won.groupby(["month", "owner_id", "region_code", "industry_code"]).amount.sum()
    )
    actual = mart(
        company,
        "select date_trunc('month', closed_date)::date, owner_id, region_code, industry_code, "
        "sum(amount) from fct_win_loss where outcome = 'won' group by all",
    )
    assert {tuple(row[:4]): row[4] for row in actual} == expected

    # win rate by count and amount, per closing month
    closed = projects[projects.status.isin(["won", "lost"])].copy()
    closed["month"] = pd.to_datetime(closed.closed_date).dt.to_period("M").dt.to_timestamp().dt.date
    closed["amount"] = [
        won.set_index("project_id").amount.get(pid) if status == "won" else amount
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
        company,
        "select closed_month, sum(won_count), sum(lost_count), sum(won_amount), "
        "sum(won_amount + lost_amount) from mart_win_rates group by 1",
    )
    assert {
        month: (ratio(won_n, won_n + lost_n), won_amount, total)
        for month, won_n, lost_n, won_amount, total in actual_rates
    } == expected_rates

    # sales cycle of every closed project
    created = created_dates(store)
    expected_cycles = {
        pid: (closed_date - created[pid]).days
        for pid, closed_date in pd.to_datetime(closed.closed_date).dt.date.items()
    }
    assert (
        dict(mart(company, "select project_id, sales_cycle_days from fct_win_loss"))
        == expected_cycles
    )

    # days per stage, visit by visit
    actual_visits = mart(
        company,
        "select project_id, visit_number, stage_code, days_in_stage from fct_stage_transitions",
    )
    visits = stage_visits(store)
    assert {(p, n): (s, d) for p, n, s, d in actual_visits} == visits

    # an open project's days in its current stage: its last visit's
    last_visit: dict[int, int] = {}
    for project, number in visits:
        last_visit[project] = max(last_visit.get(project, 0), number)
    open_ids = projects.index[projects.status == "open"]
    assert dict(mart(company, "select project_id, days_in_stage from fct_opportunities")) == {
        p: (visits[(p, last_visit[p])][1] if p in open_ids else None) for p in projects.index
    }

    # the day of each project's last done activity, up to the as-of date
    done = store.activities[store.activities.status == "done"]
    days = pd.to_datetime(done.done_at.fillna(done.planned_at)).dt.date
    last_done = done.assign(day=days)[days <= AS_OF].groupby("project_id").day.max()
    assert dict(mart(company, "select project_id, last_activity_date from fct_opportunities")) == {
        p: last_done.get(p) for p in projects.index
    }

    # every project's state intervals follow on each other, the last one is its state now
    states = pd.DataFrame(
        mart(
            company,
            "select project_id, valid_from_date, valid_to_date, stage_code, status, amount "
            "from fct_project_states order by project_id, valid_from_date",
        ),
        columns=["project_id", "start", "end", "stage", "status", "amount"],
    )
    follows = states.groupby("project_id").start.shift(-1)
    assert (states.end.isna() == follows.isna()).all()
    assert (states.end[follows.notna()] == follows[follows.notna()]).all()
    now = states[states.end.isna()].set_index("project_id")
    code = store.stages.set_index("id").code
    assert len(now) == len(projects)
    assert (now.stage == projects.stage_id.map(code).reindex(now.index)).all()
    assert (now.status == projects.status.reindex(now.index)).all()
    assert now.amount.map(money).to_dict() == projects.expected_amount.map(money).to_dict()
    assert (states.groupby("project_id").start.min() == created_dates(store)).all()

    # daily snapshots (a view, read here in the published file): the projects open at the
    # end of a day, each in the state it had then, up to the as-of day
    for day in (AS_OF - dt.timedelta(days=200), AS_OF):
        held = states[
            (states.start <= day)
            & (states.end.isna() | (states.end > day))
            & (states.status == "open")
        ]
        assert sorted(
            mart(
                company,
                "select project_id, stage_code, amount from fct_pipeline_snapshots "
                f"where snapshot_date = '{day}'",
            )
        ) == sorted(zip(held.project_id, held.stage, held.amount, strict=True))
    assert mart(company, "select max(snapshot_date) from fct_pipeline_snapshots") == [(AS_OF,)]

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
        company,
        "select stage_code, reached_count, converted_count from mart_stage_conversion "
        "where reached_count > 0",
    )
    assert {s: [r, c] for s, r, c in actual_conversion} == expected_conversion

    # expenses per project and per customer (booked on the customer or on its projects)
    expenses = store.expenses.copy()
    expenses["customer"] = expenses.customer_id.fillna(
        expenses.project_id.map(projects.customer_id)
    )
    assert dict(
        mart(
            company,
            "select project_id, expense_amount from mart_project_costs where expense_amount > 0",
        )
    ) == money_map(expenses.groupby("project_id").amount.sum())
    assert dict(
        mart(
            company,
            "select customer_id, expense_amount from mart_customer_costs where expense_amount > 0",
        )
    ) == money_map(expenses.groupby(expenses.customer.astype(int)).amount.sum())

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
        company,
        "select expense_id, project_status, responsible_owner_id, region_code from fct_expenses",
    )
    assert {e: (s, o, r) for e, s, o, r in actual_lines} == expected_lines

    # target attainment of every rep and department target
    tree = department_tree(store)
    won["dept"] = won.department_id
    expected_attainment = {}
    for target in store.targets.itertuples():
        month = pd.Timestamp(target.period_month).date()
        in_month = won[won.month == month]
        if pd.notna(target.user_id):
            got = in_month[in_month.owner_id == target.user_id].amount.map(money).sum()
        else:
            got = (
                in_month[in_month.dept.isin(tree[int(target.department_id)])]
                .amount.map(money)
                .sum()
            )
        if money(target.amount) > 0:
            expected_attainment[target.id] = (
                money(got),
                ratio(money(got), money(target.amount)),
            )
    actual_attainment = mart(
        company, "select target_id, won_amount, attainment from fct_targets where target_amount > 0"
    )
    assert {t: (w, a) for t, w, a in actual_attainment} == expected_attainment


def test_marts_reconcile_with_the_store(company) -> None:
    assert mart(company, "select count(*) from fct_opportunities")[0][0] > 5000
    compare_everything(company)


def test_changes_through_commands_reconcile_after_an_incremental_refresh(company) -> None:
    engine = company.engine
    with read_session(engine) as s:
        open_projects = s.scalars(
            select(Project).where(Project.status == "open").order_by(Project.id).limit(4)
        ).all()
        won = s.scalars(select(Project).where(Project.status == "won").order_by(Project.id)).first()
        loose_expense = s.scalars(
            select(Expense).where(Expense.report_id.is_(None)).order_by(Expense.id)
        ).first()
        next_stage = {
            p.id: s.scalars(
                select(Stage.code)
                .where(Stage.sales_mode_id == p.sales_mode_id, Stage.id != p.stage_id)
                .where(Stage.is_won_stage.is_(False))
                .order_by(Stage.stage_order.desc())
            ).first()
            for p in open_projects
        }
    first, second, third, fourth = open_projects
    move_stage(engine, None, first.id, next_stage[first.id])
    change_forecast(engine, None, second.id, expected_amount="2345678.90")
    close_won(engine, None, third.id, CloseWonInput(amount="888888.88", signed_date=AS_OF))
    close_lost(engine, None, fourth.id, "competitor_won", note="对手低价")
    reopen(engine, None, won.id, note="合同未生效，重新谈判")
    create_expense(
        engine,
        None,
        ExpenseInput(
            category="meals",
            amount="321.09",
            incurred_date=AS_OF,
            project_id=first.id,
            owner_id=first.owner_id,
        ),
    )
    if loose_expense is not None:
        delete_expense(engine, loose_expense.owner_id, loose_expense.id)
    # the customer of a project with expenses moves region: its lines follow
    with read_session(engine) as s:
        customer = s.get(Customer, first.customer_id)
        other_region = s.scalars(
            select(Region.code).where(Region.id != customer.region_id).order_by(Region.id)
        ).first()
        kept = {
            "name": customer.name,
            "customer_type": s.get(CustomerType, customer.customer_type_id).code,
            "industry": s.get(Industry, customer.industry_id).code,
            "status": customer.status,
        }
    update_customer(engine, None, first.customer_id, CustomerInput(**kept, region=other_region))

    summary = run_refresh(as_of=str(AS_OF), engine=engine, warehouse=company.warehouse)

    assert not summary.full and 0 < summary.extracted.rows < 100
    assert mart(company, f"select status from fct_opportunities where project_id = {won.id}") == [
        ("open",)
    ]
    assert mart(company, f"select count(*) from fct_contracts where project_id = {won.id}") == [
        (0,)
    ]
    compare_everything(company)


def test_an_incremental_refresh_on_a_later_day_ages_the_open_visits(company) -> None:
    """Open projects' current visits grow older with the as-of date, without new entries."""
    later = AS_OF + dt.timedelta(days=3)
    run_refresh(as_of=str(later), engine=company.engine, warehouse=company.warehouse)
    actual_visits = mart(
        company,
        "select project_id, visit_number, stage_code, days_in_stage from fct_stage_transitions",
    )
    store = read_store(company.engine)
    expected = stage_visits(store, later)
    assert expected != stage_visits(store, AS_OF)  # open visits did age
    assert {(p, n): (s, d) for p, n, s, d in actual_visits} == expected
