"""A warehouse ahead of its store: after a restore (or pointed at another store), raw holds
changes the store does not have, and an incremental refresh would mix the two timelines.

The extraction itself then starts raw afresh (ingest/extract.py); this module makes the
dbt build that follows full as well, by forgetting which incremental models the marts
were built with, before the extraction commits (so a crash in between cannot lose it).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from sqlalchemy import Engine, text

from ingest.extract import WATERMARKS
from orchestration.dbt_runner import INCREMENTAL_FILE


def highest_watermark(build: Path) -> int:
    """The highest change number raw has extracted (0 without a warehouse)."""
    return _watermark(build, "max")


def lowest_watermark(build: Path) -> int:
    """The change number every raw table is complete up to (0 without a warehouse)."""
    return _watermark(build, "min")


def _watermark(build: Path, which: str) -> int:
    if not build.exists():
        return 0
    with duckdb.connect(str(build), read_only=True) as con:
        found = con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'raw' AND table_name = '_watermarks'"
        ).fetchall()[0][0]
        if not found:
            return 0
        return int(
            con.execute(f"SELECT coalesce({which}(change_seq), 0) FROM {WATERMARKS}").fetchall()[0][
                0
            ]
        )


def store_counter(engine: Engine) -> int:
    with engine.connect() as con:
        return int(con.execute(text("SELECT value FROM change_counter")).scalar_one())


def rebuild_if_store_is_behind(engine: Engine, build: Path) -> bool:
    """True, and the next dbt build made full, when raw is ahead of the store. A warehouse
    another process holds is left to the extraction, which reports it as busy."""
    try:
        ahead = highest_watermark(build) > store_counter(engine)
    except duckdb.IOException:
        return False
    if not ahead:
        return False
    (build.parent / INCREMENTAL_FILE).unlink(missing_ok=True)
    return True
