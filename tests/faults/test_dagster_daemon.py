"""The Dagster daemon and UI killed (SIGKILL, with their code servers and the run worker
they started) while a sensor-started refresh is in its dbt build, then restarted.

The daemon's run monitoring (the instance's dagster.yaml, orchestration/dagster_launcher.py)
marks the dead run failed and frees its duckdb_writer slot; the next run the sensor
starts succeeds, the snapshot in service stayed the last good one throughout, and the
marts reconcile exactly.
"""

from __future__ import annotations

import random
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from crm.bench.change_mix import apply_changes
from crm.serve import dagster_services
from orchestration.dagster_refresh import prepare_instance
from orchestration.defs.jobs import IN_FLIGHT
from orchestration.defs.resources import DUCKDB_POOL
from tests.support.dagster import instance_at
from tests.support.fault_site import Site, Tally, crm_refresh, run_ids, seed_of_run, serving
from tests.support.processes import free_port, kill_process_group
from tests.support.reconciliation import compare_everything

WAIT_S = 900


def start_dagster(site: Site, logs: Path) -> list[subprocess.Popen]:
    """The UI and the daemon, as `crm serve` starts them."""
    env = {
        **site.env,
        "DAGSTER_HOME": str(site.root / "dagster"),
        "CRM_DAGSTER_PORT": str(free_port()),
        "CRM_AUTOMATION": "running",
    }
    started = []
    for service in dagster_services("127.0.0.1"):
        command = [part.replace("3000", env["CRM_DAGSTER_PORT"]) for part in service.command]
        with (logs / f"{service.name}.log").open("a") as log:
            started.append(
                subprocess.Popen(command, env=env, stdout=log, stderr=log, start_new_session=True)
            )
    return started


def kill_all(services: list[subprocess.Popen]) -> None:
    for service in services:
        kill_process_group(service.pid)
        service.wait()


def wait_for(what: str, found: Callable[[DagsterInstance], str | None], home: Path) -> str:
    deadline = time.monotonic() + WAIT_S
    with instance_at(home) as instance:
        while time.monotonic() < deadline:
            if answer := found(instance):
                return answer
            time.sleep(1)
    pytest.fail(f"no {what} within {WAIT_S} s")


def new_run_in_build(seen: set[str]) -> Callable[[DagsterInstance], str | None]:
    def found(instance: DagsterInstance) -> str | None:
        for run in instance.get_runs():
            if run.run_id in seen or run.status != DagsterRunStatus.STARTED:
                continue
            steps = {s.step_key for s in instance.get_run_step_stats(run.run_id)}
            if "crm_dbt_assets" in steps:
                return run.run_id
        return None

    return found


def run_with_status(run_id: str, status: DagsterRunStatus) -> Callable:
    def found(instance: DagsterInstance) -> str | None:
        run = instance.get_run_by_id(run_id)
        return run_id if run is not None and run.status == status else None

    return found


def new_run_finished(seen: set[str]) -> Callable[[DagsterInstance], str | None]:
    def found(instance: DagsterInstance) -> str | None:
        for run in instance.get_runs():
            if run.run_id not in seen and run.status in (
                DagsterRunStatus.SUCCESS,
                DagsterRunStatus.FAILURE,
            ):
                return run.run_id
        return None

    return found


def no_run_in_progress(instance: DagsterInstance) -> str | None:
    busy = instance.get_runs(filters=RunsFilter(statuses=IN_FLIGHT))
    return None if busy else "idle"


def runs_in_progress(home: Path) -> set[str]:
    with instance_at(home) as instance:
        return {r.run_id for r in instance.get_runs(filters=RunsFilter(statuses=IN_FLIGHT))}


def run_daemon_kills(site: Site, tally: Tally, kills: int, logs: Path) -> None:
    rng = random.Random(seed_of_run())
    home = site.root / "dagster"
    prepare_instance()  # as `crm serve` does before starting the UI and the daemon
    good, projects = serving(site)
    seen = run_ids(site)  # of the tests before on this site
    services = start_dagster(site, logs)
    try:
        for n in range(kills):
            apply_changes(10, site.engine, seed=100 + n)  # the sensor starts a refresh
            run_id = wait_for("sensor run in its build", new_run_in_build(seen), home)
            time.sleep(rng.uniform(0, 8))
            kill_all(services)
            tally.injected += 1
            # any other run in progress at the kill (a schedule's) dies with it
            seen |= {run_id, *runs_in_progress(home)}
            assert serving(site) == (good, projects)
            services = start_dagster(site, logs)
            wait_for("failed run", run_with_status(run_id, DagsterRunStatus.FAILURE), home)
            tally.survived += 1
        apply_changes(10, site.engine, seed=999)
        wait_for("run after the restart", new_run_finished(seen), home)
        # a sensor tick in the middle of a burst of changes may have asked for a second run
        wait_for("every run finished", no_run_in_progress, home)
        with instance_at(home) as instance:
            assert {r.status for r in instance.get_runs() if r.run_id not in seen} == {
                DagsterRunStatus.SUCCESS
            }
            assert (
                instance.event_log_storage.get_concurrency_info(DUCKDB_POOL).active_slot_count == 0
            )
    finally:
        kill_all(services)
    assert serving(site)[0].version > good.version
    # the sensor's runs describe today; the reconciliation's figures are as of its date
    done = crm_refresh(site)
    assert done.returncode == 0, done.stderr[-2000:]
    compare_everything(site.company)


def test_daemon_and_ui_killed_during_a_run(site: Site, tally: Tally, tmp_path: Path) -> None:
    run_daemon_kills(site, tally, kills=1, logs=tmp_path)


@pytest.mark.bench
def test_daemon_and_ui_killed_during_runs_many_times(
    site: Site, tally: Tally, tmp_path: Path
) -> None:
    run_daemon_kills(site, tally, kills=4, logs=tmp_path)


# Minutes of refreshes and restarts: run by `crm bench faults`, kept out of make test for time.
pytestmark = pytest.mark.bench
