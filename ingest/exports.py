"""Exported files (CSV, Excel) whose cells are data, never formulas.

A cell a spreadsheet would read as a formula — text beginning with `=`, `+`, `-`, `@`, a
tab or a carriage return — can run commands or send data away when the file is opened
(CSV injection, OWASP). Every export of both apps and the import's rejects file goes
through this module:

- CSV: such text gets a leading `'` (OWASP's advice); spreadsheets then show it as text.
- Excel: such text is written as a text cell with Excel's own "quote prefix" flag (what
  typing a leading `'` does), so the cell holds exactly the user's text and stays text
  when edited.

Numbers stay numbers (a negative amount is a numeric cell, not text); text that is only a
number (`-12.5`) cannot run anything and is left as it is.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")


def is_risky(value: Any) -> bool:
    """Text a spreadsheet could take for a formula."""
    return (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not _PLAIN_NUMBER.fullmatch(value)
    )


def inert_cell(value: Any) -> Any:
    """A CSV cell: risky text with a leading `'`; anything else unchanged."""
    return "'" + value if is_risky(value) else value


def inert_row(cells: list[Any]) -> list[Any]:
    return [inert_cell(cell) for cell in cells]


def _is_text(values: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(values.dtype)


def inert_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells and column names are safe for CSV; numeric columns as they are."""
    safe = frame.copy()
    for position in range(frame.shape[1]):
        values = frame.iloc[:, position]
        if _is_text(values):
            safe.isetitem(position, values.map(inert_cell))
    safe.columns = [inert_cell(str(c)) for c in frame.columns]
    return safe


def csv_bytes(frame: pd.DataFrame) -> bytes:
    # UTF-8 with a byte-order mark: Excel then opens Chinese text correctly.
    # CRLF line ends (RFC 4180): a carriage return inside a cell is then quoted as well.
    return inert_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def excel_bytes(frame: pd.DataFrame, sheet: str) -> bytes:
    """One worksheet named `sheet` (cut to Excel's 31 characters), header in row 1."""
    buffer = io.BytesIO()
    name = sheet[:31]
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name=name, index=False)
        worksheet = writer.sheets[name]
        for position, column in enumerate(frame.columns):
            if is_risky(str(column)):
                as_text_cell(worksheet.cell(row=1, column=position + 1), str(column))
            values = frame.iloc[:, position]
            if not _is_text(values):
                continue
            for row in values.map(is_risky).to_numpy(dtype=bool).nonzero()[0]:
                cell = worksheet.cell(row=int(row) + 2, column=position + 1)
                as_text_cell(cell, values.iloc[row])
    return buffer.getvalue()


def as_text_cell(cell: Any, text: str) -> None:
    """Write `text` into an openpyxl cell as text, never as a formula."""
    cell.value = text
    cell.data_type = "s"  # openpyxl would store text beginning with "=" as a formula
    cell.quotePrefix = True
