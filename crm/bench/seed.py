"""`crm bench seed`: wall time and peak memory of `crm seed` per profile.

Each profile is seeded into a fresh SQLite store in its own child process, so the peak
resident memory the kernel reports for that child (`os.wait4` → `ru_maxrss`) is the seed's
alone. The stores are deleted afterwards (a large one is several GB).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from crm.bench.common import write_figures
from ingest.settings import data_dir

AS_OF = "2026-03-31"  # fixed, so that figures from different days compare


def run_seed_bench(profiles: list[str], seed: int, out: str | None) -> list[str]:
    results = []
    lines = []
    for profile in profiles:
        result = _measure(profile, seed)
        results.append(result)
        lines.append(
            f"seed {profile}: {result['seconds']:.1f} s, peak memory "
            f"{result['peak_memory_mb']:.0f} MB, {result['rows']:,} rows "
            f"({result['rows_per_second']:,.0f} rows/s, {result['loader']})"
        )
    path = write_figures(
        out,
        "seed",
        {
            "machine": platform.platform(),
            "cpus": os.cpu_count(),
            "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "as_of": AS_OF,
            "seed": seed,
            "profiles": results,
        },
        indent=2,
    )
    lines.append(f"written to {path}")
    return lines


def _measure(profile: str, seed: int) -> dict[str, object]:
    work = data_dir() / "bench" / f"seed-{profile}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    report = work / "result.json"
    try:
        began = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "crm.bench.seed", profile, str(seed), str(work), str(report)]
        )
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - began
        if child.returncode != 0:
            raise RuntimeError(f"seeding {profile} failed (exit {child.returncode})")
        result = json.loads(report.read_text())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rows = int(result["rows"])
    return {
        "profile": profile,
        "seconds": result["seconds"],
        "wall_seconds_with_init": round(wall, 2),
        "peak_memory_mb": usage.ru_maxrss / 1024,  # Linux reports KiB
        "rows": rows,
        "rows_per_second": rows / result["seconds"] if result["seconds"] else 0.0,
        "loader": result["loader"],
        "tables": result["tables"],
    }


def _child(profile: str, seed: int, work: str, report: str) -> None:
    """Runs in the child: init a fresh store, seed it, report the figures as JSON."""
    from ingest.seed import seed_store
    from ingest.store.db import get_engine
    from ingest.store.setup import init_store

    engine = get_engine(f"sqlite:///{Path(work) / 'crm.db'}")
    init_store(engine)
    summary = seed_store(engine, profile, seed, as_of=dt.date.fromisoformat(AS_OF), progress=False)
    Path(report).write_text(
        json.dumps(
            {
                "seconds": round(summary.seconds, 2),
                "rows": summary.total_rows,
                "loader": summary.loader,
                "tables": summary.rows,
            }
        )
    )


if __name__ == "__main__":
    _child(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4])
