"""What an import did, as the user reads it: counts, every rejected row with its row number,
source column and reason in the user's language, and the rejects file for fixing them."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.commands.base import GENERAL
from ingest.exports import inert_row
from ingest.importer.values import cell_text
from ingest.messages import Message


@dataclass
class Rejected:
    row: int  # as in the file: the header is row 1
    errors: list[tuple[str, Message]]  # (source column, or "(field)" when not mapped; reason)
    cells: list[Any]


@dataclass
class ImportReport:
    file: Path
    entity: str = ""
    source: str = ""
    dry_run: bool = False
    partial: bool = False
    encoding: str | None = None
    header: list[str] = field(default_factory=list)
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    # Problems that stop the whole file (mapping, header, permission): (where, reason).
    problems: list[tuple[str, Message]] = field(default_factory=list)
    sales_mode_created: str | None = None
    # Reference values the mapping's create_missing created: (kind, code, name).
    references_created: list[tuple[str, str, str]] = field(default_factory=list)
    written: bool = False
    rejects_path: Path | None = None
    # The imports ledger (real runs that wrote): the import's id, the row this run
    # resumed from, the chunks it committed, and whether a refusal undid them.
    checksum: str | None = None
    import_id: int | None = None
    resumed_from: int | None = None
    chunks: int = 0
    undone: bool = False
    # Positions (in `header`) of columns mapped to secrets: blank in the rejects file.
    secret_positions: frozenset[int] = frozenset()

    def add_references(self, created: list[Any]) -> None:
        for value in created:
            key = (value.kind, value.code, value.name)
            if key not in self.references_created:
                self.references_created.append(key)

    @property
    def ok(self) -> bool:
        return not self.rejected and not self.problems

    @property
    def exit_code(self) -> int:
        """0: every row imported (or would be); 1: rows rejected; 2: nothing could start."""
        if self.problems:
            return 2
        return 1 if self.rejected else 0

    def lines(self, locale: str = "zh_CN") -> list[str]:
        def say(message_code: str, **params: Any) -> str:
            return Message(message_code, params).text(locale)

        out = [
            say(
                "import_header",
                file=self.file.name,
                entity=self.entity or "?",
                source=self.source or "?",
                encoding=self.encoding or "-",
            )
        ]
        if self.problems:
            out.append(say("import_refused"))
            for where, message in self.problems:
                shown = "" if where == GENERAL else f"{where}: "
                out.append(f"  {shown}{message.text(locale)}")
            return out
        if self.sales_mode_created and (self.written or self.dry_run):
            created = "import_sales_mode_dry" if self.dry_run else "import_sales_mode_created"
            out.append(say(created, code=self.sales_mode_created))
        counts = {
            "read": self.rows_read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "rejected": len(self.rejected),
        }
        out.append(say("import_summary_dry" if self.dry_run else "import_summary", **counts))
        if self.written or self.dry_run:
            said = "import_reference_dry" if self.dry_run else "import_reference_created"
            for kind, code, name in self.references_created:
                kind_name = Message(f"reference_kind_{kind}")
                out.append(say(said, kind=kind_name, code=code, name=name))
        for rejected in self.rejected:
            for column, message in rejected.errors:
                reason = message.text(locale)
                if column:
                    out.append(
                        "  "
                        + say("import_rejected_row", row=rejected.row, column=column, reason=reason)
                    )
                else:
                    out.append(
                        "  " + say("import_rejected_row_general", row=rejected.row, reason=reason)
                    )
        if self.import_id is not None:  # the ledger's id, for --resume and --undo
            if self.undone:
                out.append(say("import_undone_after_reject", id=self.import_id))
            elif self.resumed_from is not None:
                out.append(
                    say(
                        "import_resumed",
                        id=self.import_id,
                        row=self.resumed_from,
                        chunks=self.chunks,
                    )
                )
            else:
                out.append(say("import_done", id=self.import_id, chunks=self.chunks))
        if self.rejected and not self.partial and not self.dry_run:
            out.append(say("import_rolled_back", rejected=len(self.rejected)))
        elif self.written:
            out.append(say("import_committed", source=f"import:{self.file.name}"))
        elif not self.dry_run:
            out.append(say("import_nothing_to_write"))
        if self.rejects_path is not None:
            out.append(say("import_rejects_written", path=str(self.rejects_path)))
        return out

    def text(self, locale: str = "zh_CN") -> str:
        return "\n".join(self.lines(locale))


def default_rejects_path(path: Path) -> Path:
    """customers.xlsx → customers.rejects.csv, beside the input."""
    return path.with_name(f"{path.stem}.rejects.csv")


def write_rejects(report: ImportReport, path: Path, locale: str = "zh_CN") -> None:
    """The rejected rows with their original columns, then where and why. UTF-8 with a BOM,
    which is what makes Excel open Chinese text correctly; fix the rows, then import this
    file with the same mapping (it ignores the extra columns). A password column stays
    blank: secrets never reach an export; cells that could be formulas are made inert."""
    names = [
        Message(code).text(locale)
        for code in ("import_col_row", "import_col_column", "import_col_reason")
    ]
    width = len(report.header)
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(inert_row([*report.header, *names]))
        for rejected in report.rejected:
            cells = [
                "" if i in report.secret_positions else cell_text(cell) or ""
                for i, cell in enumerate(rejected.cells[:width])
            ]
            cells += [""] * (width - len(cells))
            writer.writerow(
                inert_row(
                    [
                        *cells,
                        rejected.row,
                        "; ".join(column for column, _ in rejected.errors),
                        "; ".join(message.text(locale) for _, message in rejected.errors),
                    ]
                )
            )
    report.rejects_path = path
