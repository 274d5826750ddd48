"""The refresh publishes consistent snapshots and keeps the last good one on any failure."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import text

from ingest.commands.customers import CustomerInput, create_customer
from orchestration import snapshots
from orchestration.dbt_runner import (
    DBT_PROJECT_DIR,
    INCREMENTAL_FILE,
    dbt_args,
    dbt_env,
    dbt_executable,
    incremental_models_fingerprint,
    marts_path,
)
from orchestration.refresh import BuildFailed, run_refresh
from tests.support.story import SET_ROLE


def snapshot_rows(warehouse: Path, sql: str) -> list[tuple]:
    snapshot = snapshots.current(warehouse.parent)
    with duckdb.connect(str(snapshot.path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_refresh_publishes_marts_that_match_the_store(story, warehouse) -> None:
    engine, _org, projects = story
    summary = run_refresh(engine=engine, warehouse=warehouse)

    assert summary.snapshot.version == 1 and summary.build.ok
    assert summary.build.models > 40 and summary.build.tests_passed > 90
    assert snapshot_rows(
        warehouse,
        "select project_id, status, won_amount, expense_amount from fct_opportunities order by 1",
    ) == [
        (projects["won"], "won", Decimal("1150000.00"), Decimal("1200.50")),
        (projects["lost"], "lost", None, Decimal("800.00")),
        (projects["open"], "open", None, Decimal("99.50")),
    ]
    # the open project is weighted by its stage's default probability (方案提供: 0.40)
    assert snapshot_rows(
        warehouse, "select weighted_amount from fct_opportunities where status = 'open'"
    ) == [(Decimal("200000.00"),)]
    assert snapshot_rows(
        warehouse,
        "select stage_code, exit_type from fct_stage_transitions "
        f"where project_id = {projects['won']} order by visit_number",
    ) == [
        ("si_project_info", "advanced"),
        ("si_presales_proposal", "advanced"),
        ("si_negotiation", "won"),
        ("si_contract_signed", "terminal"),
    ]
    assert snapshot_rows(
        warehouse,
        "select loss_reason_code, last_stage_code from fct_win_loss where outcome = 'lost'",
    ) == [("price_too_high", "pt_tender")]


def test_new_data_arrives_in_a_new_snapshot_and_old_ones_are_pruned(refreshed) -> None:
    engine, org, _, warehouse = refreshed
    old = snapshots.current(warehouse.parent)
    reader = duckdb.connect(str(old.path), read_only=True)  # a dashboard holding the old one
    create_customer(
        engine,
        org.rep,
        CustomerInput(
            name="新客户", customer_type="end_user", industry="water", region="north_china"
        ),
    )
    run_refresh(engine=engine, warehouse=warehouse)
    new = snapshots.current(warehouse.parent)
    assert new.version == 2 and new.change_seq > old.change_seq
    assert snapshot_rows(warehouse, "select count(*) from mart_customer_costs") == [(3,)]
    assert reader.execute("select count(*) from mart_customer_costs").fetchall() == [(2,)]
    reader.close()
    for _ in range(2):
        snapshots.publish(warehouse, change_seq=new.change_seq)
    kept = sorted(p.name for p in snapshots.snapshots_dir(warehouse.parent).glob("v*.duckdb"))
    assert kept == ["v000002.duckdb", "v000003.duckdb", "v000004.duckdb"]


def test_a_failing_dbt_test_publishes_nothing(refreshed) -> None:
    engine, _org, _, warehouse = refreshed
    good = snapshots.current(warehouse.parent)
    # A role the warehouse does not know, written around the domain commands (a bad import).
    with engine.begin() as conn:
        conn.execute(text("update change_counter set value = value + 1"))
        conn.execute(text(SET_ROLE.format(role="intern")))
    with pytest.raises(BuildFailed, match="accepted_values_dim_employees_role"):
        run_refresh(engine=engine, warehouse=warehouse)
    assert snapshots.current(warehouse.parent) == good
    # the incremental tests' mark stays at the last build in which everything passed
    assert mark_of(warehouse) == good.change_seq
    with engine.begin() as conn:
        conn.execute(text("update change_counter set value = value + 1"))
        conn.execute(text(SET_ROLE.format(role="rep")))
    summary = run_refresh(engine=engine, warehouse=warehouse)
    assert summary.snapshot.version == good.version + 1
    assert mark_of(warehouse) == summary.snapshot.change_seq > good.change_seq


def mark_of(warehouse: Path) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select change_seq from dbt_meta.tested_through").fetchall()[0][0]


def test_incremental_tests_check_the_rows_changed_since_the_last_good_build(refreshed) -> None:
    """unique_since_tested: a duplicate key among rows that arrived after the mark fails;
    rows at or below the mark passed in an earlier build and are not read again."""
    _engine, _org, _, warehouse = refreshed
    mark = mark_of(warehouse)
    assert mark == snapshots.current(warehouse.parent).change_seq > 0

    def duplicate_activity(source_change_seq: int) -> None:
        with duckdb.connect(str(marts_path(warehouse))) as con:
            con.execute(
                "insert into fct_activities select * replace (? as source_change_seq) "
                "from fct_activities limit 1",
                [source_change_seq],
            )

    def unique_test_failures() -> int:
        subprocess.run(
            [
                dbt_executable(),
                *dbt_args(
                    ["test", "--select", "fct_activities,test_name:unique_since_tested"],
                    warehouse,
                ),
            ],
            env=dbt_env(warehouse),
            capture_output=True,
            check=False,
        )
        results = warehouse.parent / "dbt_target" / "run_results.json"
        (result,) = [
            r
            for r in json.loads(results.read_text())["results"]
            if "unique_since_tested_fct_activities" in r["unique_id"]
        ]
        return 0 if result["status"] == "pass" else result["failures"]

    duplicate_activity(mark)
    assert unique_test_failures() == 0  # at the mark: already tested, not read again
    duplicate_activity(mark + 1)
    assert unique_test_failures() == 1


def test_writers_during_a_refresh_lose_nothing(refreshed) -> None:
    """Entries keep flowing while the refresh reads the store; the next refresh has them all."""
    engine, org, _, warehouse = refreshed
    stop = threading.Event()
    created: list[int] = []

    def keep_writing() -> None:
        n = 0
        while not stop.is_set():
            created.append(
                create_customer(
                    engine,
                    org.rep,
                    CustomerInput(
                        name=f"并发客户{n}",
                        customer_type="end_user",
                        industry="water",
                        region="north_china",
                    ),
                )
            )
            n += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        during = run_refresh(engine=engine, warehouse=warehouse)
    finally:
        stop.set()
        writer.join()
    seen_during = snapshot_rows(warehouse, "select count(*) from mart_customer_costs")[0][0]
    assert created and 2 <= seen_during <= 2 + len(created)
    run_refresh(engine=engine, warehouse=warehouse)
    assert snapshot_rows(warehouse, "select count(*) from mart_customer_costs") == [
        (2 + len(created),)
    ]
    assert snapshot_rows(
        warehouse, "select count(*) from mart_customer_costs where customer_name like '并发客户%'"
    ) == [(len(created),)]
    assert during.snapshot.change_seq < snapshots.current(warehouse.parent).change_seq


def test_incremental_models_that_changed_are_rebuilt_in_full(refreshed) -> None:
    """A new version of an incremental model (its SQL or its columns) cannot be added to
    the rows built by the old one: the next refresh rebuilds everything, then records it."""
    engine, _org, _, warehouse = refreshed
    built = warehouse.parent / INCREMENTAL_FILE
    assert built.read_text() == incremental_models_fingerprint()
    built.write_text("built by an earlier version")
    with duckdb.connect(str(marts_path(warehouse))) as con:
        con.execute("create table left_by_the_old_build as select 1 as x")
    run_refresh(engine=engine, warehouse=warehouse)
    results = json.loads((warehouse.parent / "dbt_target" / "run_results.json").read_text())
    assert results["args"]["full_refresh"] is True
    # a full build writes a new marts file: no space freed by the old tables is published
    assert snapshot_rows(
        warehouse,
        "select count(*) from information_schema.tables where table_name = 'left_by_the_old_build'",
    ) == [(0,)]
    assert built.read_text() == incremental_models_fingerprint()


def test_the_fingerprint_follows_sql_and_columns_not_descriptions(tmp_path: Path) -> None:
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR / "models", project / "models")
    before = incremental_models_fingerprint(project)
    models = project / "models" / "marts" / "finance" / "fct_expenses.yml"
    text = models.read_text()
    models.write_text(text.replace('"Employee who incurred the expense."', '"Who spent it."'))
    assert incremental_models_fingerprint(project) == before
    models.write_text(text.replace("- name: report_status", "- name: report_state"))
    assert incremental_models_fingerprint(project) != before
    models.write_text(text)
    sql = project / "models" / "marts" / "finance" / "fct_expenses.sql"
    sql.write_text(sql.read_text() + "\n-- a new rule\n")
    assert incremental_models_fingerprint(project) != before
