"""The simulated office: real seeded users, each signed in with a session of their own
and working through the same domain commands and list queries as the entry app's pages.

Reps log visits and expenses on their open projects, move stages, change forecasts,
capture leads, start and close projects and claim their expenses on a submitted
reimbursement form; managers qualify their team's leads and sign their team's forms;
finance approves and pays; the data steward keeps formal customers. Every submit carries
a submission token as the app's forms do, and now and then the same token is sent twice
(a double click): the ledger's exactly-once check then proves that it created nothing
twice. Each success is recorded with a unique text (its "marker") by which the store is
asked afterwards for exactly one row.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from crm.bench.load.ledger import Ledger, Sample, Success
from entry_app.queries import activities, approvals, cockpit, customers, expenses, leads, projects
from entry_app.queries.common import ListRequest
from ingest.auth.sessions import benchmark_session, session_user
from ingest.commands.activities import ActivityInput, create_activity
from ingest.commands.base import Actor, load_actor
from ingest.commands.customers import CustomerInput, create_customer
from ingest.commands.expenses import (
    ExpenseInput,
    approve_report,
    create_expense,
    create_report,
    mark_paid,
    submit_report,
)
from ingest.commands.leads import LeadInput, QualifyInput, create_lead, qualify_lead
from ingest.commands.projects import (
    CloseWonInput,
    ProjectInput,
    change_forecast,
    close_lost,
    close_won,
    create_project,
    move_stage,
)
from ingest.store.db import read_session
from ingest.store.models import Project, Stage, User, utcnow

DOUBLE_SUBMIT = 0.05  # share of submits sent twice with the same token
SAMPLE_EVERY = 3  # every third sampled kind of create is timed to the dashboards


@dataclass(frozen=True)
class Staff:
    reps: list[int]
    managers: list[int]
    finance: list[int]
    stewards: list[int]

    @property
    def everyone(self) -> list[tuple[str, int]]:
        return [
            *(("rep", u) for u in self.reps),
            *(("manager", u) for u in self.managers),
            *(("finance", u) for u in self.finance),
            *(("data_steward", u) for u in self.stewards),
        ]


def choose_staff(engine: Engine, reps: int = 10, managers: int = 3, finance: int = 2) -> Staff:
    """Managers with the most reps owning open projects, their busiest reps taken in turn
    from each team, the first finance users and the first data steward."""
    with read_session(engine) as session:
        busy = (
            select(User.id, User.manager_id, func.count(Project.id).label("open"))
            .join(Project, Project.owner_id == User.id)
            .where(User.role == "rep", User.is_active.is_(True), Project.status == "open")
            .where(User.manager_id.is_not(None))
            .group_by(User.id, User.manager_id)
            .having(func.count(Project.id) >= 3)
        ).subquery()
        teams: dict[int, list[int]] = {}
        for rep_id, manager_id, _ in session.execute(
            select(busy).order_by(busy.c.open.desc(), busy.c.id)
        ):
            teams.setdefault(manager_id, []).append(rep_id)
        active = set(
            session.scalars(select(User.id).where(User.role == "manager", User.is_active.is_(True)))
        )
        chosen = sorted((m for m in teams if m in active), key=lambda m: (-len(teams[m]), m))
        chosen = chosen[:managers]

        def first(role: str, count: int) -> list[int]:
            return list(
                session.scalars(
                    select(User.id)
                    .where(User.role == role, User.is_active.is_(True))
                    .order_by(User.id)
                    .limit(count)
                )
            )

        finance_ids, stewards = first("finance", finance), first("data_steward", 1)
    picked: list[int] = []
    queues = [list(teams[m]) for m in chosen]
    while len(picked) < reps and any(queues):
        for queue in queues:
            if queue and len(picked) < reps:
                picked.append(queue.pop(0))
    if not chosen or len(picked) < reps or len(finance_ids) < finance or not stewards:
        raise RuntimeError("the store has too few active users for the load: seed it first")
    return Staff(picked, chosen, finance_ids, stewards)


@dataclass
class Worker:
    """One signed-in user at work: `step()` does one thing (a page load or a submit)."""

    user_id: int
    role: str
    engine: Engine
    ledger: Ledger
    rng: random.Random
    token: str = ""
    actor: Actor = field(default_factory=lambda: Actor(id=None, role="admin"))
    made: int = 0

    def __post_init__(self) -> None:
        self.token = benchmark_session(self.user_id, self.engine)
        with read_session(self.engine) as session:
            self.actor = load_actor(session, self.user_id)
        self.name = f"{self.role} {self.actor.username}"

    # --- the two kinds of interaction ----------------------------------------------------

    def signed_in(self) -> bool:
        """Every run of an app page re-checks the session first."""
        try:
            user = session_user(self.token, self.engine)
        except Exception as error:  # the page would show it instead of itself
            self.ledger.error(self.name, "session check", error)
            return False
        if user is None:
            self.ledger.failed(f"{self.name}: the session ended during the day")
            return False
        return True

    def load(self, page: str, query: Callable[[Session], Any]) -> Any:
        began = time.perf_counter()
        try:
            with read_session(self.engine) as session:
                result = query(session)
        except Exception as error:  # every error a user saw is collected, of any kind
            self.ledger.error(self.name, f"page {page}", error)
            return None
        self.ledger.timed(f"page {page}", began)
        return result

    def submit(
        self,
        command: str,
        call: Callable[[str], Any],
        found: Callable[[Any], Success | None],
        sample: Callable[[Any], tuple[str, str, str, int] | None] | None = None,
    ) -> Any:
        """Run `call(token)`; on success record how to find it, maybe send it twice."""
        key = uuid.uuid4().hex
        began = time.perf_counter()
        try:
            result = call(key)
        except Exception as error:  # every error a user saw is collected, of any kind
            self.ledger.error(self.name, command, error)
            return None
        self.ledger.timed(f"command {command}", began)
        if self.rng.random() < DOUBLE_SUBMIT:
            try:
                again = call(key)
            except Exception as error:  # a repeated submit must answer like the first
                self.ledger.error(self.name, f"{command} (repeated submit)", error)
            else:
                if again != result:
                    self.ledger.failed(f"{self.name} {command}: repeat gave {again!r}")
        success = found(result)
        if success is not None:
            self.ledger.succeeded(success)
        self.made += 1
        if sample is not None and self.made % SAMPLE_EVERY == 0:
            self._sample(*sample(result))  # type: ignore[misc]
        return result

    def _sample(self, store_table: str, mart: str, key_column: str, key: int) -> None:
        committed = time.time()
        with read_session(self.engine) as session:
            seq = session.execute(
                text(f"select change_seq from {store_table} where id = :id"), {"id": key}
            ).scalar_one()
        self.ledger.sample(Sample(mart, key_column, key, int(seq), committed))

    def marker(self, what: str) -> str:
        return f"负载{what} {self.actor.username} {uuid.uuid4().hex[:12]}"

    def submit_marked(
        self,
        command: str,
        create: Callable[..., Any],
        data: Any,
        counted: tuple[str, str, str],
        sample: Callable[[Any], tuple[str, str, str, int] | None] | None = None,
    ) -> Any:
        """Submit a create command whose new row is then found by its marked text:
        `counted` is (table, column, marker)."""
        table, column, marker = counted
        return self.submit(
            command,
            lambda key: create(self.engine, self.user_id, data, idempotency_key=key),
            lambda _: once(command, f"select count(*) from {table} where {column} = :m", m=marker),
            sample,
        )

    def approve(self, row: dict[str, Any], comment: str) -> None:
        """Approve an expense report at its shown version, found again by the comment."""
        self.submit(
            "expense_report.approve",
            lambda key: approve_report(
                self.engine,
                self.user_id,
                row["id"],
                comment,
                expected_version=row["version"],
                idempotency_key=key,
            ),
            lambda _: once(
                "expense_report.approve",
                "select count(*) from expense_approvals where comment = :m",
                m=comment,
            ),
        )

    def step(self) -> None:
        raise NotImplementedError


def once(command: str, sql: str, **params: object) -> Success:
    return Success(command, sql, tuple(sorted(params.items())))


@dataclass
class Rep(Worker):
    projects: list[tuple[int, int]] = field(default_factory=list)  # (project, customer)
    stages: dict[int, list[str]] = field(default_factory=dict)  # project → its stage codes
    unclaimed: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__post_init__()
        with read_session(self.engine) as session:
            rows = session.execute(
                select(Project.id, Project.customer_id, Project.sales_mode_id)
                .where(Project.owner_id == self.user_id, Project.status == "open")
                .order_by(Project.id.desc())
                .limit(40)
            ).all()
            codes: dict[int, list[str]] = {}
            for mode_id, code in session.execute(
                select(Stage.sales_mode_id, Stage.code).where(
                    Stage.is_won_stage.is_(False), Stage.is_active.is_(True)
                )
            ):
                codes.setdefault(mode_id, []).append(code)
        self.projects = [(p, c) for p, c, _ in rows]
        self.stages = {p: codes[m] for p, _, m in rows}

    def step(self) -> None:
        if not self.signed_in():
            return
        roll = self.rng.random()
        if roll < 0.40 or not self.projects:
            self.open_page()
        elif roll < 0.55:
            self.log_visit()
        elif roll < 0.67:
            self.book_expense()
        elif roll < 0.75:
            self.move_stage()
        elif roll < 0.81:
            self.change_forecast()
        elif roll < 0.88:
            self.capture_lead()
        elif roll < 0.92:
            self.start_project()
        elif roll < 0.96:
            self.claim_expenses()
        else:
            self.close_project()

    def open_page(self) -> None:
        a = self.actor
        project_id = self.rng.choice(self.projects)[0] if self.projects else None
        pages: list[tuple[str, Callable[[Session], Any]]] = [
            ("rep: home", lambda s: cockpit.due_activities(s, a, utcnow())),
            ("rep: projects", lambda s: projects.projects(s, a, "zh_CN", ListRequest(mine=True))),
            ("rep: leads", lambda s: leads.leads(s, a, "zh_CN")),
            ("rep: customers", lambda s: customers.customers(s, a, "zh_CN")),
            ("rep: activities", lambda s: activities.activities(s, a)),
            ("rep: expenses", lambda s: expenses.expenses(s, a)),
            ("rep: reimbursement forms", lambda s: approvals.reports(s, a)),
        ]
        if project_id is not None:
            pages.append(
                ("rep: project workspace", lambda s: projects.project(s, a, project_id, "zh_CN"))
            )
        self.load(*self.rng.choice(pages))

    def log_visit(self) -> None:
        project_id, _ = self.rng.choice(self.projects)
        subject = self.marker("拜访")
        self.submit_marked(
            "activity.create",
            create_activity,
            ActivityInput(
                activity_type="visit", subject=subject, project_id=project_id, status="done"
            ),
            ("activities", "subject", subject),
            lambda new_id: ("activities", "fct_activities", "activity_id", new_id),
        )

    def book_expense(self) -> None:
        project_id, _ = self.rng.choice(self.projects)
        description = self.marker("差旅")
        new_id = self.submit_marked(
            "expense.create",
            create_expense,
            ExpenseInput(
                category=self.rng.choice(["travel", "meals", "transport"]),
                amount=f"{self.rng.randrange(50, 3000)}.{self.rng.randrange(100):02d}",
                incurred_date=dt.date.today(),
                project_id=project_id,
                description=description,
            ),
            ("expenses", "description", description),
            lambda new_id: ("expenses", "fct_expenses", "expense_id", new_id),
        )
        if new_id is not None:
            self.unclaimed.append(int(new_id))

    def _history(self, command: str, note: str, change_type: str) -> Success:
        return once(
            command,
            "select count(*) from project_stage_history where note = :m and change_type = :t",
            m=note,
            t=change_type,
        )

    def move_stage(self) -> None:
        project_id, _ = self.rng.choice(self.projects)
        note = self.marker("升迁")
        stage = self.rng.choice(self.stages[project_id])
        self.submit(
            "project.move_stage",
            lambda key: move_stage(
                self.engine, self.user_id, project_id, stage, note=note, idempotency_key=key
            ),
            lambda _: self._history("project.move_stage", note, "stage"),
        )

    def change_forecast(self) -> None:
        project_id, _ = self.rng.choice(self.projects)
        note = self.marker("预测")
        amount = self.rng.randrange(100, 50_000) * 1000
        self.submit(
            "project.change_forecast",
            lambda key: change_forecast(
                self.engine,
                self.user_id,
                project_id,
                expected_amount=amount,
                note=note,
                idempotency_key=key,
            ),
            lambda _: self._history("project.change_forecast", note, "amount"),
        )

    def capture_lead(self) -> None:
        company = self.marker("线索公司")
        self.submit_marked(
            "lead.create",
            create_lead,
            LeadInput(company_name=company, source="phone_inquiry", phone="010-66668888"),
            ("leads", "company_name", company),
            lambda new_id: ("leads", "fct_leads", "lead_id", new_id),
        )

    def start_project(self) -> None:
        _, customer_id = self.rng.choice(self.projects)
        name = self.marker("项目")
        new_id = self.submit_marked(
            "project.create",
            create_project,
            ProjectInput(
                name=name,
                customer_id=customer_id,
                sales_mode="si_supply",
                expected_amount=self.rng.randrange(200, 9000) * 1000,
                expected_close_date=dt.date.today() + dt.timedelta(days=90),
            ),
            ("projects", "name", name),
            lambda new_id: ("projects", "fct_opportunities", "project_id", new_id),
        )
        if new_id is not None:
            with read_session(self.engine) as session:
                mode = session.get(Project, int(new_id)).sales_mode_id  # type: ignore[union-attr]
                codes = session.scalars(
                    select(Stage.code).where(
                        Stage.sales_mode_id == mode,
                        Stage.is_won_stage.is_(False),
                        Stage.is_active.is_(True),
                    )
                ).all()
            self.projects.append((int(new_id), customer_id))
            self.stages[int(new_id)] = list(codes)

    def claim_expenses(self) -> None:
        """A reimbursement form of this run's own expenses, created and submitted."""
        if len(self.unclaimed) < 2:
            self.book_expense()
            return
        claimed, self.unclaimed = self.unclaimed, []
        title = self.marker("报销单")
        report_id = self.submit(
            "expense_report.create",
            lambda key: create_report(
                self.engine, self.user_id, title, claimed, idempotency_key=key
            ),
            lambda _: once(
                "expense_report.create",
                "select count(*) from expense_reports where title = :m",
                m=title,
            ),
        )
        if report_id is None:
            return
        self.submit(
            "expense_report.submit",
            lambda key: submit_report(self.engine, self.user_id, report_id, idempotency_key=key),
            lambda _: once(
                "expense_report.submit",
                "select count(*) from expense_approvals where report_id = :r and step = 'submit'",
                r=report_id,
            ),
        )

    def close_project(self) -> None:
        index = self.rng.randrange(len(self.projects))
        project_id, _ = self.projects.pop(index)
        note = self.marker("结案")
        if self.rng.random() < 0.5:
            self.submit(
                "project.close_lost",
                lambda key: close_lost(
                    self.engine,
                    self.user_id,
                    project_id,
                    "price_too_high",
                    note=note,
                    idempotency_key=key,
                ),
                lambda _: self._history("project.close_lost", note, "lost"),
            )
        else:
            self.submit(
                "project.close_won",
                lambda key: close_won(
                    self.engine,
                    self.user_id,
                    project_id,
                    CloseWonInput(
                        amount=self.rng.randrange(100, 9000) * 1000,
                        signed_date=dt.date.today(),
                        notes=note,
                    ),
                    idempotency_key=key,
                ),
                lambda _: self._history("project.close_won", note, "won"),
            )


@dataclass
class Manager(Worker):
    def step(self) -> None:
        if not self.signed_in():
            return
        a = self.actor
        roll = self.rng.random()
        if roll < 0.5:
            page, query = self.rng.choice(
                [
                    ("manager: projects (team)", lambda s: projects.projects(s, a, "zh_CN")),
                    ("manager: lead queue", lambda s: leads.lead_queue(s, a, "zh_CN")),
                    ("manager: approvals", lambda s: approvals.approval_queue(s, a)),
                ]
            )
            self.load(page, query)
        elif roll < 0.8:
            queue = self.load("manager: approvals", lambda s: approvals.approval_queue(s, a))
            if queue and queue.rows:
                self.sign(self.rng.choice(queue.rows))
        else:
            queue = self.load("manager: lead queue", lambda s: leads.lead_queue(s, a, "zh_CN"))
            if queue and queue.rows:
                self.qualify(self.rng.choice(queue.rows)["id"])

    def sign(self, row: dict[str, Any]) -> None:
        self.approve(row, self.marker("同意"))

    def qualify(self, lead_id: int) -> None:
        name = self.marker("认定项目")
        self.submit(
            "lead.qualify",
            lambda key: qualify_lead(
                self.engine,
                self.user_id,
                lead_id,
                QualifyInput(
                    name=name,
                    sales_mode="si_supply",
                    expected_amount=self.rng.randrange(200, 9000) * 1000,
                    expected_close_date=dt.date.today() + dt.timedelta(days=120),
                    customer_type="end_user",
                    industry="power",
                    region="north_china",
                ),
                idempotency_key=key,
            ),
            lambda _: once("lead.qualify", "select count(*) from projects where name = :m", m=name),
            lambda result: ("projects", "fct_opportunities", "project_id", result["project_id"]),
        )


@dataclass
class Finance(Worker):
    def step(self) -> None:
        if not self.signed_in():
            return
        a = self.actor
        queue = self.load("finance: approvals", lambda s: approvals.approval_queue(s, a))
        if not queue or not queue.rows or self.rng.random() < 0.3:
            return
        row = self.rng.choice(queue.rows)
        self.load("finance: voucher", lambda s: approvals.report(s, a, row["id"]))
        if row["status"] == "manager_approved":
            self.approve(row, self.marker("财务审核"))
        else:
            self.submit(
                "expense_report.pay",
                lambda key: mark_paid(
                    self.engine,
                    self.user_id,
                    row["id"],
                    expected_version=row["version"],
                    idempotency_key=key,
                ),
                lambda _: once(
                    "expense_report.pay",
                    "select count(*) from expense_approvals "
                    "where report_id = :r and step = 'payment'",
                    r=row["id"],
                ),
            )


@dataclass
class Steward(Worker):
    def step(self) -> None:
        if not self.signed_in():
            return
        a = self.actor
        if self.rng.random() < 0.6:
            self.load("steward: customers (all)", lambda s: customers.customers(s, a, "zh_CN"))
            return
        name = self.marker("正式客户")
        self.submit_marked(
            "customer.create",
            create_customer,
            CustomerInput(
                name=name,
                customer_type="end_user",
                industry="power",
                region="north_china",
                status="formal",
            ),
            ("customers", "name", name),
        )


ROLES: dict[str, type[Worker]] = {
    "rep": Rep,
    "manager": Manager,
    "finance": Finance,
    "data_steward": Steward,
}


def work_until(worker: Worker, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            worker.step()
        except Exception as error:  # a bug in the simulation itself must not go unseen
            worker.ledger.error(worker.name, "simulation", error)
