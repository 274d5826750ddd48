"""Retention: what the store, the warehouse folder and Dagster keep, and for how long.

`crm prune` and the nightly prune job remove idempotency keys, audit entries, tombstones,
sign-in attempts and ended web sessions older than their CRM_RETAIN_*_DAYS, old published
snapshots beyond CRM_KEEP_SNAPSHOTS, and finished Dagster runs (with their event logs)
older than CRM_RETAIN_RUN_DAYS.

None of these tables is mirrored into the warehouse, so their rows go in short bookkeeping
transactions of CHUNK rows each (no change number: the refresh is not woken, and no write
lock is held for more than a chunk). A tombstone is the one thing the next incremental
refresh reads: only tombstones at or below the warehouse's extraction watermark (already
applied to raw) are ever removed.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Engine, delete, func, select
from sqlalchemy.orm import InstrumentedAttribute

from ingest.auth.throttle import WINDOW as THROTTLE_WINDOW
from ingest.settings import keep_snapshots, retention_days, session_idle_timeout
from ingest.store.db import bookkeeping_session, get_engine, read_session
from ingest.store.models import AuditLog, DeletedRow, IdempotencyKey, SignInAttempt, WebSession
from orchestration import snapshots
from orchestration.store_behind import lowest_watermark

CHUNK = 5_000


@dataclass
class PruneReport:
    dry_run: bool
    removed: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        verb = "would remove" if self.dry_run else "removed"
        return [f"{name:<18} {verb} {count:>8,}" for name, count in self.removed.items()] + [
            f"note: {note}" for note in self.notes
        ]


@dataclass(frozen=True)
class StoreRule:
    """Rows of one store table older than a setting's number of days."""

    name: str
    setting: str
    key: InstrumentedAttribute[Any]
    old: Callable[[dt.datetime, int], ColumnElement[bool]]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)  # the store keeps naive UTC


STORE_RULES = [
    StoreRule(
        "idempotency_keys",
        "CRM_RETAIN_IDEMPOTENCY_DAYS",
        IdempotencyKey.key,
        lambda cutoff, _mark: IdempotencyKey.created_at < cutoff,
    ),
    StoreRule(
        "audit_log",
        "CRM_RETAIN_AUDIT_DAYS",
        AuditLog.id,
        lambda cutoff, _mark: AuditLog.at < cutoff,
    ),
    StoreRule(
        "deleted_rows",
        "CRM_RETAIN_TOMBSTONE_DAYS",
        DeletedRow.id,
        # the incremental refresh applies tombstones above the watermark: those stay
        lambda cutoff, mark: (DeletedRow.deleted_at < cutoff) & (DeletedRow.change_seq <= mark),
    ),
    StoreRule(
        "sign_in_attempts",
        "CRM_RETAIN_SIGNIN_ATTEMPT_DAYS",
        SignInAttempt.id,
        # the throttle counts the last WINDOW of attempts, whatever the setting
        lambda cutoff, _mark: SignInAttempt.at < min(cutoff, _now() - THROTTLE_WINDOW),
    ),
    StoreRule(
        "web_sessions",
        "CRM_RETAIN_SESSION_DAYS",
        WebSession.token_hash,
        # ended ones, and those idle past the timeout that nobody came back to end
        lambda cutoff, _mark: (
            (WebSession.ended_at < cutoff)
            | (
                WebSession.ended_at.is_(None)
                & (WebSession.last_seen_at < cutoff - session_idle_timeout())
            )
        ),
    ),
]


def extraction_watermark(build: Path) -> int:
    """The change number raw is complete up to; while a refresh holds the build file, the
    published snapshot's (never above raw's). 0 without a warehouse: keep every tombstone."""
    try:
        return lowest_watermark(build)
    except Exception:  # duckdb.IOException: a refresh holds the file
        try:
            return snapshots.current(build.parent).change_seq
        except snapshots.NoSnapshot:
            return 0


def prune_store(
    engine: Engine, mark: int, *, dry_run: bool, now: dt.datetime | None = None
) -> dict[str, int]:
    now = now or _now()
    removed = {}
    for rule in STORE_RULES:
        cutoff = now - dt.timedelta(days=retention_days(rule.setting))
        where = rule.old(cutoff, mark)
        if dry_run:
            with read_session(engine) as session:
                removed[rule.name] = (
                    session.scalar(select(func.count()).select_from(rule.key.class_).where(where))
                    or 0
                )
            continue
        removed[rule.name] = 0
        while True:
            with bookkeeping_session(engine) as session:
                chunk = select(rule.key).where(where).limit(CHUNK)
                gone = session.execute(delete(rule.key.class_).where(rule.key.in_(chunk)))
            removed[rule.name] += gone.rowcount
            if gone.rowcount < CHUNK:
                break
    return removed


def prune_snapshots(warehouse: Path, *, dry_run: bool) -> int:
    folder = snapshots.snapshots_dir(warehouse)
    stale = snapshots.stale_versions(folder, keep_snapshots())
    if not dry_run:
        snapshots.prune(folder, keep=keep_snapshots(), partials=False)
    return len(stale)


def prune_runs(instance: Any, *, dry_run: bool, now: dt.datetime | None = None) -> int:
    """Finished Dagster runs older than CRM_RETAIN_RUN_DAYS, their events and log files."""
    from dagster import DagsterRunStatus, RunsFilter

    days = retention_days("CRM_RETAIN_RUN_DAYS")
    cutoff = (now or _now()).replace(tzinfo=dt.UTC) - dt.timedelta(days=days)
    finished = [
        DagsterRunStatus.SUCCESS,
        DagsterRunStatus.FAILURE,
        DagsterRunStatus.CANCELED,
    ]
    records = instance.get_run_records(RunsFilter(statuses=finished, created_before=cutoff))
    if dry_run:
        return len(records)
    for record in records:
        run_id = record.dagster_run.run_id
        instance.delete_run(run_id)
        _remove_run_files(instance, run_id)
    return len(records)


def _remove_run_files(instance: Any, run_id: str) -> None:
    """Dagster's SQLite storage keeps one event-log file per run (emptied by delete_run)
    and the run's compute logs in a folder named after it."""
    storage = Path(instance.root_directory) / "storage"
    for suffix in ("", "-wal", "-shm"):
        (storage / f"{run_id}.db{suffix}").unlink(missing_ok=True)
    shutil.rmtree(storage / run_id, ignore_errors=True)


def prune_all(
    *,
    dry_run: bool = False,
    engine: Engine | None = None,
    warehouse: Path | None = None,
    instance: Any = None,
) -> PruneReport:
    """Everything retention covers; `instance` is the Dagster instance (opened from
    DAGSTER_HOME when not given)."""
    engine = engine or get_engine()
    build = warehouse or snapshots.build_path()
    report = PruneReport(dry_run=dry_run)
    mark = extraction_watermark(build)
    report.removed.update(prune_store(engine, mark, dry_run=dry_run))
    report.notes.append(f"tombstones above change {mark} (not yet extracted) are kept")
    report.removed["snapshots"] = prune_snapshots(build.parent, dry_run=dry_run)
    if instance is not None:
        report.removed["dagster_runs"] = prune_runs(instance, dry_run=dry_run)
    else:
        from dagster import DagsterInstance

        from orchestration.dagster_refresh import dagster_home

        dagster_home()
        with DagsterInstance.get() as opened:
            report.removed["dagster_runs"] = prune_runs(opened, dry_run=dry_run)
    return report
