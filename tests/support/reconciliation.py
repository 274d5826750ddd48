"""A copy of the demo company that tests may change, and its marts compared with numbers
computed independently from the store (orchestration.reconcile)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
from sqlalchemy import Engine

from orchestration import snapshots
from orchestration.reconcile import reconcile


@dataclass
class Company:
    engine: Engine
    warehouse: Path


def mart(company: Company, sql: str) -> list[tuple]:
    snapshot = snapshots.current(company.warehouse.parent)
    with duckdb.connect(str(snapshot.path), read_only=True) as con:
        return con.execute(sql).fetchall()


def compare_everything(company: Company) -> None:
    snapshot = snapshots.current(company.warehouse.parent)
    assert (
        reconcile(company.engine, snapshot.path, dt.date.fromisoformat(snapshot.as_of_date)) == []
    )
