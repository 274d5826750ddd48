"""The small demo company, seeded and refreshed once per test process and shared by the
dashboards' tests (tests/dashboards) and their browser tests (tests/e2e)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ingest.store.db import get_engine
from orchestration.refresh import run_refresh
from tests.support.signin import choose_passwords
from warehouse import reader

AS_OF = dt.date(2026, 11, 27)
APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")
_built: list[Company] = []


@dataclass
class Company:
    root: Path
    engine: Engine
    warehouse: Path


def seeded_company(tmp_path_factory: pytest.TempPathFactory) -> Company:
    """Seed (small profile, seed 7) and refresh in full, once per process (about a minute)."""
    if _built:
        return _built[0]
    root = tmp_path_factory.mktemp("dash_company")
    env = {**os.environ, "CRM_DATA_DIR": str(root)}
    env.pop("CRM_STORE_URL", None)
    for args in (["init"], ["seed", "--profile", "small", "--seed", "7", "--as-of", str(AS_OF)]):
        subprocess.run(
            [sys.executable, "-m", "crm.cli", *args], env=env, check=True, capture_output=True
        )
    engine = get_engine(f"sqlite:///{root / 'crm.db'}")
    choose_passwords(engine)
    warehouse = root / "warehouse" / "build.duckdb"
    warehouse.parent.mkdir(exist_ok=True)
    run_refresh(full=True, as_of=str(AS_OF), engine=engine, warehouse=warehouse)
    _built.append(Company(root, engine, warehouse))
    return _built[0]


@contextmanager
def reading(company: Company) -> Iterator[Company]:
    """The dashboards (and session tokens) read this company's data directory meanwhile."""
    previous = os.environ.get("CRM_DATA_DIR")
    os.environ["CRM_DATA_DIR"] = str(company.root)
    reader.clear()
    try:
        yield company
    finally:
        reader.clear()
        if previous is None:
            os.environ.pop("CRM_DATA_DIR", None)
        else:
            os.environ["CRM_DATA_DIR"] = previous
