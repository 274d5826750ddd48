"""A tiny seeded company with one published snapshot, copied for each fault module, and
the tally of faults injected and survived that `crm bench faults` collects.

Every fault test ends the same way: the snapshot in service is the last good one and
opens, the next refresh succeeds, and the marts reconcile exactly with the store
(`compare_everything` of the reconciliation suite)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.store.db import get_engine
from orchestration.refresh import run_refresh
from tests.support.company import AS_OF
from tests.support.fault_site import FIGURES_ENV, Site, Tally, copy_site


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny profile as of the reconciliation suite's date, refreshed once in full."""
    root = tmp_path_factory.mktemp("faults_template")
    env = {**os.environ, "CRM_DATA_DIR": str(root)}
    env.pop("CRM_STORE_URL", None)
    env.pop("DAGSTER_HOME", None)
    for args in (["init"], ["seed", "--profile", "tiny", "--seed", "7", "--as-of", str(AS_OF)]):
        subprocess.run(
            [sys.executable, "-m", "crm.cli", *args], env=env, check=True, capture_output=True
        )
    engine = get_engine(f"sqlite:///{root / 'crm.db'}")
    warehouse = root / "warehouse" / "build.duckdb"
    warehouse.parent.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CRM_DATA_DIR", str(root))
        run_refresh(full=True, as_of=str(AS_OF), engine=engine, warehouse=warehouse)
    engine.dispose()
    return root


@pytest.fixture(scope="module")
def site(seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One copy of the seeded company per module: its faults follow one another on it."""
    copied = copy_site(seeded_template, tmp_path_factory.mktemp("site") / "data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CRM_DATA_DIR", str(copied.root))
        patch.setenv("CRM_STORE_URL", copied.env["CRM_STORE_URL"])
        patch.setenv("DAGSTER_HOME", str(copied.root / "dagster"))
        yield copied
    copied.engine.dispose()


@pytest.fixture
def tally(request: pytest.FixtureRequest) -> Iterator[Tally]:
    """Count the faults a test injects and those whose aftermath checked out; written,
    when `crm bench faults` asks, whether the test passed or not."""
    counted = Tally(fault=request.node.name.removeprefix("test_"))
    yield counted
    figures = os.environ.get(FIGURES_ENV)
    if figures:
        with open(figures, "a", encoding="utf-8") as out:
            out.write(json.dumps(counted.__dict__) + "\n")
