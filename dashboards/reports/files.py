"""A built report written to a file format: Excel or PDF, with its name and media type."""

from __future__ import annotations

import datetime as dt

from dashboards.reports.excel import workbook_bytes
from dashboards.reports.model import Report
from dashboards.reports.pdf import pdf_bytes

FORMATS = ("xlsx", "pdf")
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def render(report: Report, fmt: str) -> bytes:
    if fmt == "xlsx":
        return workbook_bytes(report)
    if fmt == "pdf":
        return pdf_bytes(report)
    raise ValueError(f"unknown report format {fmt!r}: choose one of {', '.join(FORMATS)}")


def file_name(name: str, as_of: dt.date, fmt: str) -> str:
    """e.g. project_costs_2026-11-27.xlsx: the report and its data date."""
    return f"{name}_{as_of.isoformat()}.{fmt}"
