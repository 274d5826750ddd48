"""The worked example of docs/import.md (tests/ingest/import_files/) and helpers to import
files and read what an import reported."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine, func, select

from ingest.importer import ImportReport, import_file
from ingest.store.db import current_change_seq, read_session
from ingest.store.models import ENTITY_TABLES, AuditLog

FILES = Path(__file__).resolve().parents[1] / "ingest" / "import_files"
# The ready-made migration mappings (docs/import/) and the CRM exports they read.
MAPPINGS = Path(__file__).resolve().parents[2] / "docs" / "import"
EXPORTS = Path(__file__).resolve().parents[1] / "ingest" / "data"
EXAMPLE = [
    "users",
    "customers",
    "contacts",
    "products",
    "projects",
    "stage_history",
    "activities",
    "expenses",
]


def run(engine: Engine, name: str, folder: Path = FILES, **options: Any) -> ImportReport:
    return import_file(folder / f"{name}.csv", FILES / f"{name}.yaml", engine=engine, **options)


def import_export(engine: Engine, data: str, mapping: str, **options: Any) -> ImportReport:
    """A Salesforce or HubSpot export (EXPORTS) imported with its ready-made mapping."""
    return import_file(EXPORTS / data, MAPPINGS / f"{mapping}.yaml", engine=engine, **options)


def import_example(engine: Engine, upto: str | None = None) -> None:
    for name in EXAMPLE:
        if name == upto:
            return
        report = run(engine, name)
        assert report.ok and report.written, report.text("en")


def store_state(engine: Engine) -> dict[str, int]:
    """Row counts of every table the warehouse reads, the audit log and the change counter."""
    with read_session(engine) as s:
        state = {
            table.name: s.scalar(select(func.count()).select_from(table)) or 0
            for table in [*ENTITY_TABLES, AuditLog.__table__]
        }
        state["change_counter"] = current_change_seq(s)
        return state


def write_csv(path: Path, rows: list[list[Any]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def write_yaml(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def rejections(report: ImportReport, locale: str = "en") -> dict[int, dict[str, str]]:
    return {
        r.row: {column: message.text(locale) for column, message in r.errors}
        for r in report.rejected
    }


def codes(report: ImportReport) -> dict[int, dict[str, str]]:
    return {r.row: {column: message.code for column, message in r.errors} for r in report.rejected}
