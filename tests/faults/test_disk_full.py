"""The warehouse's disk fills up during the dbt build, then during the publish.

The warehouse folder sits on a small tmpfs of its own (mounted when the tests run as
root; elsewhere the refresh raises the ENOSPC a full disk would), which
tests/support/paced_refresh.py fills as the chosen phase begins. The refresh fails with
one line that says the disk is full, the snapshot in service stays the last good one and
opens, and once the space is freed the next refresh succeeds and reconciles exactly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import DagsterRunStatus

from crm.bench.change_mix import apply_changes
from orchestration.defs.resources import DUCKDB_POOL
from tests.support.company import AS_OF
from tests.support.dagster import instance_at
from tests.support.fault_site import REPO, Site, Tally, crm_refresh, serving
from tests.support.paced_refresh import FILLER
from tests.support.reconciliation import compare_everything

DISK = "256m"
FILL_DELAY = {"build": 5.0, "publish": 0.0}


def mount_small_disk(folder: Path) -> bool:
    """Put `folder` (and what it holds) on a tmpfs of DISK; False where that is not
    allowed (not root, no mount in this container)."""
    if os.geteuid() != 0:
        return False
    kept = folder.with_name(folder.name + ".kept")
    folder.rename(kept)
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK}", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        folder.rmdir()
        kept.rename(folder)
        return False
    shutil.copytree(kept, folder, dirs_exist_ok=True)
    shutil.rmtree(kept)
    return True


@pytest.fixture
def small_disk(site: Site) -> Iterator[Path | None]:
    """The warehouse folder on a disk of its own, or None where none could be mounted."""
    folder = site.warehouse.parent
    mounted = mount_small_disk(folder)
    try:
        yield folder if mounted else None
    finally:
        if mounted:
            subprocess.run(["umount", "--lazy", str(folder)], check=True)


def refresh_filling_the_disk(
    site: Site, phase: str, disk: Path | None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tests.support.paced_refresh", "refresh", "--as-of", str(AS_OF)],
        env={
            **site.env,
            "FAULTS_FILL_AT": phase,
            "FAULTS_FILL_DIR": str(disk or ""),
            # the build fills up while dbt writes its models; the publish as it begins
            "FAULTS_FILL_DELAY": str(FILL_DELAY[phase] if disk else 0),
        },
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


def test_a_full_disk_during_build_and_publish(
    site: Site, small_disk: Path | None, tally: Tally
) -> None:
    good, projects = serving(site)
    for n, phase in enumerate(("build", "publish")):
        apply_changes(10, site.engine, seed=n)
        failed = refresh_filling_the_disk(site, phase, small_disk)
        tally.injected += 1
        assert failed.returncode == 1
        lines = [line for line in failed.stderr.splitlines() if not line.startswith("phase ")]
        assert len(lines) == 1, failed.stderr[-3000:]
        assert "disk holding the warehouse" in lines[0] and "is full" in lines[0], lines[0]
        assert "last good snapshot stays published" in lines[0]
        assert serving(site) == (good, projects)
        if small_disk is not None:
            (small_disk / FILLER).unlink()
        tally.survived += 1

    done = crm_refresh(site)
    assert done.returncode == 0, done.stderr[-2000:]
    assert serving(site)[0].version == good.version + 1
    with instance_at(site.root / "dagster") as instance:
        assert [r.status for r in instance.get_runs()] == [
            DagsterRunStatus.SUCCESS,
            DagsterRunStatus.FAILURE,
            DagsterRunStatus.FAILURE,
        ]
        assert instance.event_log_storage.get_concurrency_info(DUCKDB_POOL).active_slot_count == 0
    compare_everything(site.company)


# Minutes of refreshes and restarts: run by `crm bench faults`, kept out of make test for time.
pytestmark = pytest.mark.bench
