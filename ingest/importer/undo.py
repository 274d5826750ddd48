"""`crm import --undo ID`: take a whole import back, in chunks.

The ledger lists every row the import created, changed or deleted, with its values before.
Undo replays that list backwards — deleting what it created, putting back what it changed,
re-creating what it deleted — through the normal write path: each chunk is one write
transaction with a change number, every row gets an audit entry (source `undo:import:...`),
and every delete its tombstone, so the warehouse's incremental refresh follows. The undone
entries leave the ledger in the same transaction, so an interrupted undo simply continues.

A row someone changed after the import (its change number is none of the import's chunks')
holds their work: undo then writes nothing and names those rows, unless told to keep them
as they are now and take back only the rest.
"""

from __future__ import annotations

import time

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError

from ingest.commands.base import GENERAL, CommandError, Context, batch
from ingest.importer import ledger
from ingest.importer.common import require_importer
from ingest.settings import import_chunk_seconds, import_chunk_size
from ingest.store.db import get_engine, read_session, yield_to_writers
from ingest.store.models import Base, ImportChange, ImportChunk
from ingest.store.reference import KINDS

MODELS = {mapper.class_.__tablename__: mapper.class_ for mapper in Base.registry.mappers}
ACTION = "import.undo"
TABLE_KINDS = {model.__tablename__: kind for kind, model in KINDS.items()}  # type: ignore[attr-defined]
REFERENCE_TABLES = set(TABLE_KINDS)
KEPT = "import.undo.kept"


def undo_import(
    import_id: int,
    *,
    engine: Engine | None = None,
    actor_id: int | None = None,
    chunk_size: int | None = None,
    kept: list[tuple[str, str]] | None = None,
    keep_edited: bool = False,
) -> int:
    """Undo import `import_id`; returns how many rows were deleted, restored or re-created.
    Refused (CommandError on `undo`) for an unknown, running or already undone import, and
    for one whose rows were changed since, unless `keep_edited`: those rows then stay as
    they are. `kept` receives (table, code) of reference values the import created that
    stay since other records use them now."""
    engine = engine or get_engine()
    run = ledger.get_run(engine, import_id)
    if run is None:
        raise CommandError.one("undo", "import_not_found", id=import_id)
    if run.status == "undone":
        raise CommandError.one("undo", "import_already_undone", id=import_id)
    if ledger.is_alive(run):
        raise CommandError.one("undo", "import_still_running", id=import_id, pid=run.pid)
    edited = edited_since(engine, import_id)
    if edited and not keep_edited:
        shown = ", ".join(f"{table} #{row_id}" for table, row_id in edited[:5])
        raise CommandError.one("undo", "import_undo_edited_since", count=len(edited), rows=shown)
    count = undo_changes(
        engine, import_id, actor_id, chunk_size or import_chunk_size(), kept, set(edited)
    )
    ledger.set_status(engine, import_id, "undone")
    return count


def undo_changes(
    engine: Engine,
    import_id: int,
    actor_id: int | None,
    chunk_size: int,
    kept: list[tuple[str, str]] | None = None,
    keep: set[tuple[str, int]] | None = None,
) -> int:
    """Replay the ledger backwards in chunks; rows in `keep` stay as they are."""
    run = ledger.get_run(engine, import_id)
    source = f"undo:import:{run.file_name if run else import_id}"[:300]
    count = 0
    while True:
        began = time.perf_counter()
        try:
            count += _undo_chunk(
                engine, import_id, actor_id, chunk_size, source, kept, keep or set()
            )
        except _Done:
            return count
        yield_to_writers(engine, time.perf_counter() - began)


def edited_since(engine: Engine, import_id: int) -> list[tuple[str, int]]:
    """(table, id) of the rows the import created or changed that were written since by
    someone else: their change number is not one the import wrote under."""
    with read_session(engine) as session:
        own = set(
            session.scalars(
                select(ImportChunk.committed_seq).where(ImportChunk.import_id == import_id)
            )
        )
        touched: dict[str, set[int]] = {}
        for table, row_id in session.execute(
            select(ImportChange.table_name, ImportChange.row_id).where(
                ImportChange.import_id == import_id, ImportChange.action != "deleted"
            )
        ):
            touched.setdefault(table, set()).add(row_id)
        edited = []
        for table, ids in sorted(touched.items()):
            model = MODELS[table]
            if not hasattr(model, "change_seq"):
                continue  # not a record users edit
            ordered = sorted(ids)
            for start in range(0, len(ordered), 500):
                found = session.execute(
                    select(model.id, model.change_seq).where(  # type: ignore[attr-defined]
                        model.id.in_(ordered[start : start + 500])  # type: ignore[attr-defined]
                    )
                )
                edited += [(table, row_id) for row_id, seq in found if seq not in own]
    return sorted(edited)


class _Done(Exception):
    """Nothing left to undo: leave the transaction without drawing a change number."""


def _undo_chunk(
    engine: Engine,
    import_id: int,
    actor_id: int | None,
    chunk_size: int,
    source: str,
    kept: list[tuple[str, str]] | None,
    keep: set[tuple[str, int]],
) -> int:
    count = 0
    with batch(engine, actor_id, source) as writes:
        locked_at = time.perf_counter()  # the transaction holds the write lock now
        ctx = writes.ctx
        require_importer(ctx)
        entries = ctx.session.scalars(
            select(ImportChange)
            .where(ImportChange.import_id == import_id)
            .order_by(ImportChange.id.desc())
            .limit(chunk_size)
        ).all()
        if not entries:
            raise _Done
        try:
            for taken, entry in enumerate(entries):
                if taken and time.perf_counter() - locked_at > import_chunk_seconds():
                    entries = entries[:taken]  # the rest in the next chunk, as an import's
                    break
                if (entry.table_name, entry.row_id) not in keep:
                    count += _undo_one(ctx, entry)
            ctx.session.flush()
        except IntegrityError as error:  # a later record refers to a row to delete
            detail = str(error.orig).splitlines()[0][:120]
            raise CommandError.one(GENERAL, "import_undo_blocked", detail=detail) from error
        ctx.session.execute(
            delete(ImportChange).where(ImportChange.id.in_([e.id for e in entries]))
        )
        if kept is not None:
            kept.extend(ctx.session.info.pop(KEPT, []))
    return count


def _undo_one(ctx: Context, entry: ImportChange) -> int:
    model = MODELS[entry.table_name]
    row = ctx.session.get(model, entry.row_id)
    if entry.action == "created":
        if row is None:
            return 0  # deleted since, by someone else
        if entry.table_name in REFERENCE_TABLES:
            return _undo_reference(ctx, row)
        ctx.delete(ACTION, row)
        return 1
    values = ledger.load(model, entry.before or "{}")
    if entry.action == "updated":
        if row is None:
            return 0
        ctx.update(ACTION, row, values)
        return 1
    if row is not None:  # "deleted", but a row of that id exists again
        return 0
    ctx.add(model(**values))
    ctx.audit(ACTION, ctx.session.get(model, entry.row_id))
    return 1


def _undo_reference(ctx: Context, row: object) -> int:
    """A reference value the import created (`create_missing`) goes with it, unless
    records made since use it: then someone chose it, and it stays (the undo goes on).
    Its rows of the import are gone by now: the ledger is replayed newest first."""
    try:
        with ctx.session.begin_nested():
            ctx.delete(ACTION, row)
    except IntegrityError:
        kept = ctx.session.info.setdefault(KEPT, [])
        kept.append((row.__tablename__, row.code))  # type: ignore[attr-defined]
        return 0
    return 1
