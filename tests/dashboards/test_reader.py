"""The dashboards read the published snapshot sealed (snapshots.open_read_only)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.support.tiny_snapshot import publish_tiny_snapshot
from warehouse import reader


@pytest.fixture
def snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path))
    reader.clear()
    yield publish_tiny_snapshot(tmp_path)
    reader.clear()


def test_dashboard_queries_reach_the_marts_and_nothing_else(snapshot, tmp_path: Path) -> None:
    assert reader.current() == snapshot
    assert reader.rows(snapshot, "SELECT count(*) FROM fct_opportunities") == [(3,)]
    with pytest.raises(duckdb.PermissionException):
        reader.frame(snapshot, "SELECT * FROM read_csv('/etc/passwd')")
    with pytest.raises(duckdb.PermissionException):
        reader.rows(snapshot, f"COPY (SELECT 1) TO '{tmp_path / 'out.csv'}'")
    with pytest.raises(duckdb.InvalidInputException, match="configuration has been locked"):
        reader.rows(snapshot, "SET enable_external_access = true")
    assert not (tmp_path / "out.csv").exists()
