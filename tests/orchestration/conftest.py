"""A store with a small sales story and a warehouse folder for it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ingest.store.db import get_engine
from orchestration.refresh import run_refresh
from tests.support.org import Org, make_org
from tests.support.stores import copied_store
from tests.support.story import make_story


@pytest.fixture
def story(sqlite_engine: Engine) -> tuple[Engine, Org, dict[str, int]]:
    org = make_org(sqlite_engine)
    return sqlite_engine, org, make_story(sqlite_engine, org)


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path))
    folder = tmp_path / "warehouse"
    folder.mkdir()
    return folder / "build.duckdb"


@pytest.fixture(scope="session")
def refreshed_template(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> tuple[Path, Org, dict[str, int]]:
    """The story's store and warehouse after a first refresh, built once per test process."""
    folder = tmp_path_factory.mktemp("refreshed")
    _, engine = copied_store(sqlite_template, folder)
    org = make_org(engine)
    projects = make_story(engine, org)
    (folder / "warehouse").mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CRM_DATA_DIR", str(folder))
        run_refresh(engine=engine, warehouse=folder / "warehouse" / "build.duckdb")
    engine.dispose()
    return folder, org, projects


@pytest.fixture
def refreshed(
    refreshed_template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Engine, Org, dict[str, int], Path]:
    """A copy of the refreshed story of its own: (store, org, projects, warehouse file);
    one snapshot is in service."""
    template, org, projects = refreshed_template
    folder = tmp_path / "data"
    shutil.copytree(template, folder)
    monkeypatch.setenv("CRM_DATA_DIR", str(folder))
    engine = get_engine(f"sqlite:///{folder / 'crm.db'}")
    return engine, org, projects, folder / "warehouse" / "build.duckdb"
