"""A report as an Excel workbook: one worksheet per breakdown, each with the report's
title, filters and data date above a frozen header row, money in 万元, totals in bold.

Cells hold numbers (money divided by 10,000 and shown with two decimals, exact below
that), so the workbook can be summed and charted; text a spreadsheet could take for a
formula is written as a text cell (ingest.exports).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from dashboards.reports.labels import text
from dashboards.reports.model import WAN, Column, Report, Table
from ingest import exports

FORMATS = {
    "money": "#,##0.00",
    "count": "#,##0",
    "rate": "0.0%",
    "month": "yyyy-mm",
    "date": "yyyy-mm-dd",
}
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
THIN = Side(style="thin", color="999999")
MAX_WIDTH = 48
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def workbook_bytes(report: Report) -> bytes:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    book.properties.title = report.title
    book.properties.creator = "CRM analytics"
    for table in report.tables:
        _sheet(book.create_sheet(_sheet_name(table.title, book.sheetnames)), report, table)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_name(title: str, taken: list[str]) -> str:
    name = _SHEET_NAME_FORBIDDEN.sub(" ", title)[:31]
    candidate, number = name, 2
    while candidate in taken:
        candidate = f"{name[:28]} {number}"
        number += 1
    return candidate


def cell_value(value: Any, column: Column) -> Any:
    """What a cell holds: money in 万元, months and days as dates, the rest as it is."""
    if value is None:
        return None
    if column.kind == "money":
        return Decimal(str(value)) / WAN
    return value


def filters_line(report: Report) -> str:
    if report.lang == "en":
        return "; ".join(f"{label}: {value}" for label, value in report.filters)
    return "　".join(f"{label}：{value}" for label, value in report.filters)


def _sheet(sheet: Worksheet, report: Report, table: Table) -> None:
    lines = [
        filters_line(report),
        report.data_line,
        report.unit_line,
        *table.notes,
    ]
    _text(sheet.cell(row=1, column=1), f"{report.title} — {table.title}")
    sheet.cell(row=1, column=1).font = Font(size=14, bold=True)
    for offset, line in enumerate(lines, start=2):
        _text(sheet.cell(row=offset, column=1), line)
        sheet.cell(row=offset, column=1).font = Font(size=9, color="555555")
    # not merged: a long line runs on over the empty cells to its right, where a merged
    # range as wide as a narrow table would cut it off
    head = len(lines) + 3  # a blank row between the header lines and the table
    for position, column in enumerate(table.columns, start=1):
        cell = sheet.cell(row=head, column=position)
        _text(cell, column.label)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = Border(bottom=THIN, top=THIN)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    row = head
    for values in table.rows:
        row += 1
        _row(sheet, row, table.columns, values)
    if not table.rows:
        row += 1
        _text(sheet.cell(row=row, column=1), text("dash.report.empty", report.lang))
    if table.totals is not None:
        row += 1
        totals = (text("dash.report.total", report.lang), *table.totals[1:])
        _row(sheet, row, table.columns, totals)
        for position in range(1, len(table.columns) + 1):
            cell = sheet.cell(row=row, column=position)
            cell.font = Font(bold=True)
            cell.fill = TOTAL_FILL
            cell.border = Border(top=THIN, bottom=THIN)
    sheet.freeze_panes = sheet.cell(row=head + 1, column=2)
    if table.rows:
        last = get_column_letter(len(table.columns))
        sheet.auto_filter.ref = f"A{head}:{last}{head + len(table.rows)}"
    _widths(sheet, table)
    sheet.print_title_rows = f"{head}:{head}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _row(sheet: Worksheet, row: int, columns: list[Column], values: tuple[Any, ...]) -> None:
    for position, (column, value) in enumerate(zip(columns, values, strict=True), start=1):
        cell = sheet.cell(row=row, column=position)
        content = cell_value(value, column)
        if isinstance(content, str):
            _text(cell, content)
        else:
            cell.value = content
            if column.kind in FORMATS:
                cell.number_format = FORMATS[column.kind]


def _text(cell: Any, value: str) -> None:
    if exports.is_risky(value):
        exports.as_text_cell(cell, value)
    else:
        cell.value = value


def _display_width(value: Any, column: Column) -> int:
    if value is None:
        return 0
    if column.kind == "money":
        shown = f"{Decimal(str(value)) / WAN:,.2f}"
    elif column.kind in ("month", "date") and isinstance(value, dt.date):
        shown = value.isoformat()[: 7 if column.kind == "month" else 10]
    elif column.kind == "rate":
        shown = "100.0%"
    else:
        shown = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in shown)


def _widths(sheet: Worksheet, table: Table) -> None:
    for position, column in enumerate(table.columns):
        widest = _display_width(column.label, Column("", "")) + 2
        for values in [*table.rows, table.totals or ()]:
            if position < len(values):
                widest = max(widest, _display_width(values[position], column) + 2)
        sheet.column_dimensions[get_column_letter(position + 1)].width = min(widest, MAX_WIDTH)
