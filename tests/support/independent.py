"""The dashboards' numbers recomputed with pandas from the operational store's own tables.

Nothing here reads the warehouse or borrows the dbt models' SQL: projects, history,
contracts, expenses, leads, targets, activities, users and decision trees are read from
the store and every rule (row-level security, filters, periods, stage visits) is applied in
Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from ingest.commands.base import Actor
from warehouse.scope import Filters

CENT = Decimal("0.01")


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def rate(numerator: Any, denominator: Any, places: str = "0.0001") -> Decimal | None:
    if Decimal(str(denominator)) == 0:
        return None
    value = Decimal(str(numerator)) / Decimal(str(denominator))
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def total(values: pd.Series) -> Decimal:
    return sum((money(v) for v in values), Decimal("0.00"))


def _date(value: Any) -> dt.date | None:
    return None if pd.isna(value) else pd.Timestamp(value).date()


@dataclass
class Store:
    as_of: dt.date
    projects: pd.DataFrame  # one row per project with every code the filters use
    visits: pd.DataFrame  # one row per stage visit
    history: pd.DataFrame  # every history row, with its day and its stage's probability
    contracts: pd.DataFrame
    expenses: pd.DataFrame
    leads: pd.DataFrame
    targets: pd.DataFrame
    activities: pd.DataFrame
    users: pd.DataFrame
    competitors: pd.DataFrame
    customer_codes: pd.DataFrame  # current owner, region, type and industry per customer


def _table(engine: Engine, name: str) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql_table(name, conn)


def read_store(engine: Engine, as_of: dt.date) -> Store:
    t = {
        name: _table(engine, name)
        for name in (
            "projects",
            "project_stage_history",
            "contracts",
            "customers",
            "customer_types",
            "regions",
            "industries",
            "departments",
            "sales_modes",
            "stages",
            "loss_reasons",
            "expenses",
            "leads",
            "lead_sources",
            "targets",
            "activities",
            "users",
            "project_competitors",
            "project_contacts",
        )
    }
    code = {name: t[name].set_index("id").code for name in t if "code" in t[name].columns}
    customers = t["customers"].set_index("id")
    stages = t["stages"].set_index("id")
    p = t["projects"].rename(columns={"id": "project_id"}).copy()
    p["department_code"] = p.department_id.map(code["departments"])
    p["industry_code"] = p.industry_id.map(code["industries"])
    p["region_code"] = p.customer_id.map(customers.region_id).map(code["regions"])
    p["customer_type"] = p.customer_id.map(customers.customer_type_id).map(code["customer_types"])
    p["sales_mode_code"] = p.sales_mode_id.map(code["sales_modes"])
    p["stage_code"] = p.stage_id.map(stages.code)
    p["probability"] = p.stage_id.map(stages.default_probability)
    p["loss_reason_code"] = p.loss_reason_id.map(code["loss_reasons"])
    history = t["project_stage_history"]
    p["created_date"] = p.project_id.map(
        pd.to_datetime(history.groupby("project_id").changed_at.min()).dt.date
    )
    p["closed_date"] = p.closed_date.map(_date)
    p["expected_close_date"] = p.expected_close_date.map(_date)
    contracts = t["contracts"].copy()
    contracts["signed_date"] = contracts.signed_date.map(_date)
    won = contracts.set_index("project_id").amount
    p["won_amount"] = [
        won.get(pid) if status == "won" else None
        for pid, status in zip(p.project_id, p.status, strict=True)
    ]
    p["customer_owner_id"] = p.customer_id.map(customers.owner_id)
    links = t["project_contacts"]
    makers = links[links.decision_role == "decision_maker"].groupby("project_id").size()
    p["decision_maker_count"] = p.project_id.map(makers).fillna(0).astype(int)

    expenses = t["expenses"].copy()
    expenses["incurred_date"] = expenses.incurred_date.map(_date)
    leads = t["leads"].copy()
    leads["source_code"] = leads.source_id.map(code["lead_sources"])
    leads["created_date"] = pd.to_datetime(leads.created_at).dt.date
    leads["decided_date"] = pd.to_datetime(leads.decided_at).dt.date
    targets = t["targets"].copy()
    targets["period_month"] = targets.period_month.map(_date)
    activities = t["activities"].copy()
    activities["is_done"] = activities.status == "done"
    activities["activity_date"] = [
        pd.Timestamp(done if is_done else planned).date()
        for done, planned, is_done in zip(
            activities.done_at, activities.planned_at, activities.is_done, strict=True
        )
    ]
    users = t["users"].copy()
    users["department_code"] = users.department_id.map(code["departments"])
    customer_codes = pd.DataFrame(
        {
            "owner_id": customers.owner_id,
            "region_code": customers.region_id.map(code["regions"]),
            "customer_type": customers.customer_type_id.map(code["customer_types"]),
            "industry_code": customers.industry_id.map(code["industries"]),
        }
    )
    return Store(
        as_of=as_of,
        projects=p,
        visits=_visits(history, stages, p, as_of),
        history=_history(history, stages),
        contracts=contracts,
        expenses=expenses,
        leads=leads,
        targets=targets,
        activities=activities,
        users=users,
        competitors=t["project_competitors"],
        customer_codes=customer_codes,
    )


def _history(history: pd.DataFrame, stages: pd.DataFrame) -> pd.DataFrame:
    out = history.sort_values(["changed_at", "id"]).copy()
    out["day"] = pd.to_datetime(out.changed_at).dt.date
    out["probability"] = out.to_stage_id.map(stages.default_probability)
    out["stage_order"] = out.to_stage_id.map(stages.stage_order)
    return out


def _visits(
    history: pd.DataFrame, stages: pd.DataFrame, projects: pd.DataFrame, as_of: dt.date
) -> pd.DataFrame:
    """Stays in a stage, row by row: a stay starts when the stage changes (or the project
    is reopened after a loss) and ends at the next stay or at the loss."""
    order = stages.stage_order
    won_stage = stages.is_won_stage.astype(bool)
    rows = []
    ordered = history.sort_values(["project_id", "changed_at", "id"])
    for project_id, changes in ordered.groupby("project_id"):
        stays: list[dict] = []
        previous_stage = previous_type = None
        for change in changes.itertuples():
            at = pd.Timestamp(change.changed_at).date()
            open_stay = stays[-1] if stays and stays[-1]["exited"] is None else None
            if change.change_type == "lost":
                if open_stay is not None:
                    open_stay.update(exited=at, exit_type="lost")
            elif (
                previous_stage is None
                or change.to_stage_id != previous_stage
                or previous_type == "lost"
            ):
                if open_stay is not None:
                    going = change.to_stage_id
                    if won_stage[going]:
                        kind = "won"
                    elif order[going] < order[open_stay["stage_id"]]:
                        kind = "slipped_back"
                    else:
                        kind = "advanced"
                    open_stay.update(exited=at, exit_type=kind)
                is_won = bool(won_stage[change.to_stage_id])
                stays.append(
                    {
                        "project_id": project_id,
                        "stage_id": change.to_stage_id,
                        "entered": at,
                        "exited": at if is_won else None,
                        "exit_type": "terminal" if is_won else None,
                    }
                )
            previous_stage, previous_type = change.to_stage_id, change.change_type
        rows.extend(stays)
    visits = pd.DataFrame(rows)
    visits["stage_code"] = visits.stage_id.map(stages.code)
    visits["is_won_stage"] = visits.stage_id.map(won_stage)
    visits["stage_order"] = visits.stage_id.map(order)
    visits["is_current"] = visits.exited.isna()
    visits["days"] = [
        ((as_of if pd.isna(exited) else exited) - entered).days
        for entered, exited in zip(visits.entered, visits.exited, strict=True)
    ]
    visits["sales_mode_code"] = visits.project_id.map(
        projects.set_index("project_id").sales_mode_code
    )
    return visits


# --- who sees what, which rows the filters keep ---------------------------------------------


def people(store: Store, actor: Actor) -> set[int] | None:
    if actor.role in ("executive", "department_head", "admin", "finance"):
        return None
    if actor.role != "manager":
        return {actor.id}  # type: ignore[arg-type]
    managers = store.users.set_index("id").manager_id
    team = {actor.id}
    grew = True
    while grew:
        below = {int(u) for u, m in managers.items() if pd.notna(m) and int(m) in team}
        grew = not below <= team
        team |= below
    return team  # type: ignore[return-value]


def owner_kept(owner: pd.Series, store: Store, actor: Actor, f: Filters) -> pd.Series:
    """Which rows' owners the actor sees and the rep filter keeps."""
    seen = people(store, actor)
    mask = pd.Series(True, index=owner.index)
    if seen is not None:
        mask &= owner.isin(seen)
    if f.rep is not None:
        mask &= owner == f.rep
    return mask


def keep_projects(frame: pd.DataFrame, store: Store, actor: Actor, f: Filters) -> pd.DataFrame:
    """Rows of a frame with the project columns that the actor sees and the filters keep."""
    mask = owner_kept(frame.owner_id, store, actor, f)
    for name, column in (
        ("department", "department_code"),
        ("region", "region_code"),
        ("industry", "industry_code"),
        ("customer_type", "customer_type"),
        ("sales_mode", "sales_mode_code"),
    ):
        value = getattr(f, name)
        if value is not None:
            mask &= frame[column] == value
    return frame[mask]


def keep_owned(
    frame: pd.DataFrame, column: str, store: Store, actor: Actor, f: Filters
) -> pd.DataFrame:
    """Rows of a frame without the project columns (targets, leads) whose owner, in `column`,
    the actor sees and the rep and department filters keep."""
    owner = frame[column]
    mask = owner_kept(owner, store, actor, f)
    if f.department is not None:
        mask &= owner.map(store.users.set_index("id").department_code) == f.department
    return frame[mask]


def in_period(dates: pd.Series, f: Filters, *, months: bool = False) -> pd.Series:
    start = f.start.replace(day=1) if (months and f.start) else f.start
    mask = pd.Series(True, index=dates.index)
    if start is not None:
        mask &= dates.map(lambda d: d is not None and d >= start)
    if f.end is not None:
        mask &= dates.map(lambda d: d is not None and d <= f.end)
    return mask


# --- expected numbers, page by page ---------------------------------------------------------


def weighted(frame: pd.DataFrame) -> Decimal:
    """Σ expected amount × stage probability, each project rounded to the cent."""
    return sum(
        (
            money(Decimal(str(a)) * Decimal(str(p)))
            for a, p in zip(frame.expected_amount, frame.probability, strict=True)
        ),
        Decimal("0.00"),
    )


def pipeline(store: Store, actor: Actor, f: Filters, stuck_days: int) -> dict[str, Any]:
    open_ = keep_projects(store.projects[store.projects.status == "open"], store, actor, f)
    current = store.visits[store.visits.is_current].set_index("project_id").days
    days = open_.project_id.map(current)
    return {
        "open_count": len(open_),
        "open_amount": total(open_.expected_amount),
        "weighted_amount": weighted(open_),
        "overdue_count": int((open_.expected_close_date < store.as_of).sum()),
        "stuck_count": int((days >= stuck_days).sum()),
    }


def pipeline_trend(store: Store, actor: Actor, f: Filters) -> dict[dt.date, tuple]:
    """Open projects, amount and weighted amount at the end of every 7th day back from the
    period's end (the trailing year without a start): each project as its last history
    row up to that day left it; days without an open project are left out."""
    end = min(f.end or store.as_of, store.as_of)
    start = f.start or end - dt.timedelta(days=365)
    seen = keep_projects(store.projects, store, actor, f).project_id
    history = store.history[store.history.project_id.isin(seen)]
    out = {}
    day = end
    while day >= start:
        last = history[history.day <= day].groupby("project_id").tail(1)
        open_ = last[last.status == "open"]
        if len(open_):
            amounts = open_.rename(columns={"amount": "expected_amount"})
            out[day] = (len(open_), total(open_.amount), weighted(amounts))
        day -= dt.timedelta(days=7)
    return out


def pipeline_changes(store: Store, actor: Actor, f: Filters) -> dict[int, str]:
    """How each project's state at the end of the period differs from its state at the
    end of the day before it; the first matching kind wins, in the order the page lists."""
    end = min(f.end or store.as_of, store.as_of)
    start = f.start or end - dt.timedelta(days=365)
    seen = keep_projects(store.projects, store, actor, f).project_id
    history = store.history[store.history.project_id.isin(seen)]
    before = history[history.day < start].groupby("project_id").tail(1).set_index("project_id")
    after = history[history.day <= end].groupby("project_id").tail(1).set_index("project_id")
    out = {}
    for project_id, a in after.iterrows():
        b = before.loc[project_id] if project_id in before.index else None
        is_open = a.status == "open"
        if a.status in ("won", "lost") and (b is None or b.status != a.status):
            kind = a.status
        elif b is None:
            kind = "new"
        elif is_open and b.status != "open":
            kind = "reopened"
        elif is_open and a.stage_order != b.stage_order:
            kind = "advanced" if a.stage_order > b.stage_order else "slipped"
        elif is_open and a.expected_close_date > b.expected_close_date:
            kind = "pushed"
        elif is_open and money(a.amount) != money(b.amount):
            kind = "resized"
        else:
            continue
        out[int(project_id)] = kind
    return out


def funnel(store: Store, actor: Actor, f: Filters) -> dict[tuple[str, str], tuple]:
    open_ = keep_projects(store.projects[store.projects.status == "open"], store, actor, f)
    return {
        key: (len(g), total(g.expected_amount), weighted(g))
        for key, g in open_.groupby(["sales_mode_code", "stage_code"])
    }


def closed(store: Store, actor: Actor, f: Filters) -> pd.DataFrame:
    p = store.projects[store.projects.status.isin(["won", "lost"])]
    p = keep_projects(p, store, actor, f)
    p = p[in_period(p.closed_date, f)].copy()
    p["amount"] = [
        won if status == "won" else expected
        for won, expected, status in zip(p.won_amount, p.expected_amount, p.status, strict=True)
    ]
    p["cycle"] = [(c - s).days for c, s in zip(p.closed_date, p.created_date, strict=True)]
    return p


def win_loss(store: Store, actor: Actor, f: Filters) -> dict[str, Any]:
    c = closed(store, actor, f)
    won, lost = c[c.status == "won"], c[c.status == "lost"]
    won_amount, closed_amount = total(won.amount), total(c.amount)
    return {
        "won_count": len(won),
        "lost_count": len(lost),
        "closed_count": len(c),
        "won_amount": won_amount,
        "lost_amount": total(lost.amount),
        "closed_amount": closed_amount,
        "sales_cycle_days_total": int(c.cycle.sum()),
        "win_rate_by_count": rate(len(won), len(c)),
        "win_rate_by_amount": rate(won_amount, closed_amount),
        "average_sales_cycle_days": rate(int(c.cycle.sum()), len(c), "0.1"),
    }


def loss_reasons(store: Store, actor: Actor, f: Filters) -> dict[str, tuple]:
    c = closed(store, actor, f)
    lost = c[c.status == "lost"]
    return {r: (len(g), total(g.amount)) for r, g in lost.groupby("loss_reason_code")}


def velocity(store: Store, actor: Actor, f: Filters) -> dict[str, Any]:
    visible = keep_projects(store.projects, store, actor, f).project_id
    v = store.visits[store.visits.project_id.isin(visible)]
    finished = v[~v.is_current & ~v.is_won_stage & in_period(v.entered, f)]
    c = closed(store, actor, f)
    return {
        "finished_visit_count": len(finished),
        "total_days": int(finished.days.sum()),
        "slipped_back_count": int((finished.exit_type == "slipped_back").sum()),
        "avg_days_in_stage": rate(int(finished.days.sum()), len(finished), "0.1"),
        "closed_count": len(c),
        "average_sales_cycle_days": rate(int(c.cycle.sum()), len(c), "0.1"),
    }


def conversion(store: Store, actor: Actor, f: Filters) -> dict[tuple[str, str], tuple]:
    """Per sales mode and stage: the projects with a visit to it entered in the period,
    and how many of them have ever been further along."""
    visible = keep_projects(store.projects, store, actor, f).project_id
    v = store.visits[store.visits.project_id.isin(visible)]
    furthest = v.groupby("project_id").stage_order.max()
    entered = v[in_period(v.entered, f)].copy()
    entered["further"] = entered.project_id.map(furthest) > entered.stage_order
    return {
        key: (g.project_id.nunique(), g[g.further].project_id.nunique())
        for key, g in entered.groupby(["sales_mode_code", "stage_code"])
    }


def forecast_month(store: Store, close: dt.date) -> dt.date:
    return max(close.replace(day=1), store.as_of.replace(day=1))


def forecast(store: Store, actor: Actor, f: Filters) -> dict[str, Any]:
    open_ = store.projects[store.projects.status == "open"].copy()
    open_["month"] = open_.expected_close_date.map(lambda d: forecast_month(store, d))
    rows = keep_projects(open_, store, actor, f)
    rows = rows[in_period(rows.month, f, months=True)]

    # rep targets of the visible (and filtered) reps in the period's months
    t = store.targets[store.targets.user_id.notna()].copy()
    t["user_id"] = t.user_id.astype(int)
    t = keep_owned(t, "user_id", store, actor, f)
    t = t[in_period(t.period_month, f, months=True)]
    won = store.contracts.merge(
        store.projects[store.projects.status == "won"][["project_id"]], on="project_id"
    )
    won["month"] = won.signed_date.map(lambda d: d.replace(day=1))
    won_by = {k: total(g.amount) for k, g in won.groupby(["owner_id", "month"])}
    open_by = {k: weighted(g) for k, g in open_.groupby(["owner_id", "month"])}
    target_amount = won_amount = remaining = open_weighted = Decimal("0.00")
    for target in t.itertuples():
        amount = money(target.amount)
        got = won_by.get((target.user_id, target.period_month), Decimal("0.00"))
        target_amount += amount
        won_amount += got
        remaining += max(amount - got, Decimal("0.00"))
        open_weighted += open_by.get((target.user_id, target.period_month), Decimal("0.00"))
    return {
        "forecast_count": len(rows),
        "forecast_amount": total(rows.expected_amount),
        "forecast_weighted_amount": weighted(rows),
        "target_amount": target_amount,
        "target_won_amount": won_amount,
        "remaining_target_amount": remaining,
        "target_open_weighted_amount": open_weighted,
        "attainment": rate(won_amount, target_amount),
        "pipeline_coverage": rate(open_weighted, remaining),
    }


def expenses(store: Store, actor: Actor, f: Filters) -> pd.DataFrame:
    """Expense lines with the dimensions of their project, else of their customer."""
    p = store.projects.set_index("project_id")
    x = store.expenses.copy()
    on_project = x.project_id.notna()
    pid = x.project_id.fillna(-1).astype(int)
    x["customer"] = x.customer_id.where(x.customer_id.notna(), pid.map(p.customer_id))
    x["customer"] = x.customer.astype(int)
    # a project's region and type are its customer's, so one lookup serves both kinds
    cust = store.customer_codes
    x["owner_id"] = pid.map(p.owner_id).where(on_project, x.customer.map(cust.owner_id))
    x["region_code"] = x.customer.map(cust.region_code)
    x["customer_type"] = x.customer.map(cust.customer_type)
    x["industry_code"] = pid.map(p.industry_code).where(
        on_project, x.customer.map(cust.industry_code)
    )
    x["department_code"] = pid.map(p.department_code).where(on_project, None)
    x["sales_mode_code"] = pid.map(p.sales_mode_code).where(on_project, None)
    x["project_status"] = pid.map(p.status).where(on_project, None)
    x = keep_projects(x, store, actor, f)
    return x[in_period(x.incurred_date, f)]


def signed_contracts(store: Store, actor: Actor, f: Filters) -> pd.DataFrame:
    """Contracts of won projects signed in the period, with their project's columns."""
    won = store.contracts[["project_id", "signed_date", "amount"]].merge(
        store.projects[store.projects.status == "won"].drop(columns=["amount"], errors="ignore"),
        on="project_id",
    )
    won = keep_projects(won, store, actor, f)
    return won[in_period(won.signed_date, f)]


def costs(store: Store, actor: Actor, f: Filters) -> dict[str, Any]:
    x = expenses(store, actor, f)
    won = signed_contracts(store, actor, f)
    expense_amount, contract_amount = total(x.amount), total(won.amount)
    spent_projects = x[x.project_id.notna()].project_id.astype(int).unique()
    p = store.projects.set_index("project_id").loc[spent_projects]
    spent_total = store.expenses.groupby("project_id").amount.sum()
    over = [
        pd.notna(budget) and money(spent_total[pid]) > money(budget)
        for pid, budget in p.budget_amount.items()
    ]
    return {
        "expense_count": len(x),
        "expense_amount": expense_amount,
        "lost_project_expense_amount": total(x[x.project_status == "lost"].amount),
        "contract_amount": contract_amount,
        "cost_to_revenue_ratio": rate(expense_amount, contract_amount),
        "over_budget_count": int(sum(over)),
    }


def customer_costs(store: Store, actor: Actor, f: Filters) -> dict[int, tuple]:
    """Per customer: expenses in the period, contracts signed in it, projects won and
    lost in it, and the period's expenses on lost projects."""
    x = expenses(store, actor, f)
    signed = signed_contracts(store, actor, f)
    ended = closed(store, actor, f)
    table = {}
    for customer in set(x.customer) | set(signed.customer_id) | set(ended.customer_id):
        spent = x[x.customer == customer]
        outcomes = ended[ended.customer_id == customer].status
        table[int(customer)] = (
            total(spent.amount),
            total(signed[signed.customer_id == customer].amount),
            int((outcomes == "won").sum()),
            int((outcomes == "lost").sum()),
            total(spent[spent.project_status == "lost"].amount),
        )
    return table


def leads(store: Store, actor: Actor, f: Filters) -> pd.DataFrame:
    leads = keep_owned(store.leads, "owner_id", store, actor, f)
    return leads[in_period(leads.created_date, f)]


def lead_counts(frame: pd.DataFrame) -> dict[str, Any]:
    qualified = frame[frame.status == "qualified"]
    days = sum(
        (d - c).days for c, d in zip(qualified.created_date, qualified.decided_date, strict=True)
    )
    return {
        "lead_count": len(frame),
        "qualified_count": len(qualified),
        "rejected_count": int((frame.status == "rejected").sum()),
        "new_count": int((frame.status == "new").sum()),
        "qualify_days_total": int(days),
        "conversion_rate": rate(len(qualified), len(frame)),
        "avg_days_to_qualify": rate(int(days), len(qualified), "0.1"),
    }


def activities_done(store: Store, actor: Actor, f: Filters) -> dict[int, int]:
    a = store.activities[store.activities.is_done]
    seen = people(store, actor)
    if seen is not None:
        a = a[a.owner_id.isin(seen)]
    a = a[in_period(a.activity_date, f)]
    return a.groupby("owner_id").size().to_dict()


HEALTH_FLAGS = (
    "no_recent_activity",
    "close_date_passed",
    "stuck_in_stage",
    "has_competitor",
    "no_decision_maker",
)


def open_project_flags(
    store: Store, actor: Actor, f: Filters, inactive_days: int
) -> list[tuple[int, set[str], Any]]:
    """Every open project in view with the deal-health flags it raises and its amount: the
    one place the flags are worked out, for the health counts and the flagged list."""
    open_ = keep_projects(store.projects[store.projects.status == "open"], store, actor, f)
    done = store.activities[
        store.activities.is_done
        & store.activities.project_id.notna()
        & (store.activities.activity_date <= store.as_of)
    ]
    last = done.groupby(done.project_id.astype(int)).activity_date.max()
    finished = store.visits[~store.visits.is_current & ~store.visits.is_won_stage]
    usual = finished.groupby(["sales_mode_code", "stage_code"]).days.median()
    current = store.visits[store.visits.is_current].set_index("project_id")
    with_competitor = set(store.competitors.project_id)
    rows = []
    for project in open_.itertuples():
        seen_at = last.get(project.project_id)
        stay = current.loc[project.project_id]
        median = usual.get((project.sales_mode_code, stay.stage_code))
        raised = {
            "no_recent_activity": seen_at is None or (store.as_of - seen_at).days >= inactive_days,
            "close_date_passed": project.expected_close_date < store.as_of,
            "stuck_in_stage": median is not None and stay.days > median,
            "has_competitor": project.project_id in with_competitor,
            "no_decision_maker": project.decision_maker_count == 0,
        }
        flags = {flag for flag, up in raised.items() if up}
        rows.append((int(project.project_id), flags, project.expected_amount))
    return rows


def health_flags(store: Store, actor: Actor, f: Filters, inactive_days: int) -> dict[str, int]:
    counts = dict.fromkeys(HEALTH_FLAGS, 0)
    for _, flags, _ in open_project_flags(store, actor, f, inactive_days):
        for flag in flags:
            counts[flag] += 1
    return counts


def flagged_projects(
    store: Store, actor: Actor, f: Filters, inactive_days: int
) -> list[tuple[int, set[str]]]:
    """The open projects raising any deal-health flag with the flags they raise, in the
    health table's order (most flags, then the largest amount, then the number)."""
    found = [
        (project_id, flags, Decimal(str(amount)))
        for project_id, flags, amount in open_project_flags(store, actor, f, inactive_days)
        if flags
    ]
    found.sort(key=lambda row: (-len(row[1]), -row[2], row[0]))
    return [(project_id, flags) for project_id, flags, _ in found]


def unmapped_open_projects(store: Store, actor: Actor, f: Filters) -> set[int]:
    """Open projects with no contact in the role decision_maker on their decision tree."""
    open_ = keep_projects(store.projects[store.projects.status == "open"], store, actor, f)
    return set(open_[open_.decision_maker_count == 0].project_id)


def win_rate_by_decision_maker(store: Store, actor: Actor, f: Filters) -> dict[bool, tuple]:
    """Closed projects split by whether a decision maker is mapped: won and lost counts and
    amounts."""
    c = closed(store, actor, f)
    out = {}
    for mapped, g in c.groupby(c.decision_maker_count > 0):
        won, lost = g[g.status == "won"], g[g.status == "lost"]
        out[bool(mapped)] = (len(won), len(lost), total(won.amount), total(lost.amount))
    return out
