"""A short working day on the small profile (`crm bench load --profile small --seconds 60`):
16 users, 4 dashboard readers, refreshes back to back and an import at once. Asserted are
the day's correctness (exactly once, reconciliation, no error but refusals, every
dashboard read one whole snapshot) and that its figures were recorded, never its speed.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import text

from crm.bench.common import AS_OF
from crm.bench.load.ledger import Ledger, Success
from crm.bench.load.readers import Versions
from crm.bench.load.run import exactly_once, run_load
from ingest.commands.expenses import ExpenseInput, create_expense
from ingest.store.db import get_engine
from tests.support.company import AS_OF as company_as_of
from tests.support.company import seeded_company
from warehouse import reader

SECONDS = 60  # a minute on small in the suite; `crm bench load` runs 300 s on large
IMPORT_ROWS = 1000  # committed in chunks of at most a second of the write lock each


@pytest.fixture
def day_folder(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A copy of the shared small company (seed 7, refreshed in full as of the day's date),
    as `prepare` copies its seeded store: the store and the warehouse with its snapshot."""
    company = seeded_company(tmp_path_factory)
    assert str(company_as_of) == AS_OF  # the day's figures are as of the company's date
    folder = tmp_path / "data"
    folder.mkdir()
    source, copy = sqlite3.connect(company.root / "crm.db"), sqlite3.connect(folder / "crm.db")
    with closing(source), closing(copy):
        source.backup(copy)
    shutil.copytree(
        company.warehouse.parent, folder / "warehouse", ignore=shutil.ignore_patterns("dbt_logs")
    )
    # run_load points this process at the folder; these restore the environment after
    for name in ("CRM_DATA_DIR", "CRM_STORE_URL", "DAGSTER_HOME"):
        monkeypatch.setenv(name, os.environ.get(name, ""))
        if not os.environ[name]:
            monkeypatch.delenv(name)
    yield folder
    reader.clear()
    get_engine(f"sqlite:///{folder / 'crm.db'}").dispose()


def test_a_working_day_under_load_loses_nothing_and_shows_no_errors(day_folder: Path) -> None:
    out = day_folder / "bench" / "load.json"
    result = run_load(day_folder, seconds=SECONDS, import_rows=IMPORT_ROWS, out=out, progress=print)
    checks = result["checks"]
    assert checks["not_exactly_once"] == []
    assert checks["reconciliation"] == []
    assert checks["user_errors_not_their_input"] == []
    assert checks["dashboard_failures"] == []
    assert result["ok"]
    # the day really happened: every role worked, the import and refreshes ran
    assert checks["successes"] > 100
    assert {
        "activity.create",
        "expense.create",
        "project.move_stage",
        "lead.create",
        "expense_report.approve",
        "customer.create",
    } <= set(result["command_ms"])
    assert result["import"]["exit_code"] == 0
    assert result["successes_by_command"]["import customers"] == 1
    assert result["refreshes"]["count"] >= 1 and result["refreshes"]["failed"] == 0
    assert result["dashboard_pages_read"] > 0
    # and its figures were recorded
    recorded = json.loads(out.read_text())
    assert recorded["commands_per_s"] > 0
    assert all(row["p95"] > 0 for row in recorded["command_ms"].values())
    assert all(row["p95"] > 0 for row in recorded["page_ms"].values())
    assert len(recorded["refreshes"]["seconds"]) == recorded["refreshes"]["count"]
    assert recorded["refresh_lag_s"]["seen"] >= 1
    assert recorded["refresh_lag_s"]["p95"] >= recorded["refresh_lag_s"]["p50"] > 0


def test_a_success_found_twice_or_not_at_all_is_reported(story) -> None:
    sqlite_engine, org, projects = story
    for _ in range(2):
        create_expense(
            sqlite_engine,
            org.rep,
            ExpenseInput(
                category="travel",
                amount="10",
                incurred_date=AS_OF,
                project_id=projects["open"],
                description="两次",
            ),
        )
    ledger = Ledger()
    for marker in ("两次", "没有"):
        ledger.succeeded(
            Success(
                "expense.create",
                "select count(*) from expenses where description = :m",
                (("m", marker),),
            )
        )
    with sqlite_engine.connect() as conn:
        count = "select count(*) from expenses where description = '两次'"
        assert conn.execute(text(count)).scalar_one() == 2
    wrong = exactly_once(sqlite_engine, ledger)
    assert len(wrong) == 2
    assert "2 rows, expected 1" in wrong[0] and "0 rows, expected 1" in wrong[1]


def test_a_snapshot_version_read_with_other_totals_is_told_apart() -> None:
    versions = Versions()
    assert versions.agree(3, {"projects": 10}) is None
    assert versions.agree(3, {"projects": 10}) is None
    assert versions.agree(3, {"projects": 11}) == {"projects": 10}
    assert versions.agree(4, {"projects": 11}) is None
