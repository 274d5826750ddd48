"""`crm bench signin`: does a flood of wrong passwords slow the office down?

Eight writers run the same domain command back to back, first quietly, then while
`attempts` wrong-password sign-ins arrive from several addresses. The figures are the
writers' latency in both phases; the checks are the flood's outcome: every attempt in
the audit log, the addresses that kept failing throttled, and `admin` still able to sign
in from a clean address.
"""

from __future__ import annotations

import platform
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field

from sqlalchemy import Engine, func, select

from crm.bench.common import percentile, write_figures
from crm.bench.store import _customer, bench_reps, concurrent_writers
from ingest.auth.signin import sign_in
from ingest.commands.customers import create_customer
from ingest.commands.users import UserInput, add_user
from ingest.store.db import current_change_seq, get_engine, read_session
from ingest.store.models import AuditLog, User


@dataclass
class SignInFlood:
    store: str
    writers: int
    attempts: int
    addresses: int
    quiet_ms: dict[str, float]
    flood_ms: dict[str, float]
    flood_seconds: float
    writer_errors: list[str]
    writes: int
    change_numbers_drawn: int
    audited_attempts: int
    throttled_attempts: int
    admin_signed_in: bool
    machine: str = field(default_factory=platform.platform)

    def summary(self) -> str:
        return (
            f"sign-in flood ({self.attempts} wrong passwords from {self.addresses} addresses, "
            f"{self.flood_seconds:.1f} s): {self.writers} writers p95 "
            f"{self.quiet_ms['p95']:.1f} ms quiet, {self.flood_ms['p95']:.1f} ms during; "
            f"{len(self.writer_errors)} writer errors; {self.audited_attempts} attempts audited, "
            f"{self.throttled_attempts} throttled; admin from a clean address: "
            f"{'signed in' if self.admin_signed_in else 'REFUSED'}"
        )


def run_signin_flood(
    admin: str,
    admin_password: str,
    *,
    attempts: int = 200,
    addresses: int = 5,
    writers: int = 8,
    flooders: int = 4,
    engine: Engine | None = None,
    out: str | None = None,
) -> SignInFlood:
    """The scenario; `admin` and `admin_password` name a real administrator account, the
    flood's favourite target."""
    engine = engine or get_engine()
    reps = bench_reps(engine, writers)
    before = _counts(engine)

    latencies: list[float] = []
    lock = threading.Lock()

    def write(thread_no: int, i: int) -> int:
        began = time.perf_counter()
        new_id = create_customer(
            engine, reps[thread_no], _customer(i), idempotency_key=f"flood-{uuid.uuid4().hex}"
        )
        with lock:
            latencies.append((time.perf_counter() - began) * 1000)
        return new_id

    # The flood first, timed, while the writers work; then as long again, quietly.
    flood_done = threading.Event()
    flood_seconds: list[float] = []

    def flood() -> None:
        began = time.perf_counter()
        pending = iter(range(attempts))
        pending_lock = threading.Lock()

        def attacker() -> None:
            while True:
                with pending_lock:
                    n = next(pending, None)
                if n is None:
                    return
                target = admin if n % 2 else f"user{n % 7}"
                sign_in(target, f"guess-{n:04d}-pw", f"198.51.100.{n % addresses}", engine)

        pool = [threading.Thread(target=attacker) for _ in range(flooders)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        flood_seconds.append(time.perf_counter() - began)
        flood_done.set()

    flooder = threading.Thread(target=flood)
    flooder.start()
    during = concurrent_writers(writers, 3600.0, write, stop=flood_done)
    flooder.join()
    flood_latencies, latencies[:] = list(latencies), []
    quiet = concurrent_writers(writers, flood_seconds[0], write)
    admin_in = sign_in(admin, admin_password, "10.20.30.40", engine) is not None

    after = _counts(engine)
    result = SignInFlood(
        store=engine.url.render_as_string(hide_password=True),
        writers=writers,
        attempts=attempts,
        addresses=addresses,
        quiet_ms=_summary(latencies),
        flood_ms=_summary(flood_latencies),
        flood_seconds=round(flood_seconds[0], 2),
        writer_errors=during.errors + quiet.errors,
        writes=during.submitted + quiet.submitted,
        change_numbers_drawn=after["change_seq"] - before["change_seq"],
        audited_attempts=after["failed"] - before["failed"],
        throttled_attempts=after["throttled"] - before["throttled"],
        admin_signed_in=admin_in,
    )
    write_figures(out, "signin", asdict(result), indent=2, ensure_ascii=False)
    return result


def bench_admin(engine: Engine) -> tuple[str, str]:
    """The bench's own administrator (created once per store) and its password."""
    name, password = "bench_admin", "flood-bench-Adm1n-pass"
    with read_session(engine) as session:
        exists = session.scalar(select(User.id).where(User.username == name))
    if exists is None:
        add_user(
            engine,
            None,
            UserInput(name, name, "admin", password, must_change_password=False),
            source="bench",
        )
    return name, password


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": round(percentile(values, 0.5), 2),
        "p95": round(percentile(values, 0.95), 2),
    }


def _counts(engine: Engine) -> dict[str, int]:
    with read_session(engine) as session:
        failed = select(func.count()).select_from(AuditLog)
        failed = failed.where(AuditLog.action == "session.sign_in_failed")
        throttled = failed.where(AuditLog.after.like('%"throttled": true%'))
        return {
            "change_seq": current_change_seq(session),
            "failed": session.scalar(failed) or 0,
            "throttled": session.scalar(throttled) or 0,
        }
