"""`crm import`: one file, one transaction, one savepoint per row.

- A dry run executes every row in a transaction that is then thrown away, so its counts
  are exactly what a real run would do (later rows see earlier ones, as they would).
- A real run is all-or-nothing unless `partial`: any rejected row rolls the file back.
- With `partial`, the good rows are committed and the rejected ones written to a CSV.
- A run that would create or change nothing commits nothing either: re-importing an
  unchanged file leaves the store, its audit log and its change counter as they were.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from ingest.commands.base import GENERAL, Batch, CommandError, batch
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
from ingest.importer.readers import Table, read_table
from ingest.importer.report import ImportReport, Rejected, default_rejects_path, write_rejects
from ingest.importer.resolve import ImportContext, Resolver
from ingest.importer.sales_modes import ensure_sales_mode
from ingest.messages import Message

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
    """Leave the import's transaction without committing it."""


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
) -> ImportReport:
    """Import one CSV or Excel file; never raises for bad rows or files, reports them."""
    path = Path(path)
    report = ImportReport(file=path, dry_run=dry_run, partial=partial)
    table = None
    try:
        if not isinstance(mapping, Mapping):
            mapping = load_mapping(mapping)
        report.entity, report.source = mapping.entity, mapping.source
        table = read_table(
            path,
            encoding=encoding or mapping.encoding,
            sheet=mapping.sheet,
            delimiter=mapping.delimiter,
            header_row=mapping.header_row,
        )
        report.encoding, report.header = table.encoding, table.header
        positions = column_positions(mapping, table.header, mapping.header_row)
        secret_columns = {mapping.column_of(name) for name in SECRET_FIELDS}
        report.secret_positions = frozenset(
            index for column, index in positions.items() if column in secret_columns
        )
    except CommandError as error:
        report.problems = list(error.errors.items())
        if table is not None:
            table.close()
        return report
    try:
        _run(path, mapping, table, positions, report, engine, actor_id, progress)
    except CommandError as error:  # the file turned out unreadable part-way: rolled back
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


def _run(
    path: Path,
    mapping: Mapping,
    table: Table,
    positions: dict[str, int],
    report: ImportReport,
    engine: Engine | None,
    actor_id: int | None,
    progress: Callable[[int], None] | None,
) -> None:
    try:
        with batch(engine, actor_id, f"import:{path.name}", commit=not report.dry_run) as run:
            ctx = ImportContext(run.ctx)
            run.ctx = ctx  # the rows' commands share per-run lookups (see ImportContext)
            try:
                require_importer(ctx)
                if mapping.entity == "users":
                    ctx.require_role("admin")  # accounts are an admin's (users.add_user)
                if mapping.sales_mode is not None and ensure_sales_mode(run, mapping.sales_mode):
                    report.sales_mode_created = str(mapping.sales_mode.code)
            except CommandError as error:
                report.problems = list(error.errors.items())
                raise _Rollback from error
            converter = Converter(mapping, positions, Resolver(ctx.session, mapping.source))
            command = COMMANDS[mapping.entity]
            for number, cells in table.rows:
                if converter.skipped(cells):
                    report.skipped += 1
                else:
                    _import_row(run, command, converter, mapping, report, number, cells)
                report.rows_read += 1
                if progress is not None and report.rows_read % PROGRESS_EVERY == 0:
                    progress(report.rows_read)
            if report.rejected and not report.partial:
                raise _Rollback
            if not (report.created or report.updated or report.sales_mode_created):
                raise _Rollback  # nothing to write: not even a change-counter tick
            report.written = not report.dry_run
    except _Rollback:
        report.written = False


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
    try:
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
