"""What the simulated day produced, collected from every thread: each success with the
key that finds it in the store, each error a user saw, each timing, each lag sample."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from crm.bench.common import percentile
from ingest.commands.base import CommandError

# A refusal the user can act on is a field-level message. "conflict" is different: the
# database refused a write the command did not foresee (its message carries the SQL
# error), so it counts as a failure like any exception that is not a CommandError. So do
# "try again" answers: a busy or unreachable store is never the user's input's fault.
NOT_THE_USERS_FAULT = frozenset({"conflict", "store_busy", "store_unavailable"})


@dataclass(frozen=True)
class Success:
    """A command a user was told succeeded, and how to find its effect in the store:
    `count_sql` must count exactly `expected` rows for it (`params` bound)."""

    command: str
    count_sql: str
    params: tuple[tuple[str, object], ...]
    expected: int = 1


@dataclass
class Sample:
    """A committed row whose arrival on the dashboards is timed (refresh lag)."""

    table: str  # the mart that shows it
    key_column: str
    key: int
    change_seq: int
    committed_at: float  # time.time()
    seen_at: float | None = None
    reported_missing: bool = False  # a snapshot lacking it was reported (once)


@dataclass
class Ledger:
    successes: list[Success] = field(default_factory=list)
    timings_ms: dict[str, list[float]] = field(default_factory=dict)
    refusals: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def timed(self, name: str, began: float) -> None:
        elapsed = (time.perf_counter() - began) * 1000
        with self.lock:
            self.timings_ms.setdefault(name, []).append(elapsed)

    def succeeded(self, success: Success) -> None:
        with self.lock:
            self.successes.append(success)

    def error(self, who: str, what: str, error: Exception) -> None:
        """Every error a user saw: a refusal with field messages is their input's (or a
        colleague's concurrent edit's) and is counted; anything else is a failure."""
        with self.lock:
            if isinstance(error, CommandError) and not (
                set(error.codes.values()) & NOT_THE_USERS_FAULT
            ):
                for code in error.codes.values():
                    self.refusals[f"{what}: {code}"] += 1
            else:
                self.failures.append(f"{who} {what}: {type(error).__name__}: {error}"[:400])

    def failed(self, text: str) -> None:
        with self.lock:
            self.failures.append(text[:400])

    def sample(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def pending(self) -> list[Sample]:
        with self.lock:
            return [s for s in self.samples if s.seen_at is None]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": round(percentile(values, 0.50), 1),
        "p95": round(percentile(values, 0.95), 1),
        "max": round(max(values, default=0.0), 1),
    }
