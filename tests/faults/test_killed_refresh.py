"""A refresh SIGKILLed at random moments of extraction, dbt build, deal scoring and publish.

Each kill waits for the chosen phase's marker (tests/support/paced_refresh.py), then a
random delay within the phase, and kills the whole process tree (dbt and the extraction
worker included). After every kill the snapshot in service is a complete one and opens;
after all of them the killed Dagster runs are failed, the writer pool's slot is free, the
next refresh succeeds and the marts reconcile exactly with the store.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time

import duckdb
import pytest
from dagster import DagsterRunStatus

from crm.bench.change_mix import apply_changes
from orchestration.defs.resources import DUCKDB_POOL
from tests.support.company import AS_OF
from tests.support.dagster import instance_at
from tests.support.fault_site import REPO, Site, Tally, crm_refresh, run_ids, seed_of_run, serving
from tests.support.processes import kill_process_group
from tests.support.reconciliation import compare_everything

# How long after its marker a kill may land: extraction and publish (paced) take about
# this long; a build takes longer, and a kill after it still lands in checks or publish.
PHASE_SPAN = {"extract": 2.0, "build": 15.0, "score": 2.0, "publish": 1.2}


def kill_during(site: Site, phase: str, delay: float) -> bool:
    """Start `crm refresh`, SIGKILL it `delay` seconds into `phase`; False when the
    refresh had already finished (nothing was killed)."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.support.paced_refresh", "refresh", "--as-of", str(AS_OF)],
        env=site.env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert child.stderr is not None
    seen = []
    for line in child.stderr:
        seen.append(line)
        if line.strip() == f"phase {phase}":
            break
    else:
        child.wait()
        pytest.fail(f"the refresh ended (rc {child.returncode}) before {phase}: {seen[-3:]}")
    time.sleep(delay)
    killed = child.poll() is None
    kill_process_group(child.pid)
    child.wait()
    child.stderr.close()
    return killed


def assert_serving_a_complete_snapshot(site: Site, projects: int, version: int) -> int:
    """The pointer names a whole file that opens, of the last good version or a newer
    one, with every project in it; returns its version."""
    current, count = serving(site)
    assert current.version >= version and count == projects
    with duckdb.connect(str(current.path), read_only=True) as con:
        assert con.execute("select version from _snapshot").fetchall() == [(current.version,)]
    return current.version


def run_kills(site: Site, tally: Tally, phases: list[str]) -> None:
    seed = seed_of_run()
    rng = random.Random(seed)
    print(f"kill moments drawn with CRM_FAULTS_SEED={seed}")
    good, projects = serving(site)
    version = good.version
    earlier = run_ids(site)  # of the tests before on this site
    for n, phase in enumerate(phases):
        apply_changes(10, site.engine, seed=seed + n)  # rows for the extraction to carry
        for _attempt in range(3):
            delay = rng.uniform(0, PHASE_SPAN[phase])
            if kill_during(site, phase, delay):
                break
        else:
            pytest.fail(f"three refreshes finished before a kill {phase} could land")
        tally.injected += 1
        version = assert_serving_a_complete_snapshot(site, projects, version)
        tally.survived += 1

    done = crm_refresh(site)
    assert done.returncode == 0, done.stderr[-2000:]
    assert assert_serving_a_complete_snapshot(site, projects, version) > version
    with instance_at(site.root / "dagster") as instance:
        runs = [r for r in instance.get_runs() if r.run_id not in earlier]  # newest first
        assert runs[0].status == DagsterRunStatus.SUCCESS
        # none left running; a kill that lands as the process exits after its run was
        # recorded (or a retry's refresh that finished first) leaves a success
        statuses = [r.status for r in runs[1:]]
        assert set(statuses) <= {DagsterRunStatus.FAILURE, DagsterRunStatus.SUCCESS}
        assert statuses.count(DagsterRunStatus.FAILURE) > len(phases) // 2  # most landed in a run
        assert instance.event_log_storage.get_concurrency_info(DUCKDB_POOL).active_slot_count == 0
    compare_everything(site.company)


def test_refreshes_killed_at_random_moments(site: Site, tally: Tally) -> None:
    run_kills(site, tally, ["extract", "build", "score", "publish", "build"])


@pytest.mark.bench
def test_refreshes_killed_at_random_moments_many_times(site: Site, tally: Tally) -> None:
    phases = ["extract", "build", "score", "publish"] * 6
    random.shuffle(phases)
    run_kills(site, tally, phases)
