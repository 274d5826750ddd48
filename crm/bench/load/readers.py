"""Dashboard readers during the load: every query of a dashboards page, run against the
published snapshot exactly as the dashboards run it (warehouse.reader: the pointer read
per query, one read-only connection per snapshot version), uncached, for an executive,
a manager and a rep in turn.

Between pages each reader checks what it is reading, in one statement on one connection:
the snapshot's own record (`_snapshot`: version, change_seq) must be the one the pointer
named, the totals of a version must be the same for every reader that ever reads it (a
half-published file would differ), versions never go backwards, and every sampled row the
snapshot claims to include (its change_seq at or below the snapshot's) must be there. The
first time a reader finds a sampled row is when that entry became visible: its refresh lag.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from crm.bench.dashboards import PAGE_QUERIES
from crm.bench.load.ledger import Ledger
from ingest.commands.base import Actor
from warehouse import reader
from warehouse.scope import Filters

IDENTITY = """
    select
        (select max(version) from _snapshot) as version,
        (select max(change_seq) from _snapshot) as change_seq,
        (select count(*) from fct_opportunities) as projects,
        (select coalesce(sum(expected_amount), 0) from fct_opportunities) as pipeline_amount,
        (select count(*) from fct_activities) as activities,
        (select count(*) from fct_expenses) as expenses,
        (select coalesce(sum(amount), 0) from fct_expenses) as expense_amount,
        (select count(*) from fct_leads) as leads
"""


@dataclass
class Versions:
    """What each snapshot version held, as first read by any reader."""

    totals: dict[int, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def agree(self, version: int, totals: dict[str, Any]) -> dict[str, Any] | None:
        """None when these totals match the version's; else what was read before."""
        with self.lock:
            first = self.totals.setdefault(version, totals)
        return None if first == totals else first


@dataclass
class DashboardReader:
    number: int
    scenarios: list[tuple[str, Filters, Actor]]
    ledger: Ledger
    versions: Versions
    pages_read: int = 0
    last_version: int = 0

    def run(self, stop: threading.Event) -> None:
        pages = list(PAGE_QUERIES)
        turn = self.number
        while not stop.is_set():
            page = pages[turn % len(pages)]
            who, filters, actor = self.scenarios[turn % len(self.scenarios)]
            turn += 1
            self.read_page(page, who, filters, actor)
            self.check_snapshot()

    def read_page(self, page: str, who: str, filters: Filters, actor: Actor) -> None:
        began = time.perf_counter()
        for name, query in PAGE_QUERIES[page]:
            try:
                query(filters, actor)
            except Exception as error:  # no dashboard query may fail, of any kind
                self.ledger.failed(
                    f"dashboard reader {self.number} {page}/{name} ({who}): "
                    f"{type(error).__name__}: {error}"
                )
                return
        self.ledger.timed(f"dashboard {page}", began)
        self.pages_read += 1

    def check_snapshot(self) -> None:
        try:
            snapshot = reader.current()
            found = reader.record(snapshot, IDENTITY)
            if (found["version"], found["change_seq"]) != (snapshot.version, snapshot.change_seq):
                self.ledger.failed(
                    f"dashboard reader {self.number}: the pointer names v{snapshot.version} "
                    f"(change_seq {snapshot.change_seq}), the file holds v{found['version']} "
                    f"(change_seq {found['change_seq']})"
                )
            if snapshot.version < self.last_version:
                self.ledger.failed(
                    f"dashboard reader {self.number}: v{snapshot.version} "
                    f"after v{self.last_version}"
                )
            self.last_version = max(self.last_version, snapshot.version)
            before = self.versions.agree(snapshot.version, found)
            if before is not None:
                self.ledger.failed(
                    f"dashboard reader {self.number}: v{snapshot.version} read {found}, "
                    f"earlier {before}"
                )
            self.look_for_samples(snapshot)
        except Exception as error:  # no dashboard query may fail, of any kind
            self.ledger.failed(
                f"dashboard reader {self.number} snapshot check: {type(error).__name__}: {error}"
            )

    def look_for_samples(self, snapshot: reader.Snapshot) -> None:
        pending = self.ledger.pending()
        by_mart: dict[tuple[str, str], list[int]] = {}
        for sample in pending:
            by_mart.setdefault((sample.table, sample.key_column), []).append(sample.key)
        present: set[tuple[str, int]] = set()
        for (mart, column), keys in by_mart.items():
            listed = ", ".join(str(int(k)) for k in keys)
            for (key,) in reader.rows(
                snapshot, f"select {column} from {mart} where {column} in ({listed})"
            ):
                present.add((mart, int(key)))
        now = time.time()
        with self.ledger.lock:
            for sample in pending:
                if (sample.table, sample.key) in present:
                    if sample.seen_at is None:
                        sample.seen_at = now
                elif sample.change_seq <= snapshot.change_seq and not sample.reported_missing:
                    sample.reported_missing = True
                    self.ledger.failures.append(
                        f"dashboard reader {self.number}: v{snapshot.version} includes "
                        f"change_seq {snapshot.change_seq} but lacks {sample.table} "
                        f"{sample.key} (change_seq {sample.change_seq})"
                    )
