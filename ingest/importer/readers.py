"""CSV and Excel files as a header and numbered rows.

Row numbers are what the user sees when they open the file: the header is row 1 (or
`header_row`), the first data row is the next one; for CSV a record spanning several lines
(a quoted cell with line breaks) counts once, as Excel shows it.

Encodings: a BOM decides (UTF-8, UTF-16); then strict UTF-8; then charset-normalizer.
Its guesses on short Chinese text wander among the double-byte encodings (GBK bytes are
often called cp949 or big5), so when GB18030 is among its candidates we take it: this
product's non-UTF-8 files are mainland Chinese Excel exports, GB18030 is a superset of
GBK and GB2312, and anything else can be named with --encoding.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from charset_normalizer import from_bytes

from ingest.commands.base import CommandError
from ingest.messages import Message

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
CHINESE = ("gb2312", "gbk", "gb18030", "hz", "hz_gb_2312", "gb_2312", "cp936", "ms936")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
DELIMITERS = ",\t;|"


class FileProblem(CommandError):
    """The file cannot be read as a table; the field is "file" or a column name."""

    @classmethod
    def of(cls, code: str, where: str = "file", **params: Any) -> FileProblem:
        return cls({where: Message(code, params)})


@dataclass
class Table:
    header: list[str]
    rows: Iterator[tuple[int, list[Any]]]  # (row number, cells), blank rows left out
    encoding: str | None = None  # for CSV: the encoding used
    close: Callable[[], None] = lambda: None  # for Excel: the workbook's file


def read_table(
    path: Path,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    delimiter: str | None = None,
    header_row: int = 1,
) -> Table:
    if path.suffix.lower() == ".xls":
        raise FileProblem.of("xls_unsupported")
    if path.suffix.lower() in EXCEL_SUFFIXES:
        return _read_excel(path, sheet, header_row)
    return _read_csv(path, encoding, delimiter, header_row)


# --- CSV --------------------------------------------------------------------------------


BLOCK = 1 << 20  # files are read in blocks of 1 MiB: never whole into memory
SAMPLE = 4 << 20  # how much of a file charset-normalizer looks at


def detect_encoding(raw: bytes) -> str:
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best, chinese = _guess(raw)
    if chinese:
        try:
            raw.decode("gb18030")
            return "gb18030"
        except UnicodeDecodeError:
            pass
    return best


def _guess(raw: bytes) -> tuple[str, bool]:
    """charset-normalizer's best guess, and whether GB18030 (or a subset) is a candidate."""
    matches = from_bytes(raw)
    best = matches.best()
    if best is None:
        raise FileProblem.of("undecodable")
    names = {codecs.lookup(m.encoding).name for m in matches}
    return best.encoding, best.encoding in CHINESE or bool(names & {"gb18030", "gbk", "gb2312"})


def _blocks(path: Path) -> Iterator[bytes]:
    try:
        with path.open("rb") as handle:
            while block := handle.read(BLOCK):
                yield block
    except OSError as error:  # missing, a folder, no permission
        detail = " ".join(str(error.strerror or error).split())[:120]
        raise FileProblem.of("unreadable_file", detail=detail) from error


def _decodes(path: Path, encoding: str) -> bool:
    """Whether the whole file decodes, streamed; raises the offset of the first bad byte."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    for block in _blocks(path):
        try:
            decoder.decode(block)
        except UnicodeDecodeError as error:
            raise _BadByte(offset + error.start) from error
        offset += len(block)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise _BadByte(offset + error.start) from error
    return True


class _BadByte(Exception):
    def __init__(self, offset: int) -> None:
        self.offset = offset
        super().__init__(offset)


def _file_encoding(path: Path) -> str:
    """detect_encoding for a file: a BOM decides; the whole file is checked as UTF-8 (and
    as GB18030 when that is the guess) block by block; the guess itself reads a sample."""
    first = next(_blocks(path), b"")
    for bom, name in _BOMS:
        if first.startswith(bom):
            return name
    try:
        _decodes(path, "utf-8")
        return "utf-8"
    except _BadByte:
        pass
    sample = bytearray()
    for block in _blocks(path):
        sample += block
        if len(sample) >= SAMPLE:
            # The guess reads a sample, which may end inside a character: cut it back.
            del sample[SAMPLE - 4 :]
            break
    best, chinese = _guess(bytes(sample))
    if chinese:
        try:
            _decodes(path, "gb18030")
            return "gb18030"
        except _BadByte:
            pass
    return best


def _checked_encoding(path: Path, encoding: str | None) -> str:
    """The encoding to read the file with, once the whole file is known to decode with it
    (a file unreadable part-way must stop the import before any of it is written)."""
    declared = encoding is not None
    if encoding is None:
        encoding = _file_encoding(path)
    try:
        codec = codecs.lookup(encoding)
        if not getattr(codec, "_is_text_encoding", True):  # rot13, base64: not a text encoding
            raise LookupError(encoding)
        if codec.name in ("gbk", "gb2312"):
            encoding = "gb18030"  # a superset: decodes every GBK file, and more of real ones
        _decodes(path, encoding)
    except (LookupError, ValueError) as error:  # ValueError: a NUL in the codec's name
        if isinstance(error, UnicodeDecodeError):  # pragma: no cover - raised as _BadByte
            raise
        raise FileProblem.of("invalid_choice", "encoding", value=encoding[:40]) from None
    except _BadByte as bad:
        where = "encoding" if declared else "file"  # the setting that was wrong, if any
        row = _line_of(path, bad.offset)
        raise FileProblem.of(
            "undecodable_as", where, encoding=encoding, row=row, offset=bad.offset
        ) from None
    return encoding


def _line_of(path: Path, offset: int) -> int:
    """The file's line (as a spreadsheet numbers it) holding byte `offset`."""
    lines, seen = 1, 0
    for block in _blocks(path):
        lines += block[: max(offset - seen, 0)].count(b"\n")
        seen += len(block)
        if seen >= offset:
            break
    return lines


def _read_csv(path: Path, encoding: str | None, delimiter: str | None, header_row: int) -> Table:
    """Rows streamed from the file: the text is decoded as the csv reader asks for it."""
    used = _checked_encoding(path, encoding)
    try:
        handle = path.open(encoding=used, newline="")
    except OSError as error:
        detail = " ".join(str(error.strerror or error).split())[:120]
        raise FileProblem.of("unreadable_file", detail=detail) from error
    first = handle.readline().removeprefix("\ufeff")
    handle.seek(0)
    if handle.read(1) != "\ufeff":
        handle.seek(0)
    if delimiter is None:
        delimiter = _sniff(first)
    records = _checked(csv.reader(handle, delimiter=delimiter))
    header: list[str] | None = None
    for number, record in enumerate(records, start=1):
        if number == header_row:
            header = [cell.strip() for cell in record]
            break
    if not header or not any(header):
        handle.close()
        raise FileProblem.of("no_header", row=header_row)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for number, record in enumerate(records, start=header_row + 1):
            if any(cell.strip() for cell in record):
                yield number, record

    return Table(header, rows(), used, close=handle.close)


def _checked(records: Iterator[list[str]]) -> Iterator[list[str]]:
    """The csv module's own refusals (a cell over its 128 KiB limit) as a file problem,
    which stops the import like an unreadable file does, wherever the row is."""
    line = 0
    try:
        for line, record in enumerate(records, start=1):  # noqa: B007
            yield record
    except csv.Error as error:
        detail = f"{line + 1}: {error}"[:120]
        raise FileProblem.of("unreadable_file", detail=detail) from error


def _sniff(first: str) -> str:
    """The delimiter that splits the first line into the most columns."""
    return max(DELIMITERS, key=lambda d: (first.count(d), d == ","))


# --- Excel ------------------------------------------------------------------------------


def _read_excel(path: Path, sheet: str | None, header_row: int) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # read_only streams rows; data_only gives a formula's last computed value.
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError, BadZipFile) as error:
        # BadZipFile: a CSV or anything else saved under an .xlsx name
        detail = " ".join(str(error).split())[:120]
        raise FileProblem.of("unreadable_file", detail=detail) from error
    if sheet is not None and sheet not in book.sheetnames:
        raise FileProblem.of("invalid_choice", "sheet", value=sheet[:40])
    worksheet = book[sheet] if sheet is not None else book.worksheets[0]
    cells = worksheet.iter_rows(min_row=header_row, values_only=True)
    first = next(cells, None)
    header = ["" if v is None else str(v).strip() for v in first or ()]
    if not any(header):
        book.close()
        raise FileProblem.of("no_header", row=header_row)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for number, record in enumerate(cells, start=header_row + 1):
            if any(v is not None and str(v).strip() != "" for v in record):
                yield number, list(record)

    return Table(header, rows(), close=book.close)
