"""The scale-out engine (docs/architecture.md §5.6): the same dbt project built by Spark.

Extraction still fills raw in the build file. A Spark build then reads raw as Parquet
folders written from it, builds every model in full (plain Parquet cannot merge an
incremental change), and its marts are copied into a new marts file, each table created
from its contract (columns, types, NOT NULL) so that a row that breaks it stops the copy.
Scoring, publishing and the apps then work on that file as after a DuckDB build.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import duckdb

from ingest.store.models import ENTITY_TABLES
from orchestration.dbt_runner import (
    BUILD,
    INCREMENTAL_FILE,
    BuildResult,
    dbt_args,
    dbt_env,
    dbt_executable,
    marts_path,
    run_dbt_build,
    start_marts_afresh,
)

SPARK_BUILD = [*BUILD, "--target", "spark"]
TARGET_DIR = "dbt_target_spark"
# Spark keeps a managed table of schema `main` in <warehouse dir>/main.db/<table>/
MARTS_SCHEMA = "main"


class ContractBroken(RuntimeError):
    def __init__(self, table: str, written: list[str], contract: list[str]) -> None:
        missing = sorted(set(contract) - set(written))
        extra = sorted(set(written) - set(contract))
        super().__init__(
            f"Spark's {table} does not match its contract: missing {missing or 'none'}, "
            f"not in the contract {extra or 'none'}"
        )


def spark_dir(warehouse: Path) -> Path:
    """Spark's own folder beside the build file (dbt_project/profiles.yml names it
    relative to the warehouse's folder): raw Parquet, Spark's tables, its metastore."""
    return warehouse.parent / "spark"


def run_spark_build(warehouse: Path, *, as_of: dt.date | str | None) -> BuildResult:
    """Raw as Parquet, the whole project built by Spark, its marts copied for publishing."""
    write_raw_parquet(warehouse)
    result = run_dbt_build(
        warehouse, full=True, as_of=as_of, words=SPARK_BUILD, target_dir=TARGET_DIR
    )
    if result.ok:
        finish_spark_build(warehouse, warehouse.parent / TARGET_DIR, as_of=as_of)
    return result


def finish_spark_build(warehouse: Path, target: Path, *, as_of: dt.date | str | None) -> None:
    """After a Spark build that passed: its mart tables copied, the mart views rebuilt."""
    manifest = json.loads((target / "manifest.json").read_text())
    copy_marts(warehouse, manifest)
    views = mart_views(manifest)
    if views:
        done = subprocess.run(
            [dbt_executable(), *dbt_args(["run", "--select", *views], warehouse)],
            env=dbt_env(warehouse, as_of=as_of),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError("the marts' views did not build: " + done.stdout[-400:])


def write_raw_parquet(warehouse: Path) -> int:
    """Every raw table of the build file as a Parquet folder (spark/raw/<table>), written
    afresh; returns the rows written. The dbt project registers the folders as the raw
    schema's tables when a Spark build starts (macros/register_raw_tables.sql)."""
    raw = spark_dir(warehouse) / "raw"
    rows = 0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        for table in ENTITY_TABLES:
            folder = raw / table.name
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            target = _literal(folder / "part-0.parquet")
            con.execute(f"copy ({_as_instants(con, table.name)}) to {target} (format parquet)")
            rows += con.execute(f"select count(*) from raw.{table.name}").fetchone()[0]
    return rows


def _as_instants(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The raw table with its timestamps (UTC, without a zone) written as instants: Spark
    reads a zoneless Parquet timestamp as its TIMESTAMP_NTZ, which is not the contracts'
    `timestamp`."""
    zoneless = [
        name
        for name, kind in con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw' and table_name = ?",
            [table],
        ).fetchall()
        if kind == "TIMESTAMP"
    ]
    replaced = ", ".join(f"cast({name} as timestamptz) as {name}" for name in zoneless)
    return f"select * {f'replace ({replaced})' if replaced else ''} from raw.{table}"


def copy_marts(warehouse: Path, manifest: dict) -> list[str]:
    """Spark's mart tables into a new marts file; returns the tables copied.

    Each table is created from its model's contract and filled by column name: other
    columns than the contract's, or a null where it forbids one, fail here, before anything
    is published (dbt checked the types as Spark built the table). Marts that are views
    are left to DuckDB (finish_spark_build), since a view's SQL is written for the engine
    that reads it."""
    start_marts_afresh(warehouse)
    tables = spark_dir(warehouse) / "warehouse" / f"{MARTS_SCHEMA}.db"
    copied = []
    with duckdb.connect(str(marts_path(warehouse))) as con:
        con.execute("set TimeZone = 'UTC'")  # Spark writes instants in UTC
        for node in mart_tables(manifest):
            name = node["name"]
            files = _literal(tables / name / "*.parquet")
            written = [row[0] for row in con.execute(f"describe select * from {files}").fetchall()]
            if sorted(written) != sorted(node["columns"]):
                raise ContractBroken(name, written, list(node["columns"]))
            con.execute(f"create table {MARTS_SCHEMA}.{name} ({_columns_ddl(node)})")
            con.execute(f"insert into {MARTS_SCHEMA}.{name} by name select * from {files}")
            copied.append(name)
    # the DuckDB warehouse's own incremental tables no longer match these marts: the next
    # DuckDB build must be a full one (dbt_runner.incremental_models_changed)
    (warehouse.parent / INCREMENTAL_FILE).unlink(missing_ok=True)
    return copied


def mart_tables(manifest: dict) -> list[dict]:
    """The marts' models that are tables (incremental ones included), by name."""
    nodes = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["fqn"][1] == "marts"
        and node["config"]["materialized"] in ("table", "incremental")
    ]
    return sorted(nodes, key=lambda node: node["name"])


def mart_views(manifest: dict) -> list[str]:
    return sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["fqn"][1] == "marts"
        and node["config"]["materialized"] == "view"
    )


def _columns_ddl(node: dict) -> str:
    columns = []
    for column in node["columns"].values():
        not_null = any(c["type"] == "not_null" for c in column.get("constraints", []))
        columns.append(f"{column['name']} {column['data_type']}{' not null' if not_null else ''}")
    return ", ".join(columns)


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"
