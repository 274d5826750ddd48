"""A tiny seeded company with one published snapshot, copied for each fault module, and
the tally of faults injected and survived that `crm bench faults` collects.

Every fault test ends the same way: the snapshot in service is the last good one and
opens, the next refresh succeeds, and the marts reconcile exactly with the store
(`compare_everything` of the reconciliation suite)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import Engine

from ingest.store.db import get_engine
from orchestration import snapshots
from orchestration.refresh import run_refresh
from tests.orchestration.test_reconciliation import AS_OF, Company

FIGURES_ENV = "CRM_FAULTS_FIGURES"  # a JSON-lines file `crm bench faults` reads


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


@dataclass
class Site:
    """A copy of the seeded company: its data folder, store and warehouse, and the
    environment of a `crm` process working on it (DAGSTER_HOME left to its default)."""

    root: Path
    engine: Engine
    env: dict[str, str] = field(default_factory=dict)

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse" / "build.duckdb"

    @property
    def company(self) -> Company:
        return Company(self.engine, self.warehouse)


def copy_site(template: Path, root: Path) -> Site:
    shutil.copytree(template, root)
    url = f"sqlite:///{root / 'crm.db'}"
    env = {**os.environ, "CRM_DATA_DIR": str(root), "CRM_STORE_URL": url}
    env.pop("DAGSTER_HOME", None)
    return Site(root, get_engine(url), env)


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


def serving(site: Site) -> tuple[snapshots.Snapshot, int]:
    """The snapshot in service and its number of opportunities: it opens and reads."""
    current = snapshots.current(site.warehouse.parent)
    with duckdb.connect(str(current.path), read_only=True) as con:
        return current, con.execute("select count(*) from fct_opportunities").fetchall()[0][0]


def crm_refresh(site: Site, *extra: str) -> subprocess.CompletedProcess[str]:
    """`crm refresh` (through Dagster) as the operator runs it, as of the seed's date."""
    return subprocess.run(
        [sys.executable, "-m", "crm.cli", "refresh", "--as-of", str(AS_OF), *extra],
        env=site.env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


@dataclass
class Tally:
    fault: str
    injected: int = 0
    survived: int = 0


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
