"""`crm refresh` through Dagster: the refresh job runs in this process against the instance
under DAGSTER_HOME, so every run is recorded and visible in the UI, and the duckdb_writer
pool (limit 1) makes overlapping refreshes queue instead of failing on DuckDB's file lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import gc
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from dagster import (
    AssetCheckSeverity,
    DagsterInstance,
    DagsterRunStatus,
    ExecuteInProcessResult,
    RunsFilter,
)

from ingest.extract import ExtractSummary, TableLoad
from ingest.logs import log_path
from ingest.settings import data_dir
from orchestration import snapshots
from orchestration.as_of import parse_as_of
from orchestration.dagster_launcher import PID_TAG, process_alive, run_process_id
from orchestration.dbt_runner import BuildResult, results_of
from orchestration.refresh import BuildFailed, RefreshSummary, WarehouseDiskFull, says_disk_full

INSTANCE_YAML = """\
# Written by `crm` when this DAGSTER_HOME was first used; crm never overwrites it.
# Every asset that writes the warehouse is in the pool duckdb_writer: a limit of 1 makes
# overlapping refreshes (schedule, sensor, `crm refresh`) queue instead of failing.
concurrency:
  pools:
    default_limit: 1
telemetry:
  enabled: false
# Runs whose process died (killed, or gone down with the daemon that started them) are
# failed by the daemon's run monitoring within a poll, and their writer slot is freed
# (see orchestration/dagster_launcher.py).
run_launcher:
  module: orchestration.dagster_launcher
  class: CrmRunLauncher
run_monitoring:
  enabled: true
  poll_interval_seconds: 15
  start_timeout_seconds: 300
  max_resume_run_attempts: 0
  free_slots_after_run_end_seconds: 15
# The change sensor ticks every few seconds: its skipped ticks are kept a day, the ticks
# that asked for a refresh as long as finished runs are (CRM_RETAIN_RUN_DAYS' default).
retention:
  sensor:
    purge_after_days:
      skipped: 1
      success: 30
      failure: 30
# Dagster's SQLite storage in DAGSTER_HOME, its event log kept open (see
# orchestration/dagster_storage.py). PostgreSQL for a multi-user install (see
# docs/architecture.md §7.6) replaces this block with:
# storage:
#   postgres:
#     postgres_url:
#       env: CRM_DAGSTER_PG_URL
storage:
  custom:
    module: orchestration.dagster_storage
    class: CrmSqliteStorage
    config:
      base_dir:
        env: DAGSTER_HOME
"""
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
STEPS = {
    "extract": "extract_store",
    "build": "crm_dbt_assets",
    "score": "deal_scores",
    "publish": "published_snapshot",
}


def dagster_home() -> Path:
    """DAGSTER_HOME, by default $CRM_DATA_DIR/dagster, with an instance config on first use."""
    home = Path(os.environ.get("DAGSTER_HOME") or data_dir() / "dagster").resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(INSTANCE_YAML)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def fail_abandoned_runs(instance: DagsterInstance) -> list[str]:
    """Mark runs whose process is gone (a killed `crm refresh`, a run that went down with
    the daemon) as failed, and free the writer slot they held.

    The warehouse itself needs no repair: extraction commits with its watermark and a
    snapshot appears only whole; the next run simply starts from the last commit."""
    failed = []
    for run in instance.get_runs(
        RunsFilter(statuses=[DagsterRunStatus.STARTED, DagsterRunStatus.STARTING])
    ):
        pid = run_process_id(instance, run)
        if pid is not None and not process_alive(pid):
            instance.report_run_failed(run, "the process running it was killed")
            # the pool slot its step held would otherwise block every later refresh
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
            failed.append(run.run_id)
    return failed


def prepare_instance() -> None:
    """Set up the instance under DAGSTER_HOME, one process at a time.

    On first use this creates its storage: processes starting together (the UI and the
    daemon of `crm serve`, two refreshes) would otherwise each create its tables and
    leave it unreadable. Then: runs whose process was killed are failed, and the writer
    pool is limited to 1 even if an edited dagster.yaml lost that limit."""
    from orchestration.defs.resources import DUCKDB_POOL

    dagster_home()
    with _instance_setup_lock(), DagsterInstance.get() as instance:
        fail_abandoned_runs(instance)
        instance.event_log_storage.set_concurrency_slots(DUCKDB_POOL, 1)


def run_refresh_job(
    *, full: bool = False, as_of: str | dt.date | None = None, engine: str = "duckdb"
) -> RefreshSummary:
    """Run the full or incremental refresh job and summarise it like the direct refresh."""
    as_of = parse_as_of(as_of)  # a non-date stops here, before a run is even recorded
    dagster_home()
    # Imported here: loading the definitions parses the dbt project when needed.
    from orchestration.definitions import defs
    from orchestration.defs.jobs import refresh_config
    from orchestration.defs.resources import build_path

    began = time.perf_counter()
    prepare_instance()
    log = log_file()
    logged_before = log.stat().st_size if log.exists() else 0
    with DagsterInstance.get() as instance, _output_to(log):
        job = defs.resolve_job_def("full_refresh_job" if full else "incremental_refresh_job")
        result = job.execute_in_process(
            # the summary is the output; the events are in the run's log in the UI
            run_config={**refresh_config(full=full, as_of=as_of, engine=engine), **QUIET},
            instance=instance,
            tags={PID_TAG: str(os.getpid())},
            raise_on_error=False,
        )
        stats = {s.step_key: s for s in instance.get_run_step_stats(result.run_id)}
    build = build_path()
    built = _build_result(build, result.run_id)
    if not result.success:
        # dbt's own report of a failed write reaches only its output, in the refresh log
        if says_disk_full(
            _first_error(result),
            *(built.failures if built else []),
            _logged_since(log, logged_before),
        ):
            raise WarehouseDiskFull(build.parent)
        failed_tests = [
            e.asset_check_key.name
            for e in result.get_asset_check_evaluations()
            if not e.passed and e.severity == AssetCheckSeverity.ERROR
        ]
        if built is not None and built.failures:
            raise BuildFailed(built)
        if failed_tests:
            raise BuildFailed(BuildResult(models=0, tests_passed=0, failures=failed_tests))
        raise RuntimeError(f"refresh run {result.run_id} failed: {_first_error(result)}")

    if not result.asset_materializations_for_node("published_snapshot"):
        # a step upstream did not report an asset it built, so publish was skipped
        raise RuntimeError(f"refresh run {result.run_id} published nothing: {_first_skip(result)}")
    summary = RefreshSummary(full=full, run_id=result.run_id, engine=engine)
    for step, key in STEPS.items():
        stat = stats.get(key)
        summary.seconds[step] = (stat.end_time - stat.start_time) if stat else 0.0
    summary.seconds["checks"] = max(
        0.0, time.perf_counter() - began - sum(summary.seconds.values())
    )
    extracted = result.asset_materializations_for_node("extract_store")
    summary.extracted = ExtractSummary(
        full=full,
        high_watermark=int(extracted[0].metadata["high_watermark"].value) if extracted else 0,
        seconds=summary.seconds["extract"],
        tables=[
            TableLoad(
                table=m.asset_key.path[-1],
                upserted=int(m.metadata["rows_upserted"].value),
                deleted=int(m.metadata["rows_deleted"].value),
            )
            for m in extracted
        ],
    )
    summary.build = built
    scored = result.asset_materializations_for_node("deal_scores")
    summary.scoring = str(scored[0].metadata["summary"].value) if scored else None
    published = result.asset_materializations_for_node("published_snapshot")[0].metadata
    summary.snapshot = snapshots.Snapshot(
        version=int(published["version"].value),
        path=Path(published["file"].value),
        published_at=str(published["published_at"].value),
        as_of_date=str(published["as_of_date"].value),
        change_seq=int(published["change_seq"].value),
        parquet=Path(published["parquet"].value),
    )
    return summary


@contextlib.contextmanager
def _instance_setup_lock() -> Iterator[None]:
    with (dagster_home() / ".setup.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def log_file() -> Path:
    return log_path("refresh.log")


def _logged_since(path: Path, offset: int) -> str:
    with path.open("rb") as log:
        log.seek(offset)
        return log.read().decode("utf-8", errors="replace")


@contextlib.contextmanager
def _output_to(path: Path) -> Iterator[None]:
    """dbt's progress lines (re-emitted by dagster-dbt on stdout) and the warnings of its
    stream's clean-up go to the refresh log: the terminal gets the summary or one error."""
    with path.open("a", encoding="utf-8") as log, contextlib.redirect_stdout(log):
        hook = sys.unraisablehook
        sys.unraisablehook = lambda unraisable: print(
            f"ignored: {unraisable.exc_value!r} in {unraisable.object!r}", file=log
        )
        try:
            yield
        finally:
            gc.collect()  # collect the closed streams while the hook is in place
            sys.unraisablehook = hook


def _build_result(build: Path, run_id: str) -> BuildResult | None:
    results = build.parent / "dagster_dbt" / run_id / "run_results.json"
    try:
        return results_of(results) if results.exists() else None
    except ValueError:  # cut short, e.g. on a full disk
        return None


def _first_skip(result: ExecuteInProcessResult) -> str:
    skipped = [event.step_key for event in result.all_events if event.is_step_skipped]
    return f"skipped {', '.join(skipped)}; see the run in the Dagster UI"


def _first_error(result: ExecuteInProcessResult) -> str:
    """The innermost cause of the first failed step: what the user can act on."""
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            error = event.step_failure_data.error
            # a child process's traceback is attached as the cause of its exception
            while error.cause is not None and error.cause.cls_name != "_RemoteTraceback":
                error = error.cause
            first = error.message.strip().splitlines()[0]
            return first.split(": ", 1)[-1] if error.cls_name in first else first
    return "see the run in the Dagster UI"
