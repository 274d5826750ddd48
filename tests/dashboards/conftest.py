"""The small demo company, seeded and refreshed once for the dashboards' tests."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from dashboards import reader
from ingest.store.db import get_engine
from orchestration.refresh import run_refresh

AS_OF = dt.date(2026, 11, 27)


@dataclass
class Company:
    root: Path
    engine: Engine
    warehouse: Path


@pytest.fixture(scope="session")
def company(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Company]:
    """One seed + full refresh per test session (about a minute); the dashboards read it
    through CRM_DATA_DIR like the served app does."""
    root = tmp_path_factory.mktemp("dash_company")
    env = {**os.environ, "CRM_DATA_DIR": str(root)}
    env.pop("CRM_STORE_URL", None)
    for args in (["init"], ["seed", "--profile", "small", "--seed", "7", "--as-of", str(AS_OF)]):
        subprocess.run(
            [sys.executable, "-m", "ingest.cli", *args], env=env, check=True, capture_output=True
        )
    engine = get_engine(f"sqlite:///{root / 'crm.db'}")
    warehouse = root / "warehouse" / "build.duckdb"
    warehouse.parent.mkdir(exist_ok=True)
    run_refresh(full=True, as_of=str(AS_OF), engine=engine, warehouse=warehouse)
    previous = os.environ.get("CRM_DATA_DIR")
    os.environ["CRM_DATA_DIR"] = str(root)
    reader.clear()
    yield Company(root, engine, warehouse)
    reader.clear()
    if previous is None:
        os.environ.pop("CRM_DATA_DIR", None)
    else:
        os.environ["CRM_DATA_DIR"] = previous
    engine.dispose()
