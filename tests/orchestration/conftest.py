"""A store with a small sales story and a warehouse folder for it."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ingest.commands.activities import ActivityInput, create_activity
from ingest.commands.customers import CustomerInput, create_customer
from ingest.commands.expenses import ExpenseInput, create_expense
from ingest.commands.projects import (
    CloseWonInput,
    ProjectInput,
    close_lost,
    close_won,
    create_project,
    move_stage,
)
from ingest.store.db import get_engine
from orchestration.refresh import run_refresh
from tests.conftest import Org, make_org


def make_story(engine: Engine, org: Org) -> dict[str, int]:
    """Two customers; projects won, lost and open, with stage moves and expenses."""
    today = dt.date.today()
    customers = [
        create_customer(
            engine,
            org.rep,
            CustomerInput(
                name=name, customer_type="end_user", industry="power", region="north_china"
            ),
        )
        for name in ("华北电网", "京能集团")
    ]

    def project(name: str, customer: int, amount: str, mode: str = "si_supply") -> int:
        return create_project(
            engine,
            org.rep,
            ProjectInput(
                name=name,
                customer_id=customer,
                sales_mode=mode,
                expected_amount=amount,
                expected_close_date=today + dt.timedelta(days=60),
            ),
        )

    won = project("调度系统改造", customers[0], "1200000")
    move_stage(engine, org.rep, won, "si_presales_proposal")
    move_stage(engine, org.rep, won, "si_negotiation")
    close_won(engine, org.rep, won, CloseWonInput(amount="1150000", signed_date=today))
    lost = project("容错服务器采购", customers[1], "800000", "project_type")
    move_stage(engine, org.rep, lost, "pt_tender")
    close_lost(engine, org.rep, lost, "price_too_high")
    open_one = project("SCADA升级", customers[1], "500000")
    move_stage(engine, org.rep, open_one, "si_proposal_delivered")
    for amount, project_id in (("1200.50", won), ("800", lost), ("99.50", open_one)):
        create_expense(
            engine,
            org.rep,
            ExpenseInput(
                category="travel", amount=amount, incurred_date=today, project_id=project_id
            ),
        )
    create_activity(
        engine,
        org.rep,
        ActivityInput(
            activity_type="visit", subject="现场拜访", project_id=open_one, status="done"
        ),
    )
    return {"won": won, "lost": lost, "open": open_one}


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
    shutil.copy(sqlite_template, folder / "crm.db")
    url = f"sqlite:///{folder / 'crm.db'}"
    engine = get_engine(url)
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
