"""`crm import`: one file, committed in chunks, one savepoint per row.

- A real run commits every `chunk_size` rows, or sooner once a chunk has held the write
  lock `chunk_seconds` (docs/import.md), so other writers wait for at most one short
  chunk. Each chunk is recorded in the imports ledger (ledger.py) with every row it
  created, changed or deleted: a killed or failed run resumes after its last committed
  chunk, and `undo.py` takes a whole import back.
- A dry run executes every row in one transaction that is then thrown away, so its counts
  are exactly what a real run would do (later rows see earlier ones). It never takes the
  store's write lock: on SQLite it runs on a private copy of the store, on PostgreSQL
  without drawing a change number (the counter row's lock is the write lock there).
- A real run is all-or-nothing unless `partial`: a rejected row rolls its chunk back, the
  rest of the file is still checked (in chunks thrown away) and the chunks committed
  before are undone. With `partial`, the good rows are committed and the rejected ones
  written to a CSV.
- A run, or a chunk, that would create or change nothing commits nothing either:
  re-importing an unchanged file leaves the store, its audit log and its change counter
  as they were.
- Size and row limits are checked, and the whole file read once (encoding, CSV syntax),
  before any write.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ingest.commands.base import (
    GENERAL,
    Batch,
    CommandError,
    Context,
    Forbidden,
    batch,
    load_actor,
)
from ingest.importer import ledger
from ingest.importer.common import require_importer
from ingest.importer.convert import Converter, column_positions
from ingest.importer.entities import (
    import_activity,
    import_contact,
    import_customer,
    import_expense,
    import_product,
    import_user,
)
from ingest.importer.history import import_stage_change
from ingest.importer.mapping import Mapping, load_mapping
from ingest.importer.projects import import_project
from ingest.importer.readers import FileProblem, Table, read_table
from ingest.importer.references import import_with_references
from ingest.importer.report import ImportReport, Rejected, default_rejects_path, write_rejects
from ingest.importer.resolve import ImportContext, Resolver
from ingest.importer.sales_modes import ensure_sales_mode
from ingest.importer.undo import undo_changes
from ingest.messages import Message
from ingest.settings import (
    import_chunk_seconds,
    import_chunk_size,
    import_max_mb,
    import_max_rows,
)
from ingest.store.db import (
    current_change_seq,
    get_engine,
    is_sqlite,
    sqlite_copy,
    yield_to_writers,
)
from ingest.store.models import ImportRun

COMMANDS: dict[str, Callable[..., Any]] = {
    "customers": import_customer,
    "contacts": import_contact,
    "users": import_user,
    "products": import_product,
    "projects": import_project,
    "stage_history": import_stage_change,
    "expenses": import_expense,
    "activities": import_activity,
}
PROGRESS_EVERY = 500


class _Rollback(Exception):
    """Leave the transaction (the dry run's, or a chunk's) without committing it."""


SECRET_FIELDS = ("password",)


def import_file(
    path: str | Path,
    mapping: Mapping | str | Path,
    *,
    engine: Engine | None = None,
    actor_id: int | None = None,
    dry_run: bool = False,
    partial: bool = False,
    rejects: str | Path | None = None,
    encoding: str | None = None,
    locale: str = "zh_CN",
    progress: Callable[[int], None] | None = None,
    chunk_size: int | None = None,
    chunk_seconds: float | None = None,
    resume: int | None = None,
) -> ImportReport:
    """Import one CSV or Excel file; never raises for bad rows or files, reports them.
    `resume`: the id of an unfinished import of the same file to continue (without it, an
    unfinished import of the same file by a process that is gone is continued)."""
    engine = engine or get_engine()
    path = Path(path)
    report = ImportReport(file=path, dry_run=dry_run, partial=partial)
    table = None
    try:
        if not isinstance(mapping, Mapping):
            mapping = load_mapping(mapping)
        report.entity, report.source = mapping.entity, mapping.source
        check_size(path)
        table = _open(path, mapping, encoding)
        report.encoding, report.header = table.encoding, table.header
        positions = column_positions(mapping, table.header, mapping.header_row)
        count_rows(table)  # reads the whole file once: its limits and syntax, before writing
        table = _open(path, mapping, table.encoding)
        run = None if dry_run else _resumed(engine, path, mapping, resume, report)
        secret_columns = {mapping.column_of(name) for name in SECRET_FIELDS}
        report.secret_positions = frozenset(
            index for column, index in positions.items() if column in secret_columns
        )
    except CommandError as error:
        report.problems = list(error.errors.items())
        if table is not None:
            table.close()
        return report
    job = _Job(path, mapping, table, positions, report, engine, actor_id, progress)
    try:
        if dry_run:
            _dry_run(job)
        else:
            bound = ChunkBound(
                chunk_size or import_chunk_size(),
                import_chunk_seconds() if chunk_seconds is None else chunk_seconds,
            )
            _chunked(job, bound, run)
    except CommandError as error:  # refused before the first row (permission, sales mode)
        report.problems = list(error.errors.items())
        report.written = False
        return report
    finally:
        table.close()
    if progress is not None:
        progress(report.rows_read)
    if report.rejected and (rejects is not None or (partial and not dry_run)):
        write_rejects(report, Path(rejects) if rejects else default_rejects_path(path), locale)
    return report


def _open(path: Path, mapping: Mapping, encoding: str | None) -> Table:
    return read_table(
        path,
        encoding=encoding or mapping.encoding,
        sheet=mapping.sheet,
        delimiter=mapping.delimiter,
        header_row=mapping.header_row,
    )


# --- limits and identity ----------------------------------------------------------------


def check_size(path: Path) -> None:
    """CRM_IMPORT_MAX_MB, from the file's size alone: a too large file is not even read."""
    try:
        size = path.stat().st_size
    except OSError:
        return  # reading it reports why
    limit = import_max_mb()
    if size > limit * 1024 * 1024:
        raise FileProblem.of("import_too_large", size=f"{size / 1024 / 1024:.1f}", max=f"{limit:g}")


def count_rows(table: Table) -> int:
    """CRM_IMPORT_MAX_ROWS, counted by streaming the rows (blank rows do not count)."""
    limit = import_max_rows()
    try:
        rows = sum(1 for _ in itertools.islice(table.rows, limit + 1))
    finally:
        table.close()
    if rows > limit:
        raise FileProblem.of("import_too_many_rows", max=f"{limit:,}")
    return rows


def checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _resumed(
    engine: Engine, path: Path, mapping: Mapping, resume: int | None, report: ImportReport
) -> ImportRun | None:
    """The unfinished import this run continues, if any; refuses a wrong --resume."""
    report.checksum = checksum(path)
    if resume is None:
        return ledger.resumable_run(engine, report.checksum, mapping.entity)
    run = ledger.get_run(engine, resume)
    if run is None:
        raise CommandError.one("resume", "import_not_found", id=resume)
    if run.checksum != report.checksum or run.entity != mapping.entity:
        raise CommandError.one("resume", "import_other_file", id=resume, file=run.file_name)
    if run.status not in ledger.RESUMABLE:
        raise CommandError.one("resume", "import_not_resumable", id=resume, status=run.status)
    if ledger.is_alive(run):
        raise CommandError.one("resume", "import_still_running", id=resume, pid=run.pid)
    return run


@dataclass(frozen=True)
class _Job:
    """One file's import as the dry run and the real run both carry it: the file read, its
    columns' positions, the report being filled and who imports it where."""

    path: Path
    mapping: Mapping
    table: Table
    positions: dict[str, int]
    report: ImportReport
    engine: Engine
    actor_id: int | None
    progress: Callable[[int], None] | None

    @property
    def source(self) -> str:
        """The audit log's source of what the import writes."""
        return f"import:{self.path.name}"

    def converter(self, ctx: ImportContext) -> Converter:
        return Converter(self.mapping, self.positions, Resolver(ctx.session, self.mapping.source))


# --- the dry run ------------------------------------------------------------------------


@contextmanager
def _thrown_away(engine: Engine, actor_id: int | None, source: str) -> Iterator[Batch]:
    """One transaction that is always rolled back, holding no lock other writers wait on."""

    @contextmanager
    def session_on(target: Engine) -> Iterator[Session]:
        with Session(target, expire_on_commit=False) as session:
            session.begin()
            try:
                # The change number writes would carry, without drawing one: drawing it
                # locks the counter row, which is the store's write lock on PostgreSQL.
                session.info["change_seq"] = current_change_seq(session) + 1
                session.info["actor_id"] = actor_id
                yield session
            finally:
                session.rollback()

    if is_sqlite(engine):
        with sqlite_copy(engine) as copy, session_on(copy) as session:
            yield Batch(Context(session, load_actor(session, actor_id), source))
    else:
        with session_on(engine) as session:
            yield Batch(Context(session, load_actor(session, actor_id), source))


def _dry_run(job: _Job) -> None:
    with _thrown_away(job.engine, job.actor_id, job.source) as run:
        ctx = _prepared(run, job.mapping, job.report)
        converter = job.converter(ctx)
        for number, cells in job.table.rows:
            _row(run, converter, job, number, cells)


def _prepared(run: Batch, mapping: Mapping, report: ImportReport) -> ImportContext:
    """Who may import this, and the mapping's sales mode; the rows' commands then share
    per-run lookups (see ImportContext)."""
    ctx = ImportContext(run.ctx)
    run.ctx = ctx
    require_importer(ctx)
    if mapping.entity == "users":
        ctx.require_role("admin")  # accounts are an admin's (users.add_user)
    creating = [name for name, spec in mapping.fields.items() if spec.create_missing]
    if creating:  # reference data is an admin's (reference_admin)
        try:
            ctx.require_role("admin")
        except Forbidden as error:
            message = Message("create_missing_admin")
            places = {f"columns.{name}.create_missing": message for name in creating}
            raise Forbidden(places) from error
    if mapping.sales_mode is not None and ensure_sales_mode(run, mapping.sales_mode):
        report.sales_mode_created = str(mapping.sales_mode.code)
    return ctx


def _row(run: Batch, converter: Converter, job: _Job, number: int, cells: list[Any]) -> None:
    """One source row, imported or skipped; `progress` hears every PROGRESS_EVERY rows."""
    if converter.skipped(cells):
        job.report.skipped += 1
    else:
        command = COMMANDS[job.mapping.entity]
        _import_row(run, command, converter, job.mapping, job.report, number, cells)
    job.report.rows_read += 1
    if job.progress is not None and job.report.rows_read % PROGRESS_EVERY == 0:
        job.progress(job.report.rows_read)


# --- the real run, in chunks ------------------------------------------------------------


@dataclass(frozen=True)
class ChunkBound:
    """A chunk ends after `rows` rows or once it has held the write lock `seconds`, whichever
    comes first: on a slow or busy machine 500 rows can take many seconds, and a waiting
    writer gives up after the store's busy timeout."""

    rows: int
    seconds: float


def _chunked(job: _Job, bound: ChunkBound, resumed: ImportRun | None) -> None:
    report, engine = job.report, job.engine
    import_id = resumed.id if resumed is not None else None
    done_row = resumed.last_row if resumed is not None else 0
    chunk_no = resumed.last_chunk if resumed is not None else 0
    if resumed is not None:
        ledger.claim(engine, resumed.id)
        report.import_id, report.resumed_from = resumed.id, done_row + 1
    converter: Converter | None = None
    rows = iter(job.table.rows)
    discarding = False  # after a rejected row without --partial: check the rest only
    try:
        while True:
            chunk = list(itertools.islice(rows, bound.rows))
            if converter is not None and not chunk:
                break
            if converter is not None and chunk[-1][0] <= done_row:
                for number, cells in chunk:  # committed by the earlier run: no transaction
                    converter.remember(number, cells)
                continue
            with _chunk_transaction(engine, job.actor_id, job.source) as run:
                locked_at = time.perf_counter()  # the transaction holds the write lock now
                ctx = _prepared(run, job.mapping, report) if converter is None else _reuse(run)
                if converter is None:
                    converter = job.converter(ctx)
                converter.resolver.session = ctx.session  # this chunk's transaction
                before = (report.created, report.updated, len(report.rejected))
                with ledger.recording(ctx.session) as changes:
                    for taken, (number, cells) in enumerate(chunk):
                        if taken and time.perf_counter() - locked_at > bound.seconds:
                            rows = itertools.chain(chunk[taken:], rows)  # the next chunk's
                            chunk = chunk[:taken]
                            break
                        if number <= done_row:
                            converter.remember(number, cells)  # committed by the earlier run
                            continue
                        _row(run, converter, job, number, cells)
                    wrote = (report.created, report.updated) != before[:2]
                    if len(report.rejected) > before[2] and not report.partial:
                        discarding = True
                    if discarding or not (wrote or (chunk_no == 0 and report.sales_mode_created)):
                        raise _Rollback  # nothing to write: not even a change-counter tick
                    if import_id is None:
                        import_id = _new_run(ctx.session, job, bound.rows)
                        report.import_id = import_id
                    chunk_no += 1
                    new = [n for n, _ in chunk if n > done_row]
                    first, last = (new[0], new[-1]) if new else (done_row, done_row)
                    ledger.commit_chunk(
                        ctx.session, import_id, chunk_no, first, last, len(new), changes
                    )
                report.chunks += 1
                report.written = True
            if not chunk:
                break
            yield_to_writers(engine, time.perf_counter() - locked_at)
    except BaseException:
        if import_id is not None:
            ledger.set_status(engine, import_id, "failed")
        raise
    if import_id is None:
        return
    if discarding:
        undo_changes(engine, import_id, job.actor_id, bound.rows)  # all or nothing
        report.written = False
        report.undone = True
        ledger.set_status(engine, import_id, "undone")
    else:
        ledger.set_status(engine, import_id, "done")


@contextmanager
def _chunk_transaction(engine: Engine, actor_id: int | None, source: str) -> Iterator[Batch]:
    try:
        with batch(engine, actor_id, source) as run:
            yield run
    except _Rollback:
        pass


def _reuse(run: Batch) -> ImportContext:
    # A new transaction each chunk: lookups cached from the last one belong to its session.
    ctx = ImportContext(run.ctx)
    run.ctx = ctx
    return ctx


def _new_run(session: Session, job: _Job, chunk_size: int) -> int:
    """The ledger entry, created with the first chunk that writes (in its transaction):
    an import that writes nothing leaves none."""
    run = ledger.new_run(
        file_name=job.path.name,
        checksum=job.report.checksum or checksum(job.path),
        entity=job.mapping.entity,
        actor_id=job.actor_id,
        partial=job.report.partial,
        chunk_size=chunk_size,
    )
    session.add(run)
    session.flush()
    return run.id


def _import_row(
    run: Batch,
    command: Callable[..., Any],
    converter: Converter,
    mapping: Mapping,
    report: ImportReport,
    number: int,
    cells: list[Any],
) -> None:
    row = converter.row(number, cells)
    if mapping.entity == "projects" and (row.values.get("status") or "open") != "lost":
        # A mapping's loss reason (a constant, or a default for an empty cell) is meant
        # for the lost deals; on the others it is no claim of the source's.
        for name in ("loss_reason", "loss_note"):
            if name in row.defaulted:
                row.values.pop(name, None)
    try:
        if row.missing:
            outcome, created = run.run(import_with_references, command, row)
            report.add_references(created)
        else:
            outcome = run.run(command, row)
    except CommandError as error:
        errors = list(error.errors.items())
    except DBAPIError as error:
        # A limit only the database knows about; the savepoint has undone the row.
        detail = " ".join(str(error.orig).split())[:120]
        errors = [(GENERAL, Message("conflict", {"detail": detail}))]
    else:
        setattr(report, outcome.action, getattr(report, outcome.action) + 1)
        converter.resolver.learn(mapping.entity, outcome.id, row.external_id, row.values)
        return
    located = [(column_for(mapping, name), message) for name, message in errors]
    report.rejected.append(Rejected(number, located, cells))


def column_for(mapping: Mapping, field_name: str) -> str:
    """The source column a field error belongs to; "(field)" for a field the mapping does
    not take from a column; "" for the whole row."""
    if field_name == GENERAL:
        return ""
    base = re.split(r"[.\[]", field_name)[0]
    if base == "external_id":
        return mapping.id_column
    # The app's commands name references by id ("owner_id"); the mapping by what they are.
    for candidate in (base, base.removesuffix("_id")):
        spec = mapping.fields.get(candidate)
        if spec is not None:
            return spec.column or f"({candidate})"
    return f"({base.removesuffix('_id')})"
