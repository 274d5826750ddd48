"""Python asset checks: snapshot freshness, extraction lag and row reconciliation.

dbt's own tests arrive as asset checks through the dbt translator (assets.TRANSLATOR)."""

import datetime as dt

import duckdb
from dagster import AssetCheckResult, AssetCheckSeverity, AssetKey, asset_check
from sqlalchemy import text

from ingest import settings
from orchestration import snapshots
from orchestration.defs.assets import SOURCE_NAME, extract_store, publish_snapshot
from orchestration.defs.resources import (
    DUCKDB_POOL,
    build_path,
    store_engine,
)
from orchestration.store_behind import lowest_watermark, store_counter


def snapshot_age(now: dt.datetime | None = None) -> dt.timedelta:
    published = dt.datetime.fromisoformat(snapshots.current(build_path().parent).published_at)
    return (now or dt.datetime.now(dt.UTC)) - published


@asset_check(asset=publish_snapshot, name="snapshot_is_fresh", blocking=False)
def snapshot_is_fresh() -> AssetCheckResult:
    """The snapshot in service was published within CRM_SNAPSHOT_MAX_AGE_MINUTES."""
    try:
        age = snapshot_age()
    except snapshots.NoSnapshot:
        return AssetCheckResult(passed=False, metadata={"reason": "no published snapshot"})
    limit = settings.snapshot_max_age()
    return AssetCheckResult(
        passed=age <= limit,
        metadata={
            "age_minutes": round(age.total_seconds() / 60, 2),
            "max_age_minutes": limit.total_seconds() / 60,
        },
    )


@asset_check(
    asset=AssetKey([SOURCE_NAME, "projects"]),
    name="extraction_lag",
    additional_deps=[k for k in extract_store.keys if k != AssetKey([SOURCE_NAME, "projects"])],
    pool=DUCKDB_POOL,
)
def extraction_lag() -> AssetCheckResult:
    """Store changes not yet in raw: the change counter minus raw's watermark."""
    counter = store_counter(store_engine())
    mark = lowest_watermark(build_path())
    lag = counter - mark
    allowed = settings.max_extraction_lag()
    return AssetCheckResult(
        passed=lag <= allowed,
        severity=AssetCheckSeverity.WARN,
        metadata={"store_change_counter": counter, "raw_watermark": mark, "lag": lag},
    )


@asset_check(asset=publish_snapshot, name="projects_reconcile", pool=DUCKDB_POOL)
def projects_reconcile() -> AssetCheckResult:
    """Projects: store count = raw count = fct_opportunities count in the snapshot."""
    with store_engine().connect() as con:
        store = int(con.execute(text("SELECT count(*) FROM projects")).scalar_one())
    with duckdb.connect(str(build_path()), read_only=True) as con:
        raw = con.execute("SELECT count(*) FROM raw.projects").fetchall()[0][0]
    with snapshots.open_read_only(snapshots.current(build_path().parent).path) as con:
        marts = con.execute("SELECT count(*) FROM fct_opportunities").fetchall()[0][0]
    return AssetCheckResult(
        passed=store == raw == marts,
        metadata={"store": store, "raw": raw, "fct_opportunities": marts},
    )


CHECKS = [snapshot_is_fresh, extraction_lag, projects_reconcile]
