"""Retention: `crm prune` removes what outlived its period, in chunks, counts it first with
--dry-run, never a tombstone the next incremental refresh needs, never the snapshot in
service."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from dagster._core.test_utils import instance_for_test
from sqlalchemy import Engine, insert, select, text

from crm.cli import main
from ingest.commands.expenses import delete_expense
from ingest.settings import RETENTION_DEFAULTS
from ingest.store.db import read_session
from ingest.store.models import (
    AuditLog,
    DeletedRow,
    Expense,
    IdempotencyKey,
    SignInAttempt,
    WebSession,
)
from orchestration import retention, snapshots
from orchestration.refresh import run_refresh
from orchestration.retention import prune_all, prune_store
from tests.support.org import make_org


def days_ago(days: float) -> dt.datetime:
    # read the clock at each call: under xdist a module may run many minutes after import
    return dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=days)


def fill_bookkeeping(engine: Engine, user_id: int) -> None:
    """Rows on both sides of every default period (audit 365, keys 30, tombstones 90,
    attempts 30, sessions 30 days after they end)."""
    with engine.begin() as con:
        for n, age in enumerate((400, 400, 400, 10)):
            con.execute(
                insert(AuditLog).values(
                    at=days_ago(age), action="x.test", entity="x", source="test", change_seq=1
                )
            )
            con.execute(
                insert(IdempotencyKey).values(
                    key=f"k{n}", command="x", result="1", created_at=days_ago(age / 10)
                )
            )
            con.execute(
                insert(SignInAttempt).values(
                    at=days_ago(age / 10), address="10.0.0.1", user_id=user_id, succeeded=False
                )
            )
        # tombstones: old and extracted (change 5), old but not extracted (change 50), new
        for age, change_seq in ((100, 5), (100, 5), (100, 50), (1, 5)):
            con.execute(
                insert(DeletedRow).values(
                    table_name="expenses",
                    row_id=999,
                    deleted_at=days_ago(age),
                    change_seq=change_seq,
                )
            )
        for name, ended, last_seen in (
            ("ended_long_ago", days_ago(40), days_ago(40)),
            ("ended_lately", days_ago(2), days_ago(2)),
            ("idle_never_ended", None, days_ago(40)),
            ("open", None, days_ago(0)),
        ):
            con.execute(
                insert(WebSession).values(
                    token_hash=name,
                    user_id=user_id,
                    role="rep",
                    password_digest="d",
                    address="10.0.0.1",
                    created_at=days_ago(41),
                    last_seen_at=last_seen,
                    ended_at=ended,
                )
            )


def test_prune_removes_what_outlived_its_period_in_chunks(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = make_org(sqlite_engine)
    fill_bookkeeping(sqlite_engine, org.rep)
    with read_session(sqlite_engine) as s:
        audit_before = s.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1))
    monkeypatch.setattr(retention, "CHUNK", 2)  # three old audit rows: two chunks
    expected = {
        "idempotency_keys": 3,
        "audit_log": 3,
        "deleted_rows": 2,  # not the one above the watermark, not the recent one
        "sign_in_attempts": 3,
        "web_sessions": 2,
    }
    assert prune_store(sqlite_engine, 10, dry_run=True) == expected
    assert prune_store(sqlite_engine, 10, dry_run=False) == expected
    assert prune_store(sqlite_engine, 10, dry_run=True) == dict.fromkeys(expected, 0)
    with read_session(sqlite_engine) as s:
        assert s.scalars(select(WebSession.token_hash).order_by(WebSession.token_hash)).all() == [
            "ended_lately",
            "open",
        ]
        assert sorted(s.execute(select(DeletedRow.change_seq)).scalars()) == [5, 50]
        # the audit entries of the users just created are younger than a year: kept
        assert s.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1)) == audit_before
    # the throttle's window survives even a 0-day setting
    monkeypatch.setenv("CRM_RETAIN_SIGNIN_ATTEMPT_DAYS", "0")
    with sqlite_engine.begin() as con:
        con.execute(
            insert(SignInAttempt).values(
                at=days_ago(0.001), address="10.0.0.2", user_id=None, succeeded=False
            )
        )
    assert prune_store(sqlite_engine, 10, dry_run=False)["sign_in_attempts"] == 1
    with read_session(sqlite_engine) as s:
        assert s.scalars(select(SignInAttempt.address)).all() == ["10.0.0.2"]
    with sqlite_engine.connect() as con:  # bookkeeping: no change number was drawn
        assert con.execute(text("select value from change_counter")).scalar_one() > 0
        before = con.execute(text("select value from change_counter")).scalar_one()
    monkeypatch.setenv("CRM_RETAIN_AUDIT_DAYS", "0")
    assert prune_store(sqlite_engine, 10, dry_run=False)["audit_log"] > 0
    with sqlite_engine.connect() as con:
        assert con.execute(text("select value from change_counter")).scalar_one() == before


def test_pruning_keeps_the_tombstones_the_next_refresh_needs(
    refreshed, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Delete a record, prune with 0-day retention everywhere, refresh incrementally: the
    deletion reaches the marts, and the marts' expenses are exactly the store's."""
    engine, org, _, warehouse = refreshed
    for setting in RETENTION_DEFAULTS:
        monkeypatch.setenv(setting, "0")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        mark = con.execute("select min(change_seq) from raw._watermarks").fetchall()[0][0]
    with engine.begin() as con:  # a tombstone the warehouse applied long ago
        con.execute(
            insert(DeletedRow).values(
                table_name="expenses", row_id=424242, deleted_at=days_ago(1), change_seq=mark
            )
        )
    with read_session(engine) as s:
        gone = s.scalars(select(Expense.id).order_by(Expense.id)).first()
    delete_expense(engine, org.rep, gone)

    home = tmp_path / "dagster_home"
    home.mkdir()
    with instance_for_test(temp_dir=str(home)) as instance:
        report = prune_all(engine=engine, warehouse=warehouse, instance=instance)
    assert report.removed["deleted_rows"] == 1
    assert report.removed["audit_log"] > 0
    with read_session(engine) as s:
        kept = s.execute(select(DeletedRow.table_name, DeletedRow.row_id)).all()
        store = s.execute(select(Expense.id, Expense.amount).order_by(Expense.id)).all()
    assert kept == [("expenses", gone)]

    run_refresh(engine=engine, warehouse=warehouse)
    snapshot = snapshots.current(warehouse.parent)
    with duckdb.connect(str(snapshot.path), read_only=True) as con:
        marts = con.execute("select expense_id, amount from fct_expenses order by 1").fetchall()
    assert gone not in {row[0] for row in marts}
    assert marts == [tuple(row) for row in store]


def test_old_snapshots_go_but_never_the_one_in_service(tmp_path: Path) -> None:
    folder = tmp_path / "snapshots"
    folder.mkdir()
    for version in range(1, 6):
        (folder / f"v{version:06d}.duckdb").write_text("")
    (folder / "CURRENT").write_text(json.dumps({"version": 2, "file": "v000002.duckdb"}))
    (folder / ".v000006.duckdb.partial").write_text("")  # a publish under way
    assert snapshots.stale_versions(folder, 2) == [1, 3]
    snapshots.prune(folder, keep=2, partials=False)
    assert sorted(p.name for p in folder.iterdir()) == [
        ".v000006.duckdb.partial",
        "CURRENT",
        "v000002.duckdb",
        "v000004.duckdb",
        "v000005.duckdb",
    ]


def test_crm_prune_dry_run_prints_counts_and_removes_nothing(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    org = make_org(sqlite_engine)
    fill_bookkeeping(sqlite_engine, org.rep)
    env = {
        "CRM_DATA_DIR": str(tmp_path),
        "CRM_STORE_URL": sqlite_engine.url.render_as_string(hide_password=False),
        "DAGSTER_HOME": str(tmp_path / "dagster"),
    }
    result = CliRunner().invoke(main, ["prune", "--dry-run"], env=env)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "audit_log          would remove        3" in lines
    assert "web_sessions       would remove        2" in lines
    assert "deleted_rows       would remove        0" in lines  # no warehouse yet: all kept
    assert "dagster_runs       would remove        0" in lines
    with read_session(sqlite_engine) as s:
        assert len(s.scalars(select(WebSession.token_hash)).all()) == 4
    bad = CliRunner().invoke(main, ["prune"], env={**env, "CRM_RETAIN_AUDIT_DAYS": "a year"})
    assert bad.exit_code == 1
    assert "CRM_RETAIN_AUDIT_DAYS must be a whole number, not 'a year'" in bad.output
