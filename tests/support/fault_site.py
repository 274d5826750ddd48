"""A copy of the seeded company that fault tests break, what they check after a fault, and
the tally of faults injected and survived that `crm bench faults` collects."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from sqlalchemy import Engine

from ingest.store.db import get_engine
from orchestration import snapshots
from tests.support.company import AS_OF
from tests.support.dagster import instance_at
from tests.support.reconciliation import Company

REPO = Path(__file__).resolve().parents[2]  # the checkout


FIGURES_ENV = "CRM_FAULTS_FIGURES"  # a JSON-lines file `crm bench faults` reads


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


def seed_of_run() -> int:
    """CRM_FAULTS_SEED replays a run; otherwise each run draws its own kill moments."""
    return int(os.environ.get("CRM_FAULTS_SEED") or random.randrange(1_000_000))


def run_ids(site: Site) -> set[str]:
    home = site.root / "dagster"
    if not (home / "dagster.yaml").exists():
        return set()  # no run yet; `crm` writes the instance's configuration first
    with instance_at(home) as instance:
        return {run.run_id for run in instance.get_runs()}
