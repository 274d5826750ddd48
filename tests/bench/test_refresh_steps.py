"""The refresh bench reads each step's seconds from what `crm refresh` prints."""

from __future__ import annotations

from pathlib import Path

from crm.bench.refresh import step_seconds
from ingest.extract import ExtractSummary
from orchestration.dbt_runner import BuildResult
from orchestration.refresh import RefreshSummary
from orchestration.snapshots import Snapshot


def test_every_step_of_a_refresh_summary_is_read() -> None:
    summary = RefreshSummary(
        full=True,
        extracted=ExtractSummary(full=True, high_watermark=9, seconds=41.5),
        build=BuildResult(models=64, tests_passed=98, failures=[]),
        snapshot=Snapshot(7, Path("v000007.duckdb"), "2026-11-27T02:00:00", "2026-11-27", 9),
        seconds={"extract": 41.5, "build": 127.25, "score": 9.3, "publish": 19.0, "checks": 6.1},
        run_id="452cc93e",
        scoring="score    160,668 deals, logistic (trained)  (9.3 s)",
    )
    assert step_seconds("\n".join(summary.lines())) == {
        "extract": 41.5,
        "build": 127.2,  # as printed, to a tenth
        "score": 9.3,
        "publish": 19.0,
        "dagster": 6.1,
    }
