"""`crm bench load`: a working day, compressed.

Sixteen signed-in users (10 reps, 3 managers, 2 finance, 1 data steward; staff.py) issue
domain commands and open pages, 4 dashboard readers run every page's queries on the
published snapshot (readers.py), incremental refreshes run back to back through Dagster in
a process of their own (refresher.py), and the data steward imports a generated customer
file (bulk_import.py) — all at once, for the given number of seconds. Then a final
refresh, and the checks:
- every command a user was told succeeded is in the store exactly once;
- the marts reconcile exactly with the store (orchestration.reconcile);
- no user saw an error that was not a field-level refusal of their input;
- no dashboard query failed or read a snapshot other than one whole published version.
Figures: throughput, p95 per command and per page, refresh count and durations, and the
refresh lag (a sampled entry's commit → the first reader that finds it) p50/p95.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, text

from crm.bench.common import percentile, seeded_store
from crm.bench.load.bulk_import import run_import
from crm.bench.load.ledger import Ledger, summary
from crm.bench.load.readers import DashboardReader, Versions
from crm.bench.load.staff import ROLES, Worker, choose_staff, work_until
from ingest.settings import data_dir

IMPORT_ROWS = {"tiny": 500, "small": 3_000, "large": 20_000}
READERS = 4


def prepare(profile: str, seed: int) -> Path:
    """A fresh copy of a seeded, fully refreshed store for the profile: every run works on
    its own copy of the one the benchmarks share."""
    # Refreshed as of today, as the load's own refreshes are.
    cache = seeded_store(
        f"load-{profile}-seeded", profile, seed, refreshed=True, refresh_as_of_seed=False
    )
    run = data_dir() / "bench" / f"load-{profile}"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    for name in ("crm.db", "crm.db-wal"):  # a WAL not yet checkpointed is part of the store
        if (cache / name).exists():
            shutil.copy2(cache / name, run / name)
    shutil.copytree(cache / "warehouse", run / "warehouse")
    return run


def use_folder(folder: Path) -> Engine:
    """Point this process (settings, dashboards' reader, Dagster) at the run's folder."""
    from ingest.store.db import get_engine
    from warehouse import reader

    os.environ["CRM_DATA_DIR"] = str(folder)
    os.environ["CRM_STORE_URL"] = f"sqlite:///{folder / 'crm.db'}"
    os.environ["DAGSTER_HOME"] = str(folder / "dagster")
    reader.clear()
    return get_engine(os.environ["CRM_STORE_URL"])


class Refresher:
    """The back-to-back refreshes in their child process, and what each one reported."""

    def __init__(self, folder: Path) -> None:
        self.stop_file = folder / "refresh.stop"
        self.stop_file.unlink(missing_ok=True)
        self.runs: list[dict[str, Any]] = []
        self.child = subprocess.Popen(
            [sys.executable, "-m", "crm.bench.load.refresher", str(self.stop_file)],
            env=dict(os.environ),
            stdout=subprocess.PIPE,
            text=True,
        )
        self.listener = threading.Thread(target=self._listen, daemon=True)
        self.listener.start()

    def _listen(self) -> None:
        assert self.child.stdout is not None
        for line in self.child.stdout:
            if line.startswith("{"):
                self.runs.append(json.loads(line))

    def stop(self) -> None:
        """Let the refresh under way finish, then end the loop."""
        self.stop_file.touch()
        self.child.wait()
        self.listener.join()


def run_load(
    folder: Path,
    *,
    seconds: float,
    import_rows: int,
    out: Path,
    progress: Any = print,
) -> dict[str, Any]:
    """The day on the prepared store in `folder` (its store and a published snapshot)."""
    from crm.bench.dashboards import scenarios
    from orchestration import snapshots
    from orchestration.dagster_refresh import run_refresh_job
    from orchestration.reconcile import reconcile

    engine = use_folder(folder)
    ledger = Ledger()
    staff = choose_staff(engine)
    workers = [
        ROLES[role](user_id, role, engine, ledger, random.Random(n))
        for n, (role, user_id) in enumerate(staff.everyone)
    ]
    versions = Versions()
    readers = [DashboardReader(n, scenarios(engine), ledger, versions) for n in range(READERS)]
    first_version = snapshots.current().version
    progress(
        f"{len(workers)} users, {READERS} dashboard readers, refreshes, an import of "
        f"{import_rows:,} customers: {seconds:.0f} s"
    )

    stop = threading.Event()
    refresher = Refresher(folder)
    imported: dict[str, Any] = {}

    def import_later() -> None:
        if not stop.wait(seconds * 0.2):
            names = _usernames(engine, [*staff.reps, *staff.stewards])
            imported.update(run_import(folder, import_rows, names[:-1], names[-1], ledger))

    threads = [
        *(threading.Thread(target=work_until, args=(w, stop)) for w in workers),
        *(threading.Thread(target=r.run, args=(stop,)) for r in readers),
        threading.Thread(target=import_later),
    ]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    stop.wait(seconds)
    stop.set()
    elapsed = time.perf_counter() - began
    for thread in threads:
        thread.join()  # what is under way finishes (the import too): counted, not timed
    drained = time.perf_counter() - began - elapsed
    stopped_at = time.time()
    progress(
        f"users stopped after {elapsed:.0f} s (+{drained:.0f} s to finish what was under "
        "way); waiting for the refresh under way"
    )
    refresher.stop()

    final_began = time.perf_counter()
    final = run_refresh_job(full=False)
    final_seconds = time.perf_counter() - final_began
    for dashboard in readers:
        dashboard.check_snapshot()  # the rows only the final refresh brought
    progress("final refresh done; checking the store and the marts")

    missing = exactly_once(engine, ledger)
    snapshot = snapshots.current()
    problems = reconcile(engine, snapshot.path, dt.date.fromisoformat(snapshot.as_of_date))
    for run in refresher.runs:
        if "error" in run:
            ledger.failed(f"refresh failed: {run['error']}")
    result = figures(
        ledger,
        workers,
        readers,
        refresher.runs,
        elapsed,
        imported,
        final_seconds=final_seconds,
        drained=drained,
        stopped_at=stopped_at,
        versions=(first_version, final.snapshot.version if final.snapshot else None),
    )
    result["successes_by_command"] = dict(
        sorted(Counter(s.command for s in ledger.successes).items())
    )
    result["checks"] = {
        "successes": len(ledger.successes),
        "not_exactly_once": missing,
        "reconciliation": problems,
        "user_errors_not_their_input": [f for f in ledger.failures if "dashboard" not in f],
        "dashboard_failures": [f for f in ledger.failures if "dashboard" in f],
        "refusals": dict(ledger.refusals.most_common()),
    }
    result["ok"] = not (missing or problems or ledger.failures)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    result["path"] = str(out)
    return result


def _usernames(engine: Engine, user_ids: list[int]) -> list[str]:
    """The usernames of `user_ids`, in that order."""
    with engine.connect() as conn:
        names = dict(
            conn.execute(
                text("select id, username from users where id in :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": user_ids},
            ).all()
        )
    return [names[u] for u in user_ids]


def exactly_once(engine: Engine, ledger: Ledger) -> list[str]:
    """Each success counted in the store; the ones not found exactly as often as expected."""
    wrong = []
    with engine.connect() as conn:
        for success in ledger.successes:
            count = conn.execute(text(success.count_sql), dict(success.params)).scalar_one()
            if count != success.expected:
                wrong.append(
                    f"{success.command} {dict(success.params)}: {count} rows, "
                    f"expected {success.expected}"
                )
    return wrong


def figures(
    ledger: Ledger,
    workers: list[Worker],
    readers: list[DashboardReader],
    refreshes: list[dict[str, Any]],
    elapsed: float,
    imported: dict[str, Any],
    *,
    final_seconds: float,
    drained: float,
    stopped_at: float,
    versions: tuple[int, int | None],
) -> dict[str, Any]:
    commands = {
        k.removeprefix("command "): v
        for k, v in ledger.timings_ms.items()
        if k.startswith("command ")
    }
    pages = {
        k.removeprefix("page "): v for k, v in ledger.timings_ms.items() if k.startswith("page ")
    }
    dashboards = {
        k.removeprefix("dashboard "): v
        for k, v in ledger.timings_ms.items()
        if k.startswith("dashboard ")
    }
    done = [r for r in refreshes if "error" not in r]
    durations = [r["ended"] - r["began"] for r in done]
    lags = [s.seen_at - s.committed_at for s in ledger.samples if s.seen_at is not None]
    submitted = sum(len(v) for v in commands.values())
    return {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seconds": round(elapsed, 1),
        "drain_seconds": round(drained, 1),
        "users": len(workers),
        "dashboard_readers": len(readers),
        "commands": submitted,
        "commands_per_s": round(submitted / (elapsed + drained), 2),
        "page_loads": sum(len(v) for v in pages.values()),
        "command_ms": {k: summary(v) for k, v in sorted(commands.items())},
        "page_ms": {k: summary(v) for k, v in sorted(pages.items())},
        "dashboard_page_ms": {k: summary(v) for k, v in sorted(dashboards.items())},
        "dashboard_pages_read": sum(r.pages_read for r in readers),
        "refreshes": {
            "count": len(done),
            "failed": len(refreshes) - len(done),
            "seconds": [round(d, 1) for d in durations],
            "p50_s": round(percentile(durations, 0.5), 1),
            "max_s": round(max(durations, default=0.0), 1),
            "final_s": round(final_seconds, 1),
            "snapshot_versions": {"first": versions[0], "last": versions[1]},
        },
        "refresh_lag_s": {
            "samples": len(ledger.samples),
            "seen": len(lags),
            "seen_during_load": sum(
                1 for s in ledger.samples if s.seen_at is not None and s.seen_at <= stopped_at
            ),
            "p50": round(percentile(lags, 0.5), 1),
            "p95": round(percentile(lags, 0.95), 1),
            "max": round(max(lags, default=0.0), 1),
        },
        "import": imported,
    }


def lines(result: dict[str, Any]) -> list[str]:
    out = [f"{'command / page':<42} {'n':>6} {'p50':>8} {'p95':>8} {'max':>8}  (ms)"]
    for group in ("command_ms", "page_ms", "dashboard_page_ms"):
        for name, row in result[group].items():
            label = name if group != "dashboard_page_ms" else f"dashboard: {name}"
            out.append(
                f"{label:<42} {row['n']:>6} {row['p50']:>8.0f} {row['p95']:>8.0f} "
                f"{row['max']:>8.0f}"
            )
    r, lag, checks = result["refreshes"], result["refresh_lag_s"], result["checks"]
    out += [
        f"{result['commands']:,} commands in {result['seconds']:.0f} s: "
        f"{result['commands_per_s']:.1f}/s; {result['page_loads']:,} page loads; "
        f"{result['dashboard_pages_read']:,} dashboard pages",
        f"refreshes: {r['count']} (+{r['failed']} failed), p50 {r['p50_s']} s, max {r['max_s']} s,"
        f" final {r['final_s']} s; snapshots v{r['snapshot_versions']['first']}"
        f"→v{r['snapshot_versions']['last']}",
        f"refresh lag (commit → on the dashboards): p50 {lag['p50']} s, p95 {lag['p95']} s, "
        f"max {lag['max']} s over {lag['seen']} of {lag['samples']} samples "
        f"({lag['seen_during_load']} during the day, the rest after the final refresh)",
        f"import: {result['import']}",
        f"checks: {checks['successes']:,} successes, {len(checks['not_exactly_once'])} not "
        f"exactly once; {len(checks['reconciliation'])} reconciliation differences; "
        f"{len(checks['user_errors_not_their_input'])} user errors not their input's; "
        f"{len(checks['dashboard_failures'])} dashboard failures; "
        f"refusals {sum(checks['refusals'].values())}",
        f"{'all checks passed' if result['ok'] else 'CHECKS FAILED'}; written to {result['path']}",
    ]
    return out
