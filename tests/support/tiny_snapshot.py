"""A published snapshot of a one-table marts file, for tests that need any snapshot."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration import snapshots
from orchestration.dbt_runner import marts_path


def publish_tiny_snapshot(folder: Path) -> snapshots.Snapshot:
    """A published snapshot of a one-table marts file (no dbt needed)."""
    build = folder / "warehouse" / "build.duckdb"
    build.parent.mkdir(parents=True)
    with duckdb.connect(str(marts_path(build))) as con:
        con.execute("CREATE TABLE fct_opportunities AS SELECT * FROM range(3) AS t(project_id)")
    return snapshots.publish(build, change_seq=7)
