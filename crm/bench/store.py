"""`crm bench store`: latency of single domain commands and throughput of concurrent writers.

Runs against the configured store (seed it first to measure a large one). Bench accounts
`bench_*` are created on first use; everything the bench writes goes through the same
domain commands as the apps.
"""

from __future__ import annotations

import datetime as dt
import platform
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from sqlalchemy import Engine, func, select

from crm.bench.common import percentile, write_figures
from ingest.commands.activities import ActivityInput, create_activity
from ingest.commands.customers import ContactInput, CustomerInput, create_contact, create_customer
from ingest.commands.expenses import ExpenseInput, create_expense
from ingest.commands.leads import LeadInput, create_lead
from ingest.commands.projects import ProjectInput, create_project, move_stage
from ingest.commands.users import UserInput, add_user
from ingest.store.db import get_engine, read_session
from ingest.store.models import Customer, Project, User

BENCH_PASSWORD = "bench-password-1"


@dataclass
class ConcurrentRun:
    threads: int
    seconds: float
    submitted: int = 0
    errors: list[str] = field(default_factory=list)
    created_ids: list[int] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return self.submitted / self.seconds if self.seconds else 0.0


def concurrent_writers(
    threads: int,
    seconds: float,
    write: Callable[[int, int], int],
    stop: threading.Event | None = None,
) -> ConcurrentRun:
    """Run `write(thread_no, i)` in `threads` threads for `seconds` (or until `stop` is
    set); collect ids and errors."""
    run = ConcurrentRun(threads=threads, seconds=seconds)
    began = time.perf_counter()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    start = threading.Barrier(threads)

    def worker(thread_no: int) -> None:
        start.wait()
        i = 0
        while time.perf_counter() < deadline and not (stop and stop.is_set()):
            try:
                new_id = write(thread_no, i)
            except Exception as error:  # a benchmark records every failure, of any kind
                with lock:
                    run.errors.append(f"{type(error).__name__}: {error}"[:300])
            else:
                with lock:
                    run.submitted += 1
                    run.created_ids.append(new_id)
            i += 1

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    run.seconds = time.perf_counter() - began
    return run


def bench_reps(engine: Engine, count: int) -> list[int]:
    """The bench's own manager and reps, created once per store."""
    with read_session(engine) as session:
        existing = dict(
            session.execute(
                select(User.username, User.id).where(User.username.like("bench_%"))
            ).all()
        )
    if "bench_manager" not in existing:
        existing["bench_manager"] = add_user(
            engine, None, _bench_user("bench_manager", "manager", None), source="bench"
        )
    reps = []
    for n in range(count):
        name = f"bench_rep_{n}"
        if name not in existing:
            existing[name] = add_user(
                engine, None, _bench_user(name, "rep", existing["bench_manager"]), source="bench"
            )
        reps.append(existing[name])
    return reps


def _bench_user(name: str, role: str, manager_id: int | None) -> UserInput:
    return UserInput(
        username=name,
        display_name=name,
        role=role,
        password=BENCH_PASSWORD,
        department="north",
        region="north_china",
        manager_id=manager_id,
        industries=["power"],
    )


def _customer(n: int) -> CustomerInput:
    return CustomerInput(
        name=f"压测客户{n}",
        customer_type="end_user",
        industry="power",
        region="north_china",
    )


def timed_commands(engine: Engine, rep_id: int, ops: int) -> dict[str, list[float]]:
    """Time a rep's daily mix (capture a lead, log a visit, move a stage, book an expense,
    add a customer and a contact), `ops` commands in all, each through its domain command."""
    timings: dict[str, list[float]] = {}

    def timed(name: str, call: Callable[[], object]) -> object:
        began = time.perf_counter()
        result = call()
        timings.setdefault(name, []).append((time.perf_counter() - began) * 1000)
        return result

    customer_id = create_customer(engine, rep_id, _customer(0))
    project_id = create_project(
        engine,
        rep_id,
        ProjectInput(
            name="压测项目",
            customer_id=customer_id,
            sales_mode="si_supply",
            expected_amount="1200000",
            expected_close_date=dt.date.today() + dt.timedelta(days=90),
        ),
    )
    stages = ["si_presales_proposal", "si_proposal_delivered"]
    mix: list[tuple[str, Callable[[int], object]]] = [
        (
            "lead.create",
            lambda n: create_lead(
                engine,
                rep_id,
                LeadInput(company_name=f"压测线索{n}", source="phone_inquiry", phone="13800000000"),
                idempotency_key=uuid.uuid4().hex,
            ),
        ),
        (
            "activity.create",
            lambda n: create_activity(
                engine,
                rep_id,
                ActivityInput(
                    activity_type="visit", subject=f"拜访{n}", project_id=project_id, status="done"
                ),
            ),
        ),
        (
            "project.move_stage",
            lambda n: move_stage(engine, rep_id, project_id, stages[n // len(mix) % 2]),
        ),
        (
            "expense.create",
            lambda n: create_expense(
                engine,
                rep_id,
                ExpenseInput(
                    category="travel",
                    amount="356.50",
                    incurred_date=dt.date.today(),
                    project_id=project_id,
                ),
            ),
        ),
        ("customer.create", lambda n: create_customer(engine, rep_id, _customer(n))),
        (
            "contact.create",
            lambda n: create_contact(
                engine,
                rep_id,
                ContactInput(customer_id=customer_id, name="李工", phone="010-66668888"),
            ),
        ),
    ]
    for n in range(ops):
        name, call = mix[n % len(mix)]
        timed(name, lambda call=call, n=n: call(n))
    return timings


@dataclass
class StoreBench:
    store: str
    projects_in_store: int
    customers_in_store: int
    latency_ms: dict[str, dict[str, float]]
    concurrent: dict[str, float | int]
    machine: str = field(default_factory=platform.platform)

    def summary(self) -> str:
        overall = self.latency_ms["all"]
        c = self.concurrent
        return (
            f"store bench ({self.store}, {self.projects_in_store} projects): "
            f"p50 {overall['p50']:.1f} ms, p95 {overall['p95']:.1f} ms over {overall['n']:.0f} "
            f"commands; {c['threads']} writers: {c['throughput_per_s']:.0f} commands/s, "
            f"{c['errors']} errors, {c['lost']} lost"
        )


def run_store_bench(
    ops: int, threads: int, seconds: float, out: str | None, engine: Engine | None = None
) -> StoreBench:
    engine = engine or get_engine()
    reps = bench_reps(engine, threads)
    timings = timed_commands(engine, reps[0], ops)
    every = [t for values in timings.values() for t in values]
    latency = {
        name: {"n": len(v), "p50": percentile(v, 0.5), "p95": percentile(v, 0.95)}
        for name, v in {**timings, "all": every}.items()
    }

    def write(thread_no: int, i: int) -> int:
        return create_customer(
            engine,
            reps[thread_no],
            _customer(i),
            idempotency_key=f"bench-{uuid.uuid4().hex}",
        )

    run = concurrent_writers(threads, seconds, write)
    with read_session(engine) as session:
        stored = session.scalar(
            select(func.count()).select_from(Customer).where(Customer.id.in_(run.created_ids))
        )
        projects = session.scalar(select(func.count()).select_from(Project))
        customers = session.scalar(select(func.count()).select_from(Customer))
    result = StoreBench(
        store=engine.url.render_as_string(hide_password=True),
        projects_in_store=projects or 0,
        customers_in_store=customers or 0,
        latency_ms=latency,
        concurrent={
            "threads": threads,
            "seconds": seconds,
            "submitted": run.submitted,
            "throughput_per_s": run.throughput,
            "errors": len(run.errors),
            "lost": run.submitted - (stored or 0),
        },
    )
    write_figures(out, "store", asdict(result), indent=2, ensure_ascii=False)
    return result
