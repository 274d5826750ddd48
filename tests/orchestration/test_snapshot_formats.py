"""Published snapshots open in analysts' tools: a DuckDB file in the storage version DuckDB
1.x reads, and the same tables as Parquet files beside it, published and pruned with it."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration import snapshots
from tests.support.tiny_snapshot import publish_tiny_snapshot


def storage_version(path: Path) -> str:
    """The storage version DuckDB itself reports for the file, opened afresh."""
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "select tags['storage_version'] from duckdb_databases() "
            "where database_name = current_database()"
        ).fetchall()[0][0]


def sorted_frame(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def test_snapshot_is_written_in_the_storage_version_duckdb_1x_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CRM_SNAPSHOT_STORAGE_VERSION", raising=False)
    snapshot = publish_tiny_snapshot(tmp_path)
    assert storage_version(snapshot.path) == "v1.4.0+"
    # a marts file in the version this DuckDB writes (made before the setting, or by hand)
    # is copied table by table into the setting's
    assert storage_version(tmp_path / "warehouse" / "marts.duckdb") != "v1.4.0+"
    # the dashboards' sealed opening still reads it, and still refuses files
    with snapshots.open_read_only(snapshot.path) as con:
        assert con.execute("select sum(project_id) from fct_opportunities").fetchall() == [(3,)]
        assert con.execute("select change_seq from _snapshot").fetchall() == [(7,)]
        with pytest.raises(duckdb.PermissionException):
            con.execute("select * from read_csv('/etc/passwd')")


def test_a_full_build_writes_the_marts_in_the_snapshots_version_and_publish_copies_them(
    refreshed,
) -> None:
    """The marts file a full build starts is in the snapshots' storage version, kept as dbt
    writes into it: publishing is a copy of the file with its `_snapshot` row added."""
    _engine, _org, _projects, build = refreshed
    snapshot = snapshots.current(build.parent)
    marts = build.parent / "marts.duckdb"
    assert storage_version(marts) == storage_version(snapshot.path) == "v1.4.0+"
    tables = "select table_schema, table_name from information_schema.tables order by all"
    with duckdb.connect(str(marts), read_only=True) as con:
        built = con.execute(tables).fetchall()
        opportunities = con.execute("select * from fct_opportunities order by all").fetchall()
    with snapshots.open_read_only(snapshot.path) as con:
        assert con.execute(tables).fetchall() == sorted([*built, ("main", "_snapshot")])
        assert con.execute("select * from fct_opportunities order by all").fetchall() == (
            opportunities
        )
        assert con.execute("select version, change_seq from _snapshot").fetchall() == [
            (snapshot.version, snapshot.change_seq)
        ]


def test_the_storage_version_follows_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_SNAPSHOT_STORAGE_VERSION", "v1.2.0")
    snapshot = publish_tiny_snapshot(tmp_path)
    assert storage_version(snapshot.path) == "v1.2.0+"


def test_a_malformed_storage_version_publishes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = publish_tiny_snapshot(tmp_path)
    folder = first.path.parent
    before = sorted(p.name for p in folder.iterdir())
    monkeypatch.setenv("CRM_SNAPSHOT_STORAGE_VERSION", "1.4")
    with pytest.raises(ValueError, match="CRM_SNAPSHOT_STORAGE_VERSION must be"):
        snapshots.publish(tmp_path / "warehouse" / "build.duckdb", change_seq=8)
    assert sorted(p.name for p in folder.iterdir()) == before
    assert snapshots.current(tmp_path / "warehouse") == first


def test_parquet_marts_read_back_equal_to_the_snapshot(refreshed) -> None:
    _engine, _org, _projects, build = refreshed
    snapshot = snapshots.current(build.parent)
    assert snapshot.parquet == snapshot.path.parent / f"v{snapshot.version:06d}-parquet"
    with snapshots.open_read_only(snapshot.path) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'main'"
            ).fetchall()
        ]
        expected = {t: sorted_frame(con.execute(f'select * from "{t}"').df()) for t in tables}
    assert {"fct_opportunities", "fct_win_loss", "dim_customers", "_snapshot"} <= set(tables)
    assert sorted(p.name for p in snapshot.parquet.iterdir()) == sorted(
        f"{t}.parquet" for t in tables
    )
    with duckdb.connect() as con:
        for table, frame in expected.items():
            path = snapshot.parquet / f"{table}.parquet"
            back = sorted_frame(con.execute("select * from read_parquet(?)", [str(path)]).df())
            pd.testing.assert_frame_equal(back, frame, check_dtype=True, obj=table)
    assert len(expected["fct_opportunities"]) == 3  # the story's three projects


def test_parquet_folders_are_published_whole_and_pruned_with_their_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_KEEP_SNAPSHOTS", "2")
    first = publish_tiny_snapshot(tmp_path)
    build = tmp_path / "warehouse" / "build.duckdb"
    folder = first.path.parent

    def fail_after_first_file(snapshot: Path, target: Path) -> None:
        target.mkdir()
        (target / "fct_opportunities.parquet").write_bytes(b"PAR1")
        raise OSError("No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(snapshots, "_write_parquet", fail_after_first_file)
        with pytest.raises(OSError, match="No space left"):
            snapshots.publish(build, change_seq=8)
    # readers still get the first, whole set; nothing half-written is left or named
    assert snapshots.current(build.parent) == first
    assert sorted(p.name for p in folder.iterdir()) == [
        "CURRENT",
        "v000001-parquet",
        "v000001.duckdb",
    ]
    for change_seq in (9, 10):
        latest = snapshots.publish(build, change_seq=change_seq)
    assert sorted(p.name for p in folder.iterdir()) == [
        "CURRENT",
        "v000002-parquet",
        "v000002.duckdb",
        "v000003-parquet",
        "v000003.duckdb",
    ]
    assert json.loads((folder / "CURRENT").read_text())["parquet"] == "v000003-parquet"
    with duckdb.connect() as con:
        seq = con.execute(
            "select change_seq from read_parquet(?)", [str(latest.parquet / "_snapshot.parquet")]
        ).fetchall()
    assert seq == [(10,)]
