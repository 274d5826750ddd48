"""`crm bench store`: latency of single domain commands and throughput of concurrent writers.

Runs against the configured store (seed it first to measure a large one). Bench accounts
`bench_*` are created on first use; everything the bench writes goes through the same
domain commands as the apps.

Every write transaction holds the store's write lock (on PostgreSQL, the change counter's
row lock) from drawing its change number to its commit, so writers can never together go
faster than one over that hold time. The bench measures the hold for each count of writers
(`--writers 16,64,256`) and reports that bound beside the throughput it reached.
"""

from __future__ import annotations

import datetime as dt
import platform
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from sqlalchemy import Engine, create_engine, event, func, select

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


# A PostgreSQL server's connections are few (100 by default): a count of writers above
# what one process's pool holds shares this many, as app replicas behind one server would.
MAX_CONNECTIONS = 80


@dataclass
class StoreBench:
    store: str
    projects_in_store: int
    customers_in_store: int
    latency_ms: dict[str, dict[str, float]]
    concurrent: list[dict[str, float | int]]
    machine: str = field(default_factory=platform.platform)

    def summary(self) -> str:
        overall = self.latency_ms["all"]
        lines = [
            f"store bench ({self.store}, {self.projects_in_store} projects): "
            f"p50 {overall['p50']:.1f} ms, p95 {overall['p95']:.1f} ms over {overall['n']:.0f} "
            "commands"
        ]
        lines += [
            f"{c['writers']:>4} writers: {c['throughput_per_s']:.0f} commands/s "
            f"(p95 {c['latency_p95_ms']:.0f} ms), write lock held p50 "
            f"{c['lock_held_p50_ms']:.2f} ms, p95 {c['lock_held_p95_ms']:.2f} ms: at most "
            f"{c['lock_bound_per_s']:.0f} commands/s; {c['errors']} errors, {c['lost']} lost"
            for c in self.concurrent
        ]
        return "\n".join(lines)


def lock_holds(engine: Engine) -> tuple[list[float], Callable[[], None]]:
    """Seconds each write transaction on `engine` held the write lock, from drawing its
    change number to returning its connection after the commit; and a function that stops
    the watching."""
    holds: list[float] = []

    def taken(conn, cursor, statement, *_: object) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().startswith("UPDATE change_counter"):
            conn.info["lock_taken"] = time.perf_counter()

    def released(_dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
        began = record.info.pop("lock_taken", None)
        if began is not None:
            holds.append(time.perf_counter() - began)

    event.listen(engine, "after_cursor_execute", taken)
    event.listen(engine.pool, "checkin", released)

    def stop() -> None:
        event.remove(engine, "after_cursor_execute", taken)
        event.remove(engine.pool, "checkin", released)

    return holds, stop


def writers_engine(engine: Engine, writers: int) -> Engine:
    """`engine`, or on PostgreSQL, when `writers` outnumber its pool, an engine whose pool
    gives each writer a connection, up to MAX_CONNECTIONS (dispose of it after)."""
    if engine.dialect.name == "sqlite" or writers <= engine.pool.size():
        return engine
    return create_engine(
        engine.url, pool_size=min(writers, MAX_CONNECTIONS), max_overflow=0, pool_pre_ping=True
    )


def run_store_bench(
    ops: int,
    writers: list[int],
    seconds: float,
    out: str | None,
    engine: Engine | None = None,
) -> StoreBench:
    engine = engine or get_engine()
    reps = bench_reps(engine, max(writers))
    timings = timed_commands(engine, reps[0], ops)
    every = [t for values in timings.values() for t in values]
    latency = {
        name: {"n": len(v), "p50": percentile(v, 0.5), "p95": percentile(v, 0.95)}
        for name, v in {**timings, "all": every}.items()
    }
    concurrent = []
    for count in writers:
        writing = writers_engine(engine, count)
        concurrent.append(_concurrent(writing, reps, count, seconds))
        if writing is not engine:
            writing.dispose()
    with read_session(engine) as session:
        projects = session.scalar(select(func.count()).select_from(Project))
        customers = session.scalar(select(func.count()).select_from(Customer))
    result = StoreBench(
        store=engine.url.render_as_string(hide_password=True),
        projects_in_store=projects or 0,
        customers_in_store=customers or 0,
        latency_ms=latency,
        concurrent=concurrent,
    )
    write_figures(out, "store", asdict(result), indent=2, ensure_ascii=False)
    return result


def _concurrent(engine: Engine, reps: list[int], writers: int, seconds: float) -> dict:
    """`writers` threads creating customers for `seconds`: throughput, latency, how long
    each held the write lock, and whether every created customer is in the store."""
    latencies: list[float] = []

    def write(thread_no: int, i: int) -> int:
        began = time.perf_counter()
        created = create_customer(
            engine, reps[thread_no], _customer(i), idempotency_key=f"bench-{uuid.uuid4().hex}"
        )
        latencies.append(time.perf_counter() - began)
        return created

    holds, stop_watching = lock_holds(engine)
    try:
        run = concurrent_writers(writers, seconds, write)
    finally:
        stop_watching()
    with read_session(engine) as session:
        stored = session.scalar(
            select(func.count()).select_from(Customer).where(Customer.id.in_(run.created_ids))
        )
    held = sum(holds) / len(holds) if holds else 0.0
    return {
        "writers": writers,
        "seconds": round(run.seconds, 2),
        "submitted": run.submitted,
        "throughput_per_s": run.throughput,
        "latency_p50_ms": percentile(latencies, 0.5) * 1000,
        "latency_p95_ms": percentile(latencies, 0.95) * 1000,
        "lock_held_p50_ms": percentile(holds, 0.5) * 1000,
        "lock_held_p95_ms": percentile(holds, 0.95) * 1000,
        "lock_bound_per_s": 1 / held if held else 0.0,
        "errors": len(run.errors),
        "lost": run.submitted - (stored or 0),
    }
