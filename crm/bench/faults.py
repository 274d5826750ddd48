"""`crm bench faults`: every fault test, long variants included, and the tally of faults
injected and survived, written to bench/faults.json.

The faults are those of the test suite (tests/faults): refreshes SIGKILLed at random
moments of extraction, build and publish; writers killed inside their transaction; the
Dagster daemon and UI killed during a run; the warehouse disk full during build and
publish; PostgreSQL restarted under writers. Each test counts the faults it injected and
those after which everything checked out (the snapshot in service complete and opening,
the next refresh succeeding, the marts reconciling exactly); this command runs them with
pytest (a development install, from a source checkout) and sums the counts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crm.bench.common import write_figures

FIGURES_ENV = "CRM_FAULTS_FIGURES"  # where each fault test appends its counts
FAULT_TESTS = Path(__file__).resolve().parents[2] / "tests" / "faults"


def run_faults_bench(out: str | None, seed: int | None) -> tuple[list[str], bool]:
    """The lines to print, and whether every fault test passed."""
    if not FAULT_TESTS.is_dir():
        raise RuntimeError(
            f"crm bench faults runs the fault tests of a source checkout: {FAULT_TESTS} is missing"
        )
    with tempfile.TemporaryDirectory() as scratch:
        counts = Path(scratch) / "faults.jsonl"
        env = {**os.environ, FIGURES_ENV: str(counts)}
        if seed is not None:
            env["CRM_FAULTS_SEED"] = str(seed)
        began = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
             "-m", "bench or not bench", str(FAULT_TESTS)],
            cwd=FAULT_TESTS.parent.parent, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        seconds = time.perf_counter() - began
        rows = (
            [json.loads(line) for line in counts.read_text().splitlines()]
            if counts.exists()
            else []
        )
    faults: dict[str, dict[str, int]] = {}
    for row in rows:
        tally = faults.setdefault(row["fault"], {"injected": 0, "survived": 0})
        tally["injected"] += row["injected"]
        tally["survived"] += row["survived"]
    figures = {
        "faults": faults,
        "injected": sum(t["injected"] for t in faults.values()),
        "survived": sum(t["survived"] for t in faults.values()),
        "tests_passed": done.returncode == 0,
        "seconds": round(seconds, 1),
        "seed": seed,
    }
    path = write_figures(out, "faults", figures, indent=2)
    log = path.with_suffix(".log")  # pytest's whole report: a failure's kill seed and trace
    log.write_text(done.stdout + done.stderr)
    lines = [
        f"{name:<55} injected {t['injected']:>3}  survived {t['survived']:>3}"
        for name, t in sorted(faults.items())
    ]
    lines.append(
        f"total: {figures['injected']} faults injected, {figures['survived']} survived "
        f"in {seconds:.0f} s -> {path}"
    )
    if done.returncode != 0:
        lines.append(f"some fault tests failed (the whole report: {log}):")
        lines += done.stdout.strip().splitlines()[-15:]
    return lines, done.returncode == 0
