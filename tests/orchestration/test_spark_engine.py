"""The DuckDB side of a Spark build (orchestration.spark_engine), without Spark: raw written
as Parquet, and Spark's mart tables copied into the marts file through their contracts.
The Spark build itself is tested by `make test-spark` (tests/spark)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingest.store.models import ENTITY_TABLES
from orchestration.dbt_runner import INCREMENTAL_FILE, marts_path
from orchestration.spark_engine import (
    ContractBroken,
    copy_marts,
    mart_views,
    spark_dir,
    write_raw_parquet,
)


def mart(name: str, materialized: str, columns: dict[str, tuple[str, bool]]) -> dict:
    """A manifest node of a mart with a contract: column -> (data type, not null)."""
    return {
        "resource_type": "model",
        "name": name,
        "fqn": ["crm", "marts", "sales", name],
        "config": {"materialized": materialized},
        "columns": {
            column: {
                "name": column,
                "data_type": kind,
                "constraints": [{"type": "not_null"}] if not_null else [],
            }
            for column, (kind, not_null) in columns.items()
        },
    }


MANIFEST = {
    "nodes": {
        "model.crm.fct_deals": mart(
            "fct_deals",
            "incremental",
            {
                "deal_id": ("bigint", True),
                "amount": ("decimal(18,2)", False),
                "stage": ("string", False),
                "closed_at": ("timestamp", False),
            },
        ),
        "model.crm.fct_daily": mart("fct_daily", "view", {"deal_id": ("bigint", True)}),
        "model.crm.stg_deals": {
            **mart("stg_deals", "view", {}),
            "fqn": ["crm", "staging", "stg_deals"],
        },
    }
}


def spark_wrote(warehouse: Path, table: str, rows: pa.Table) -> None:
    folder = spark_dir(warehouse) / "warehouse" / "main.db" / table
    folder.mkdir(parents=True)
    pq.write_table(rows, folder / "part-00000.snappy.parquet")


def deals(deal_ids: list[int | None]) -> pa.Table:
    """Columns in another order than the contract's, as Spark may write them."""
    n = len(deal_ids)
    return pa.table(
        {
            "stage": pa.array(["won"] * n),
            "deal_id": pa.array(deal_ids, pa.int64()),
            "closed_at": pa.array(
                [dt.datetime(2026, 11, 27, 8, 30, tzinfo=dt.UTC)] * n, pa.timestamp("us", "UTC")
            ),
            "amount": pa.array([12.5] * n).cast(pa.decimal128(18, 2)),
        }
    )


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    build = tmp_path / "build.duckdb"
    duckdb.connect(str(build)).close()
    (tmp_path / INCREMENTAL_FILE).write_text("fingerprint of the last DuckDB build")
    return build


def test_the_mart_tables_are_copied_through_their_contracts(warehouse) -> None:
    spark_wrote(warehouse, "fct_deals", deals([1, 2]))
    assert copy_marts(warehouse, MANIFEST) == ["fct_deals"]
    with duckdb.connect(str(marts_path(warehouse)), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        described = con.execute("describe main.fct_deals").fetchall()
        rows = con.execute("select * from main.fct_deals order by deal_id").fetchall()
    assert [(c[0], c[1], c[2]) for c in described] == [
        ("deal_id", "BIGINT", "NO"),
        ("amount", "DECIMAL(18,2)", "YES"),
        ("stage", "VARCHAR", "YES"),
        ("closed_at", "TIMESTAMP", "YES"),
    ]
    assert rows[0][1:] == (pytest.approx(12.5), "won", dt.datetime(2026, 11, 27, 8, 30))
    assert [r[0] for r in rows] == [1, 2]
    # the DuckDB warehouse's incremental tables no longer match: its next build is full
    assert not (warehouse.parent / INCREMENTAL_FILE).exists()


def test_a_null_the_contract_forbids_stops_the_copy(warehouse) -> None:
    spark_wrote(warehouse, "fct_deals", deals([1, None]))
    with pytest.raises(duckdb.ConstraintException, match="deal_id"):
        copy_marts(warehouse, MANIFEST)


def test_a_column_missing_from_sparks_table_stops_the_copy(warehouse) -> None:
    spark_wrote(warehouse, "fct_deals", deals([1]).drop_columns(["stage"]))
    with pytest.raises(ContractBroken, match=r"missing \['stage'\]"):
        copy_marts(warehouse, MANIFEST)


def test_the_mart_views_are_left_to_duckdb() -> None:
    assert mart_views(MANIFEST) == ["fct_daily"]


def test_raw_is_written_as_parquet_with_timestamps_as_instants(tmp_path: Path) -> None:
    build = tmp_path / "build.duckdb"
    with duckdb.connect(str(build)) as con:
        con.execute("create schema raw")
        for table in ENTITY_TABLES:
            con.execute(f"create table raw.{table.name} (id bigint, updated_at timestamp)")
        con.execute(
            "insert into raw.customers values (1, '2026-11-27 08:30:00'), (2, null), (3, null)"
        )
    assert write_raw_parquet(build) == 3
    folders = sorted(p.name for p in (spark_dir(build) / "raw").iterdir())
    assert folders == sorted(table.name for table in ENTITY_TABLES)
    written = pq.read_table(spark_dir(build) / "raw" / "customers")
    # a zone-less timestamp would be Spark's TIMESTAMP_NTZ, not the contracts' timestamp
    assert written.schema.field("updated_at").type == pa.timestamp("us", "UTC")
    first = written.column("updated_at")[0].as_py()
    assert first == dt.datetime(2026, 11, 27, 8, 30, tzinfo=dt.UTC)
