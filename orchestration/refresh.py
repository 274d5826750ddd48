"""`crm refresh`: extract → dbt build → publish, with a short summary of each step.

A failed build publishes nothing: the snapshot in service stays the last good one.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from ingest.extract import ExtractSummary, extract
from ingest.store.db import get_engine
from orchestration import snapshots
from orchestration.as_of import parse_as_of
from orchestration.dbt_runner import BuildResult, marts_path, run_dbt_build
from orchestration.spark_engine import run_spark_build
from orchestration.store_behind import rebuild_if_store_is_behind


class BuildFailed(RuntimeError):
    def __init__(self, result: BuildResult) -> None:
        self.result = result
        first = result.failures[0] if result.failures else "unknown failure"
        super().__init__(
            f"dbt build failed ({len(result.failures)} failures, first: {first}); "
            "the last good snapshot stays published"
        )


NO_SPACE = os.strerror(errno.ENOSPC)  # "No space left on device", in every tool's message


class WarehouseDiskFull(RuntimeError):
    def __init__(self, folder: Path) -> None:
        super().__init__(
            f"the disk holding the warehouse ({folder}) is full: free space there and run "
            "`crm refresh` again; the last good snapshot stays published"
        )


def says_disk_full(*texts: str) -> bool:
    return any(NO_SPACE in text for text in texts)


@dataclass
class RefreshSummary:
    full: bool
    extracted: ExtractSummary | None = None
    build: BuildResult | None = None
    snapshot: snapshots.Snapshot | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    run_id: str | None = None  # the Dagster run, when the refresh ran through Dagster
    scoring: str | None = None  # the deal scoring's one line (scoring.run.ScoringSummary)
    engine: str = "duckdb"  # what built the models (orchestration.spark_engine)

    def lines(self) -> list[str]:
        assert self.extracted and self.build and self.snapshot
        s = self.seconds
        lines = [
            f"extract  {self.extracted.rows:>10,} rows  ({s['extract']:.1f} s)"
            f"{'  full' if self.full else '  incremental'}",
            f"build    {self.build.models:>10,} models, {self.build.tests_passed:,} tests passed"
            f"{'  on Spark' if self.engine == 'spark' else ''}  ({s['build']:.1f} s)",
            *([self.scoring] if self.scoring else []),
            f"publish  snapshot v{self.snapshot.version:06d}  ({s['publish']:.1f} s)",
        ]
        if self.run_id:
            lines.append(f"dagster  run {self.run_id}  (checks and overhead {s['checks']:.1f} s)")
        return [*lines, f"total    {sum(s.values()):.1f} s"]


def run_refresh(
    *,
    full: bool = False,
    as_of: str | dt.date | None = None,
    engine: Engine | None = None,
    warehouse: Path | None = None,
    build_engine: str = "duckdb",
) -> RefreshSummary:
    day = parse_as_of(as_of)  # a non-date stops here, before anything is extracted
    engine = engine or get_engine()
    warehouse = warehouse or snapshots.build_path()
    try:
        return _run_steps(RefreshSummary(full=full, engine=build_engine), day, engine, warehouse)
    except (OSError, RuntimeError) as error:  # BuildFailed, "dbt build did not run: ..."
        texts = [str(error), *(error.result.failures if isinstance(error, BuildFailed) else [])]
        if getattr(error, "errno", None) == errno.ENOSPC or says_disk_full(*texts):
            raise WarehouseDiskFull(warehouse.parent) from error
        raise


def _run_steps(
    summary: RefreshSummary, day: dt.date | None, engine: Engine, warehouse: Path
) -> RefreshSummary:
    full = summary.full
    began = time.perf_counter()
    rebuild_if_store_is_behind(engine, warehouse)
    summary.extracted = extract(engine, warehouse, full=full)
    summary.seconds["extract"] = time.perf_counter() - began

    began = time.perf_counter()
    if summary.engine == "spark":
        summary.build = run_spark_build(warehouse, as_of=day)
    else:
        summary.build = run_dbt_build(warehouse, full=full, as_of=day)
    summary.seconds["build"] = time.perf_counter() - began
    if not summary.build.ok:
        raise BuildFailed(summary.build)

    # imported here: scikit-learn loads in about a second, which `crm` commands that never
    # refresh should not pay
    from scoring.run import score_deals

    began = time.perf_counter()
    scored = score_deals(marts_path(warehouse), warehouse, as_of=day, retrain=full)
    summary.scoring = scored.line()
    summary.seconds["score"] = time.perf_counter() - began

    began = time.perf_counter()
    summary.snapshot = snapshots.publish(
        warehouse,
        change_seq=summary.extracted.high_watermark,
        as_of_date=day,
    )
    summary.seconds["publish"] = time.perf_counter() - began
    return summary
