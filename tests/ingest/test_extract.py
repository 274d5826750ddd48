"""Incremental extraction: updates and deletes arrive; crashes neither lose nor double rows."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import select

from ingest.commands.customers import (
    ContactInput,
    CustomerInput,
    create_contact,
    create_customer,
    update_customer,
)
from ingest.extract import extract
from ingest.store.db import read_session, write_session
from ingest.store.models import Contact, Customer
from tests.support.org import make_org


def customer(name: str, **kw: object) -> CustomerInput:
    return CustomerInput(
        name=name, customer_type="end_user", industry="power", region="north_china", **kw
    )


def raw(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def store_rows(engine, model) -> list[tuple]:  # type: ignore[no-untyped-def]
    with read_session(engine) as s:
        return sorted((r.id, r.name, r.change_seq) for r in s.scalars(select(model)))


def test_updates_and_deletes_arrive(engine, org, tmp_path) -> None:
    warehouse = tmp_path / "build.duckdb"
    first = create_customer(engine, org.rep, customer("甲公司", city="北京"))
    contact = create_contact(engine, org.rep, ContactInput(customer_id=first, name="李工"))
    summary = extract(engine, warehouse)
    assert raw(warehouse, "select name, city, status from raw.customers") == [
        ("甲公司", "北京", "prospect")
    ]

    update_customer(engine, org.rep, first, customer("甲公司", city="天津"))
    second = create_customer(engine, org.rep, customer("乙公司"))
    with write_session(engine, org.admin) as s:
        s.delete(s.get(Contact, contact))
    again = extract(engine, warehouse)

    assert again.high_watermark > summary.high_watermark
    loads = {t.table: t for t in again.tables}
    assert (loads["customers"].upserted, loads["contacts"].deleted) == (2, 1)
    assert raw(warehouse, "select id, name, city from raw.customers order by id") == [
        (first, "甲公司", "天津"),
        (second, "乙公司", None),
    ]
    assert raw(warehouse, "select count(*) from raw.contacts") == [(0,)]
    assert store_rows(engine, Customer) == sorted(
        raw(warehouse, "select id, name, change_seq from raw.customers")
    )


def test_types_survive_the_trip(engine, org, tmp_path) -> None:
    warehouse = tmp_path / "build.duckdb"
    extract(engine, warehouse)
    rows = raw(
        warehouse,
        "select code, default_probability, is_won_stage, typeof(default_probability), "
        "typeof(created_at) from raw.stages where code = 'pt_tender'",
    )
    assert [tuple(map(str, r)) for r in rows] == [
        ("pt_tender", "0.5000", "False", "DECIMAL(5,4)", "TIMESTAMP")
    ]


def test_crash_before_commit_loses_nothing_and_doubles_nothing(engine, org, tmp_path) -> None:
    warehouse = tmp_path / "build.duckdb"
    create_customer(engine, org.rep, customer("甲公司"))
    extract(engine, warehouse)
    create_customer(engine, org.rep, customer("乙公司"))
    with pytest.raises(RuntimeError, match="simulated crash"):
        extract(engine, warehouse, fail_before_commit=True)
    assert raw(warehouse, "select name from raw.customers") == [("甲公司",)]
    extract(engine, warehouse)
    extract(engine, warehouse)  # a repeat is harmless
    assert store_rows(engine, Customer) == sorted(
        raw(warehouse, "select id, name, change_seq from raw.customers")
    )


def test_full_reextract_rebuilds_raw(engine, org, tmp_path) -> None:
    warehouse = tmp_path / "build.duckdb"
    create_customer(engine, org.rep, customer("甲公司"))
    extract(engine, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from raw.customers")  # damage the warehouse copy
    full = extract(engine, warehouse, full=True)
    assert full.full and raw(warehouse, "select name from raw.customers") == [("甲公司",)]


def test_credentials_stay_in_the_store(engine, org, tmp_path) -> None:
    warehouse = tmp_path / "build.duckdb"
    extract(engine, warehouse)
    columns = {
        c
        for (c,) in raw(
            warehouse, "select column_name from duckdb_columns() where table_name = 'users'"
        )
    }
    assert "username" in columns and not columns & {
        "password_hash",
        "must_change_password",
    }
    assert raw(warehouse, "select count(*) from raw.users") == [(10,)]


def test_columns_null_in_the_first_thousands_of_rows_keep_their_type(
    sqlite_engine, tmp_path
) -> None:
    """ADBC infers types from the first rows; a late first value must not break the read."""
    from sqlalchemy import insert

    org = make_org(sqlite_engine)
    rows = [
        {
            "name": f"客户{n}",
            "customer_type_id": 1,
            "industry_id": 1,
            "region_id": 1,
            "status": "prospect",
            "owner_id": org.rep,
            "city": None,
            "change_seq": 1,
        }
        for n in range(3000)
    ]
    rows[-1]["city"] = "北京"
    with write_session(sqlite_engine) as s:
        s.execute(insert(Customer), rows)
    warehouse = tmp_path / "build.duckdb"
    extract(sqlite_engine, warehouse)
    assert raw(warehouse, "select count(*), count(city), max(city) from raw.customers") == [
        (3000, 1, "北京")
    ]


def test_extraction_works_when_main_is_a_streamlit_page(sqlite_engine, tmp_path, monkeypatch):
    """Inside the apps (and AppTest) `__main__` is a page file; the extraction child must
    not re-run it (it did, and every later extraction in that process broke)."""
    page = types.ModuleType("__main__")
    page.__file__ = str(Path(__file__).resolve().parents[2] / "entry_app" / "app.py")
    monkeypatch.setitem(sys.modules, "__main__", page)
    summary = extract(sqlite_engine, tmp_path / "build.duckdb")
    assert summary.high_watermark > 0
    assert sys.modules["__main__"] is page


def test_a_full_load_in_id_ranges_brings_every_row_once(engine, org, tmp_path) -> None:
    # Ranges of two ids: several readers share many parts of every table.
    warehouse = tmp_path / "build.duckdb"
    ids = [create_customer(engine, org.rep, customer(f"客户{n}")) for n in range(7)]
    update_customer(engine, org.rep, ids[3], customer("改名公司"))
    loaded = extract(engine, warehouse, full=True, part_rows=2)
    assert loaded.full
    assert store_rows(engine, Customer) == sorted(
        raw(warehouse, "select id, name, change_seq from raw.customers")
    )
    assert {t.table: t.upserted for t in loaded.tables}["customers"] == len(ids)
    assert raw(warehouse, "select count(*) - count(distinct id) from raw.users") == [(0,)]


def test_a_new_warehouse_is_loaded_in_full_and_then_follows_changes(engine, org, tmp_path) -> None:
    warehouse = tmp_path / "build.duckdb"
    first = create_customer(engine, org.rep, customer("甲公司"))
    assert extract(engine, warehouse).full
    update_customer(engine, org.rep, first, customer("甲公司二"))
    follow = extract(engine, warehouse)
    assert not follow.full and follow.rows == 1
    assert raw(warehouse, "select name from raw.customers") == [("甲公司二",)]


def test_a_crashed_full_load_is_loaded_in_full_again(engine, org, tmp_path) -> None:
    warehouse = tmp_path / "build.duckdb"
    create_customer(engine, org.rep, customer("甲公司"))
    with pytest.raises(RuntimeError, match="simulated crash"):
        extract(engine, warehouse, full=True, fail_before_commit=True)
    assert raw(warehouse, "select count(*) from raw._watermarks") == [(0,)]
    again = extract(engine, warehouse)
    assert again.full
    assert store_rows(engine, Customer) == sorted(
        raw(warehouse, "select id, name, change_seq from raw.customers")
    )


@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_every_reader_of_a_full_load_sees_the_same_snapshot(
    engine, org, tmp_path, monkeypatch
) -> None:
    # A write that lands after the first reader began is in no reader's rows: the second
    # reader, which here reads every part, sees the first one's exported snapshot; the next
    # run brings the write. (On PostgreSQL extraction runs in this process, to be watched.)
    import ingest.extract as extraction

    first = create_customer(engine, org.rep, customer("甲公司"))
    opened, read = extraction._more_readers, extraction._read_parts
    began: list = []

    def write_between(stack, cursor, *rest):  # type: ignore[no-untyped-def]
        began.append(cursor)
        update_customer(engine, org.rep, first, customer("甲公司二"))
        readers = opened(stack, cursor, *rest)
        assert len(readers) == 1
        return readers

    def second_reader_only(writer, cursor, *rest):  # type: ignore[no-untyped-def]
        if cursor is not began[0]:
            read(writer, cursor, *rest)

    monkeypatch.setattr(extraction, "_more_readers", write_between)
    monkeypatch.setattr(extraction, "_read_parts", second_reader_only)
    monkeypatch.setattr(extraction.os, "cpu_count", lambda: 2)
    warehouse = tmp_path / "build.duckdb"
    extract(engine, warehouse, full=True, part_rows=1)
    assert raw(warehouse, "select name from raw.customers") == [("甲公司",)]
    monkeypatch.undo()
    extract(engine, warehouse)
    assert raw(warehouse, "select name from raw.customers") == [("甲公司二",)]
