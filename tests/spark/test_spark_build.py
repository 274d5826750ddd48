"""The same dbt project built by Spark (docs/architecture.md §5.6).

The small demo company, already refreshed by DuckDB, is refreshed again with
`crm refresh --engine spark` (through Dagster, in a data directory of its own). Every dbt
test that ran on DuckDB passes on Spark, the published marts reconcile with the store, and
they equal DuckDB's table for table. Run by `make test-spark` (marker `spark`), a step of
its own in CI: Spark starts a JVM and runs each of some 250 nodes as a Spark job.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from ingest.store.db import get_engine
from orchestration import snapshots
from tests.support.company import AS_OF, Company, seeded_company
from tests.support.reconciliation import Company as Reconciled
from tests.support.reconciliation import compare_everything

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def on_duckdb(tmp_path_factory: pytest.TempPathFactory) -> Company:
    return seeded_company(tmp_path_factory)


@pytest.fixture(scope="module")
def on_spark(tmp_path_factory: pytest.TempPathFactory, on_duckdb: Company) -> Iterator[Company]:
    root = tmp_path_factory.mktemp("spark_company")
    shutil.copytree(on_duckdb.root, root, dirs_exist_ok=True)
    shutil.rmtree(root / "dagster", ignore_errors=True)
    env = {**os.environ, "CRM_DATA_DIR": str(root), "DAGSTER_HOME": str(root / "dagster")}
    env.pop("CRM_STORE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "crm.cli", "refresh", "--engine", "spark", "--as-of", str(AS_OF)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert "on Spark" in done.stdout
    engine = get_engine(f"sqlite:///{root / 'crm.db'}")
    yield Company(root, engine, root / "warehouse" / "build.duckdb")
    engine.dispose()


def passed_tests(run_results: Path) -> set[str]:
    results = json.loads(run_results.read_text())["results"]
    return {r["unique_id"] for r in results if r["unique_id"].startswith("test.")}


def failed(run_results: Path) -> list[str]:
    results = json.loads(run_results.read_text())["results"]
    return [r["unique_id"] for r in results if r["status"] in ("error", "fail", "runtime error")]


def test_every_dbt_test_of_the_duckdb_build_passes_on_spark(on_duckdb, on_spark) -> None:
    (spark_results,) = (on_spark.root / "warehouse" / "dagster_dbt").glob("*/run_results.json")
    duckdb_results = on_duckdb.root / "warehouse" / "dbt_target" / "run_results.json"
    assert failed(spark_results) == []
    # Spark on Parquet runs no snapshots, so neither their own tests
    expected = {t for t in passed_tests(duckdb_results) if "_snapshot" not in t}
    assert len(expected) > 150
    assert passed_tests(spark_results) >= expected


def test_the_spark_marts_reconcile_with_the_store(on_spark) -> None:
    compare_everything(Reconciled(on_spark.engine, on_spark.warehouse))


def test_the_spark_marts_equal_the_duckdb_marts(on_duckdb, on_spark) -> None:
    duck = snapshots.current(on_duckdb.warehouse.parent).path
    spark = snapshots.current(on_spark.warehouse.parent).path
    with duckdb.connect() as con:
        con.execute(f"attach '{duck}' as duck (read_only)")
        con.execute(f"attach '{spark}' as spark (read_only)")
        # every table but the snapshot's own record (_snapshot: its version, publish time)
        tables = con.execute(
            "select table_name from duckdb_tables() "
            "where database_name = 'duck' and not starts_with(table_name, '_') order by 1"
        ).fetchall()
        assert len(tables) > 20
        for (table,) in tables:
            assert columns(con, "spark", table) == columns(con, "duck", table), table
            select = ", ".join(comparable(name, kind) for name, kind in columns(con, "duck", table))
            for left, right in (("duck", "spark"), ("spark", "duck")):
                differing = con.execute(
                    f"select count(*) from (select {select} from {left}.{table} "
                    f"except all select {select} from {right}.{table})"
                ).fetchone()[0]
                assert differing == 0, f"{table}: {differing} rows of {left} not in {right}"


def columns(con: duckdb.DuckDBPyConnection, database: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from duckdb_columns() "
        "where database_name = ? and table_name = ? order by column_index",
        [database, table],
    ).fetchall()


def comparable(name: str, kind: str) -> str:
    """Doubles are compared to nine decimals: the engines may sum them in another order."""
    return f"round({name}, 9) as {name}" if kind in ("DOUBLE", "FLOAT") else name
