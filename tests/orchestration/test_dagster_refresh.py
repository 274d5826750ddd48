"""`crm refresh` through Dagster: runs recorded in the instance, the same summary as the
direct refresh, overlapping runs queued on the duckdb_writer pool, killed runs marked
failed and recovered, a locked warehouse refused clearly, PostgreSQL instance storage."""

from __future__ import annotations

import itertools
import logging
import os
import queue
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from dagster import (
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    job,
    op,
)
from dagster._core.definitions.run_request import InstigatorType
from dagster._core.events.log import EventLogEntry
from dagster._core.launcher import WorkerStatus
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from sqlalchemy import Engine, create_engine, event, make_url, text

from orchestration import snapshots
from orchestration.dagster_launcher import CrmRunLauncher
from orchestration.dagster_refresh import (
    INSTANCE_YAML,
    PID_TAG,
    dagster_home,
    fail_abandoned_runs,
    run_refresh_job,
)
from orchestration.dagster_storage import KEPT_ENGINES, KeptOpenSqliteEventLogStorage
from orchestration.defs.resources import DUCKDB_POOL
from tests.support.dagster import instance_at
from tests.support.processes import kill_process_group
from tests.support.stores import PG_ADMIN
from tests.support.story import SET_ROLE

WRITER_STEPS = ("extract_store", "crm_dbt_assets", "deal_scores", "published_snapshot")


@pytest.fixture
def crm_env(story, warehouse, monkeypatch: pytest.MonkeyPatch):
    """The environment of a `crm` process on the story store; DAGSTER_HOME left to default."""
    engine, _org, projects = story
    url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("CRM_STORE_URL", url)
    monkeypatch.setenv("DAGSTER_HOME", str(warehouse.parent.parent / "dagster"))
    env = {**os.environ, "CRM_DATA_DIR": str(warehouse.parent.parent), "CRM_STORE_URL": url}
    env.pop("DAGSTER_HOME")  # `crm` finds its default, the same folder
    return engine, projects, warehouse, env


def crm(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "crm.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


@pytest.fixture
def default_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data directory with DAGSTER_HOME left to its default."""
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return tmp_path / "dagster"


def test_dagster_home_defaults_under_the_data_dir_with_a_pool_limit_of_one(
    default_home: Path,
) -> None:
    home = dagster_home()
    assert home == default_home and os.environ["DAGSTER_HOME"] == str(home)
    assert (home / "dagster.yaml").read_text() == INSTANCE_YAML
    with DagsterInstance.get() as instance:
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
        # the change sensor's frequent skipped ticks do not pile up
        retention = instance.get_tick_retention_settings(InstigatorType.SENSOR)
        assert {status.value: days for status, days in retention.items()} == {
            "STARTED": -1,
            "SKIPPED": 1,
            "SUCCESS": 30,
            "FAILURE": 30,
        }
    # an operator's own configuration is never overwritten
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    dagster_home()
    assert (home / "dagster.yaml").read_text() == "telemetry:\n  enabled: false\n"


def test_the_event_log_is_kept_open_in_wal_mode_and_reads_as_dagsters_own(
    default_home: Path,
) -> None:
    home = dagster_home()

    @op
    def noted(context) -> None:
        context.log.info("a note")

    @job
    def noting() -> None:
        noted()

    with DagsterInstance.get() as instance:
        assert isinstance(instance.event_log_storage, KeptOpenSqliteEventLogStorage)
        run_id = noting.execute_in_process(instance=instance).run_id
        stored = [e.message for e in instance.all_logs(run_id)]
    run_db = home / "history" / "runs" / f"{run_id}.db"
    with sqlite3.connect(run_db) as conn:
        assert conn.execute("pragma journal_mode").fetchone() == ("wal",)
    # Dagster's own storage (another process: the UI, the daemon) reads the same events
    plain = SqliteEventLogStorage(str(home / "history" / "runs"))
    assert [e.message for e in plain.get_logs_for_run(run_id)] == stored
    assert "a note" in stored

    # what the overrides of Dagster's internals buy: one connection per file and process
    # however many events it writes (Dagster's own opens one per event), and commits
    # without a full fsync
    opened: list[object] = []

    def count(*_args: object) -> None:
        opened.append(_args)

    event.listen(Engine, "connect", count)
    counted = KeptOpenSqliteEventLogStorage(str(home / "history" / "runs"))
    try:
        for n in range(20):
            counted.store_event(
                EventLogEntry(
                    error_info=None,
                    level=logging.INFO,
                    user_message=f"counted {n}",
                    run_id=run_id,
                    timestamp=time.time(),
                    job_name="noting",
                )
            )
        with counted.run_connection(run_id) as conn:
            assert conn.execute(text("pragma synchronous")).scalar() == 1  # NORMAL
    finally:
        event.remove(Engine, "connect", count)
        counted.dispose()
    assert 1 <= len(opened) <= 2

    # the UI's live view: a watcher in one process sees what another writes to the run
    watching = KeptOpenSqliteEventLogStorage(str(home / "history" / "runs"))
    seen: queue.Queue[str] = queue.Queue()
    watching.watch(run_id, None, lambda entry, _cursor: seen.put(entry.user_message))
    writing = KeptOpenSqliteEventLogStorage(str(home / "history" / "runs"))
    try:
        time.sleep(0.5)  # the observer is running before the event is written
        writing.store_event(
            EventLogEntry(
                error_info=None,
                level=logging.INFO,
                user_message="written later",
                run_id=run_id,
                timestamp=time.time(),
                job_name="noting",
            )
        )
        deadline = time.monotonic() + 20
        while seen.get(timeout=20) != "written later":
            assert time.monotonic() < deadline
        # a process writing or reading many runs keeps only a few of their files open
        for n in range(2 * KEPT_ENGINES):
            writing.store_event(
                EventLogEntry(
                    error_info=None,
                    level=logging.INFO,
                    user_message="elsewhere",
                    run_id=f"run{n}",
                    timestamp=time.time(),
                    job_name="noting",
                )
            )
        runs_folder = str(home / "history" / "runs")
        open_files = {
            target
            for fd in Path("/proc/self/fd").iterdir()
            if (target := os.path.realpath(fd)).startswith(runs_folder) and target.endswith(".db")
        }
        assert 0 < len(open_files) <= KEPT_ENGINES + 1  # the writer's and the watched run
    finally:
        watching.dispose()
        writing.dispose()


def test_run_monitoring_asks_the_launcher_whether_a_runs_process_is_alive(
    default_home: Path,
) -> None:
    """The instance `crm` sets up launches runs with CrmRunLauncher, whose health check
    (RunLauncher's public hook, called by the daemon's run monitoring) fails a run whose
    process is gone and leaves a live one running."""
    dagster_home()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    with DagsterInstance.get() as instance:
        launcher = instance.run_launcher
        assert isinstance(launcher, CrmRunLauncher)
        assert launcher.supports_check_run_worker_health
        for pid, status in [(os.getpid(), WorkerStatus.RUNNING), (gone.pid, WorkerStatus.FAILED)]:
            run = instance.add_run(
                DagsterRun(
                    job_name="incremental_refresh_job",
                    run_id=str(uuid.uuid4()),
                    status=DagsterRunStatus.STARTED,
                    tags={PID_TAG: str(pid)},
                )
            )
            assert launcher.check_run_worker_health(run).status == status


def test_a_failing_dbt_test_fails_the_command_in_one_line(crm_env) -> None:
    engine, _projects, warehouse, env = crm_env
    with engine.begin() as conn:
        conn.execute(text("update change_counter set value = value + 1"))
        conn.execute(text(SET_ROLE.format(role="intern")))
    process = crm(env, "refresh")
    _out, err = process.communicate(timeout=600)
    assert process.returncode == 1
    assert "dbt build failed" in err and "accepted_values_dim_employees_role" in err
    assert len(err.strip().splitlines()) == 1
    with pytest.raises(snapshots.NoSnapshot):
        snapshots.current(warehouse.parent)
    with instance_at(warehouse.parent.parent / "dagster") as instance:
        (run,) = instance.get_runs()
        assert run.status == DagsterRunStatus.FAILURE
        # the failing test is the dbt model's asset check; the publish step never ran
        checks = instance.all_logs(run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
        failed = [
            e.dagster_event.event_specific_data.asset_check_key.name
            for e in checks
            if not e.dagster_event.event_specific_data.passed
        ]
        assert any("accepted_values_dim_employees_role" in name for name in failed)
        assert instance.get_latest_materialization_event(AssetKey("published_snapshot")) is None


def writer_intervals(instance: DagsterInstance, run_id: str) -> list[tuple[float, float]]:
    return [
        (s.start_time, s.end_time)
        for s in instance.get_run_step_stats(run_id)
        if s.step_key in WRITER_STEPS
    ]


def test_overlapping_refreshes_queue_and_each_prints_its_summary(crm_env) -> None:
    """Two `crm refresh` at once: both run in the instance, one after the other on the
    writer pool, and each prints the summary of the direct refresh plus its run id."""
    engine, _projects, warehouse, env = crm_env
    first, second = crm(env, "refresh", "--full"), crm(env, "refresh")
    printed = {}
    for full, process in ((True, first), (False, second)):
        out, err = process.communicate(timeout=900)
        assert process.returncode == 0, err[-2000:]
        lines = out.strip().splitlines()
        assert [line.split()[0] for line in lines] == [
            "extract",
            "build",
            "score",
            "publish",
            "dagster",
            "total",
        ]
        assert "models," in lines[1] and "tests passed" in lines[1]
        assert "snapshot v00000" in lines[3]
        printed[lines[4].split()[2]] = full

    with instance_at(warehouse.parent.parent / "dagster") as instance:
        runs = instance.get_runs()
        assert len(runs) == 2 and all(r.status == DagsterRunStatus.SUCCESS for r in runs)
        assert {
            r.run_id: r.run_config["ops"]["extract_store"]["config"]["full"] for r in runs
        } == printed
        assert {r.job_name for r in runs} == {"full_refresh_job", "incremental_refresh_job"}
        intervals = sorted(i for r in runs for i in writer_intervals(instance, r.run_id))
        assert len(intervals) == 8
        # no two warehouse writers ever ran at the same time
        for (_, end), (start, _) in itertools.pairwise(intervals):
            assert end <= start
        assert instance.event_log_storage.get_concurrency_info(DUCKDB_POOL).slot_count == 1
    with engine.connect() as conn:
        counter = conn.execute(text("select value from change_counter")).scalar_one()
    current = snapshots.current(warehouse.parent)
    assert current.version == 2 and current.change_seq == counter


def test_a_killed_run_is_marked_failed_and_the_next_run_recovers(crm_env) -> None:
    _engine, _projects, _warehouse, env = crm_env
    process = crm(env, "refresh", "--full")
    with instance_at(dagster_home()) as instance:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            started = [
                s
                for r in instance.get_runs()
                for s in instance.get_run_step_stats(r.run_id)
                if s.step_key == "crm_dbt_assets"
            ]
            if started:
                break
            time.sleep(0.5)
        assert started, "the refresh never reached the dbt step"
        kill_process_group(process.pid)
        process.wait()
        killed = instance.get_runs()[0]
        assert killed.status == DagsterRunStatus.STARTED
        assert killed.tags[PID_TAG] == str(process.pid)

        # the killed run still holds the writer pool's only slot
        assert instance.event_log_storage.get_concurrency_info(DUCKDB_POOL).active_slot_count == 1
        summary = run_refresh_job()
        assert summary.snapshot is not None and summary.snapshot.version == 1
        assert instance.get_run_by_id(killed.run_id).status == DagsterRunStatus.FAILURE
        assert fail_abandoned_runs(instance) == []


def test_a_locked_warehouse_is_refused_with_a_clear_message(crm_env) -> None:
    _engine, _projects, warehouse, env = crm_env
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(warehouse)!r}); print('held', "
            "flush=True); time.sleep(120)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        process = crm(env, "refresh")
        _out, err = process.communicate(timeout=300)
        assert process.returncode == 1
        assert f"in use by another process (PID {holder.pid})" in err
        assert len(err.strip().splitlines()) == 1
    finally:
        holder.kill()
        holder.wait()
    with pytest.raises(snapshots.NoSnapshot):
        snapshots.current(warehouse.parent)


@pytest.mark.postgres
def test_instance_storage_on_postgresql(story, warehouse, monkeypatch, tmp_path: Path) -> None:
    engine, _org, _projects = story
    monkeypatch.setenv("CRM_STORE_URL", engine.url.render_as_string(hide_password=False))
    name = f"dagster_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"create database {name}"))
    try:
        home = tmp_path / "dagster_pg"
        home.mkdir()
        sqlite_block = INSTANCE_YAML[INSTANCE_YAML.index("storage:\n  custom:") :]
        (home / "dagster.yaml").write_text(
            INSTANCE_YAML.replace(
                sqlite_block,
                "storage:\n  postgres:\n    postgres_url:\n      env: CRM_DAGSTER_PG_URL\n",
            )
        )
        monkeypatch.setenv("DAGSTER_HOME", str(home))
        url = make_url(PG_ADMIN).set(database=name)
        monkeypatch.setenv(
            "CRM_DAGSTER_PG_URL",
            url.set(drivername="postgresql+psycopg2").render_as_string(hide_password=False),
        )
        summary = run_refresh_job(full=True)
        pg = create_engine(url)
        with pg.connect() as conn:
            runs = conn.execute(text("select run_id, status from runs")).all()
        pg.dispose()
        assert runs == [(summary.run_id, "SUCCESS")]
        assert not (home / "history").exists()  # nothing went to the SQLite default
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"drop database if exists {name} with (force)"))
        admin.dispose()
