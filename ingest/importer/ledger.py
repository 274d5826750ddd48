"""The imports ledger: each real import, the chunks it committed and every row it created,
changed or deleted, which is what resuming and undoing it need (docs/import.md).

The changes are captured from the chunk's own flushes (`recording`), so whatever an import
command writes — the record, its history rows, contract lines, links — is listed, with the
values it had before, without each command having to say so.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, event, insert, inspect, select, update
from sqlalchemy.orm import Session

from ingest.commands.base import dump_json
from ingest.store.db import bookkeeping_session, read_session
from ingest.store.models import (
    ENTITY_TABLES,
    SECRET_COLUMNS,
    ImportChange,
    ImportChunk,
    ImportRun,
    utcnow,
)

MIRRORED = {table.name for table in ENTITY_TABLES}
# Kept out of before-images: bookkeeping the write path sets again, and secrets (an undo
# does not put back a password an import set; docs/import.md says so).
NOT_RESTORED = {"updated_at", "updated_by", "change_seq", "version", *SECRET_COLUMNS}
_CHANGES = "import.changes"

RESUMABLE = ("running", "failed")


# --- the run ----------------------------------------------------------------------------


def new_run(
    *,
    file_name: str,
    checksum: str,
    entity: str,
    actor_id: int | None,
    partial: bool,
    chunk_size: int,
) -> ImportRun:
    """The ledger entry of an import, to add in the transaction of its first chunk."""
    return ImportRun(
        file_name=file_name[:300],
        checksum=checksum,
        entity=entity,
        actor_id=actor_id,
        partial=partial,
        chunk_size=chunk_size,
        status="running",
        started_at=utcnow(),
        rows_committed=0,
        last_row=0,
        last_chunk=0,
        host=socket.gethostname()[:100],
        pid=os.getpid(),
    )


def get_run(engine: Engine | None, import_id: int) -> ImportRun | None:
    with read_session(engine) as session:
        return session.get(ImportRun, import_id)


def resumable_run(engine: Engine, checksum: str, entity: str) -> ImportRun | None:
    """The latest unfinished import of the same file (same checksum) that no live process
    is running: re-running a killed import resumes it."""
    with read_session(engine) as session:
        run = session.scalar(
            select(ImportRun)
            .where(
                ImportRun.checksum == checksum,
                ImportRun.entity == entity,
                ImportRun.status.in_(RESUMABLE),
            )
            .order_by(ImportRun.id.desc())
            .limit(1)
        )
    return run if run is not None and not is_alive(run) else None


def is_alive(run: ImportRun) -> bool:
    """Whether the process that ran this import still runs (on this machine). A run of
    another machine is taken as alive while its status says running."""
    if run.status != "running" or run.pid is None or run.pid == os.getpid():
        return False
    if run.host != socket.gethostname()[:100]:
        return True
    try:
        os.kill(run.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def claim(engine: Engine, import_id: int) -> None:
    """This process now runs the import (a resume)."""
    set_status(engine, import_id, "running", finished=False)


def set_status(engine: Engine, import_id: int, status: str, *, finished: bool = True) -> None:
    values: dict[str, Any] = {"status": status, "finished_at": utcnow() if finished else None}
    if not finished:
        values.update(host=socket.gethostname()[:100], pid=os.getpid())
    with bookkeeping_session(engine) as session:
        session.execute(update(ImportRun).where(ImportRun.id == import_id).values(**values))


# --- one chunk ----------------------------------------------------------------------------


@contextmanager
def recording(session: Session) -> Iterator[list[tuple[str, int, str, str | None]]]:
    """Capture what the session's flushes create, change and delete in mirrored tables."""
    changes: list[tuple[str, int, str, str | None]] = []
    session.info[_CHANGES] = (changes, set())
    try:
        yield changes
    finally:
        session.info.pop(_CHANGES, None)


def commit_chunk(
    session: Session,
    import_id: int,
    chunk: int,
    first_row: int,
    last_row: int,
    rows: int,
    changes: list[tuple[str, int, str, str | None]],
) -> None:
    """Record the chunk in its own transaction, so the ledger and the rows commit together."""
    session.flush()
    if changes:
        session.execute(
            insert(ImportChange),
            [
                {
                    "import_id": import_id,
                    "chunk": chunk,
                    "table_name": table,
                    "row_id": row_id,
                    "action": action,
                    "before": before,
                }
                for table, row_id, action, before in changes
            ],
        )
    session.execute(
        insert(ImportChunk).values(
            import_id=import_id,
            chunk=chunk,
            first_row=first_row,
            last_row=last_row,
            rows=rows,
            committed_seq=session.info["change_seq"],
            committed_at=utcnow(),
        )
    )
    session.execute(
        update(ImportRun)
        .where(ImportRun.id == import_id)
        .values(
            rows_committed=ImportRun.rows_committed + rows,
            last_row=last_row,
            last_chunk=chunk,
        )
    )


@event.listens_for(Session, "after_flush")
def _capture(session: Session, _context: Any) -> None:
    # After the flush: new rows have their ids; the attributes' history still holds the
    # values from before it.
    recorded = session.info.get(_CHANGES)
    if recorded is None:
        return
    changes, created = recorded
    for obj in session.new:
        if obj.__tablename__ in MIRRORED:
            created.add((obj.__tablename__, obj.id))
            changes.append((obj.__tablename__, obj.id, "created", None))
    for obj in session.dirty:
        key = (getattr(obj, "__tablename__", None), getattr(obj, "id", None))
        if key[0] not in MIRRORED or key in created or not session.is_modified(obj):
            continue
        state = inspect(obj)
        before = {}
        for attr in state.mapper.column_attrs:
            history = state.attrs[attr.key].history
            if attr.key not in NOT_RESTORED and history.has_changes() and history.deleted:
                before[attr.key] = history.deleted[0]
        if before:
            changes.append((obj.__tablename__, obj.id, "updated", dump_json(before)))
    for obj in session.deleted:
        if obj.__tablename__ in MIRRORED:
            state = inspect(obj)
            values = {
                attr.key: getattr(obj, attr.key)
                for attr in state.mapper.column_attrs
                if attr.key not in ("change_seq", *SECRET_COLUMNS)
            }
            changes.append((obj.__tablename__, obj.id, "deleted", dump_json(values)))


# --- values as JSON -------------------------------------------------------------------------


def load(model: type, text: str) -> dict[str, Any]:
    """A before-image back as the model's Python values."""
    mapper = inspect(model)
    values = json.loads(text)
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            out[key] = None
            continue
        kind = mapper.column_attrs[key].columns[0].type.python_type
        if kind is dt.datetime:
            out[key] = dt.datetime.fromisoformat(value)
        elif kind is dt.date:
            out[key] = dt.date.fromisoformat(value)
        elif kind is Decimal:
            out[key] = Decimal(value)
        else:
            out[key] = value
    return out
