"""Hostile files, rows and mappings for `crm import` (property tests, see tests/support/hostile.py).

The store holds the worked example of docs/import.md (tests/ingest/import_files). An
example takes the example file of one entity, puts hostile cells into some of its rows
(half of them under new source ids, so both the create and the update paths run) and
imports it three times: a dry run, a real run and a partial run. The properties:

- a dry run writes nothing and reports every rejected row by its row number and column;
- the real run rejects the same rows and is all-or-nothing: nothing written when any row is
  rejected, and otherwise every text cell of an imported row is stored as given;
- a partial run rejects the same rows again and imports the others, texts as given;
- a broken mapping or file is a report (exit code 2), never a traceback.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import Engine, select, text

from ingest.importer import ImportReport, import_file
from ingest.importer.fields import ENTITY_FIELDS, Kind
from ingest.importer.mapping import Mapping, load_mapping
from ingest.importer.resolve import TABLES
from ingest.store.db import get_engine, read_session
from tests.support.hostile import (
    AMOUNTS,
    CODE_VALUES,
    DATES,
    EXAMPLES,
    LONG,
    PAYLOADS,
    assert_inert,
    fingerprint,
    hostile_text,
    renders,
    repeatable,
)

FILES = Path(__file__).parent / "import_files"
ORDER = list(ENTITY_FIELDS)  # users, customers, ... in the order they depend on each other
EXAMPLES_PER_ENTITY = 8
# Fields whose value is not stored as typed (a password is hashed).
NOT_STORED = {("users", "password")}


# --- the store: the worked example, copied for every example ----------------------------


@dataclass
class ExampleStore:
    engine: Engine
    template: Path
    path: Path

    def reset(self) -> None:
        self.engine.dispose()
        for suffix in ("-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.template, self.path)


EXAMPLE = ["users", "customers", "contacts", "products", "projects", "stage_history"]
EXAMPLE += ["activities", "expenses"]


@pytest.fixture(scope="module")
def example_template(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    path = tmp_path_factory.mktemp("hostile_import") / "example.db"
    shutil.copyfile(sqlite_template, path)
    engine = get_engine(f"sqlite:///{path}")
    for name in EXAMPLE:
        report = import_file(FILES / f"{name}.csv", FILES / f"{name}.yaml", engine=engine)
        assert report.ok and report.written, report.text("en")
    with engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    engine.dispose()
    return path


@pytest.fixture
def example_store(example_template: Path, tmp_path: Path) -> Iterator[ExampleStore]:
    path = tmp_path / "crm.db"
    shutil.copyfile(example_template, path)
    store = ExampleStore(get_engine(f"sqlite:///{path}"), example_template, path)
    yield store
    store.engine.dispose()


# --- hostile cells ------------------------------------------------------------------------


def hostile_cell() -> st.SearchStrategy[str]:
    """What a cell of a CSV file can hold: text only, but any text."""
    as_text = [str(value) for value in [*AMOUNTS, *DATES, *CODE_VALUES]]
    return st.one_of(
        hostile_text().filter(lambda value: isinstance(value, str)),
        st.sampled_from(as_text),
        st.sampled_from(PAYLOADS),
    )


@dataclass(frozen=True)
class Source:
    mapping: Mapping
    mapping_path: Path
    header: list[str]
    rows: list[list[str]]


def source(entity: str) -> Source:
    with (FILES / f"{entity}.csv").open(encoding="utf-8-sig", newline="") as stream:
        header, *rows = list(csv.reader(stream))
    path = FILES / f"{entity}.yaml"
    return Source(load_mapping(path), path, header, rows)


def draw_rows(
    data: st.DataObject, src: Source
) -> tuple[list[list[str]], dict[tuple[int, str], str]]:
    """The example's rows with hostile cells; returns the rows and (file row, column) →
    the hostile cell."""
    id_index = src.header.index(src.mapping.id_column)
    rows, placed = [], {}
    for number, original in enumerate(src.rows, start=2):
        row = list(original)
        if data.draw(st.booleans(), label="new source id"):
            row[id_index] = f"{row[id_index]}-H"
        columns = data.draw(
            st.lists(st.sampled_from(src.header), max_size=2, unique=True), label="columns"
        )
        for column in columns:
            cell = data.draw(hostile_cell(), label=column)
            row[src.header.index(column)] = cell
            placed[(number, column)] = cell
        rows.append(row)
    return rows, placed


def write(path: Path, header: list[str], rows: list[list[Any]], encoding: str) -> Path:
    with path.open("w", encoding=encoding, newline="") as out:
        csv.writer(out).writerows([header, *rows])
    return path


# --- the properties -------------------------------------------------------------------------


def check_report(report: ImportReport, header: list[str], rows_written: int) -> None:
    """Every rejected row is a row of the file; every error names a column of the file, a
    field the mapping fills with a constant "(field)", or the whole row; every message
    renders in both languages, and so does the whole report."""
    assert not report.problems, report.text("en")
    numbers = set(range(2, rows_written + 2))
    for rejected in report.rejected:
        assert rejected.row in numbers, rejected.row
        assert rejected.errors
        for column, message in rejected.errors:
            assert column in header or column.startswith("(") or column == "", column
            renders(message)
    outcomes = report.created + report.updated + report.unchanged + report.skipped
    assert outcomes + len(report.rejected) == report.rows_read == rows_written
    for locale in ("zh_CN", "en"):
        assert report.text(locale)


def rejected_codes(report: ImportReport) -> dict[int, dict[str, str]]:
    return {r.row: {column: m.code for column, m in r.errors} for r in report.rejected}


def check_stored_as_given(
    engine: Engine, src: Source, rows: list[list[str]], report: ImportReport
) -> None:
    """Every text cell of an imported row is in the store exactly as given (stripped), and
    is inert where it is shown."""
    entity = src.mapping.entity
    model = TABLES.get(entity)
    if model is None:
        return  # history rows have no table of their own to look them up in
    rejected = {r.row for r in report.rejected}
    id_index = src.header.index(src.mapping.id_column)
    texts = [
        spec
        for spec in src.mapping.fields.values()
        if spec.kind is Kind.TEXT
        and spec.column
        and spec.values is None
        and (entity, spec.name) not in NOT_STORED
        and hasattr(model, spec.name)
    ]
    with read_session(engine) as session:
        for number, row in enumerate(rows, start=2):
            if number in rejected:
                continue
            external_id = f"{src.mapping.source}:{row[id_index].strip()}"
            stored = session.scalars(select(model).where(model.external_id == external_id)).one()
            for spec in texts:
                cell = row[src.header.index(spec.column)].strip()  # type: ignore[arg-type]
                if cell:
                    assert getattr(stored, spec.name) == cell, (spec.name, cell)
                    assert_inert(cell)


@pytest.mark.parametrize("entity", ORDER)
@repeatable(EXAMPLES_PER_ENTITY)
@given(data=st.data())
def test_hostile_rows_are_reported_and_never_half_written(
    example_store: ExampleStore, entity: str, data: st.DataObject, tmp_path_factory: Any
) -> None:
    src = source(entity)
    rows, placed = draw_rows(data, src)
    encoding = data.draw(st.sampled_from(["utf-8", "utf-8-sig"]), label="encoding")
    folder = tmp_path_factory.mktemp("file")
    path = write(folder / f"{entity}.csv", src.header, rows, encoding)
    engine = example_store.engine
    example_store.reset()
    before = fingerprint(engine)

    dry = import_file(path, src.mapping_path, engine=engine, dry_run=True)
    check_report(dry, src.header, len(rows))
    assert fingerprint(engine) == before and not dry.written

    real = import_file(path, src.mapping_path, engine=engine)
    check_report(real, src.header, len(rows))
    assert rejected_codes(real) == rejected_codes(dry)
    if real.rejected or not (real.created or real.updated):
        assert fingerprint(engine) == before and not real.written
    else:
        assert real.written
        check_stored_as_given(engine, src, rows, real)

    example_store.reset()
    partial = import_file(path, src.mapping_path, engine=engine, partial=True)
    check_report(partial, src.header, len(rows))
    assert rejected_codes(partial) == rejected_codes(dry)
    assert partial.written == bool(partial.created or partial.updated)
    if partial.written:
        check_stored_as_given(engine, src, rows, partial)
    EXAMPLES[f"import:{entity}"] += 1
    EXAMPLES["import cells"] += len(placed)


# --- Excel cells carry types: numbers, dates, booleans, formulas ----------------------------

TYPED_CELLS: list[Any] = [
    float("inf"),
    float("nan"),
    -1e308,
    1e308,
    10**20,
    True,
    False,
    0,
    -45000,
    2958466,  # one day past Excel's last date
    '=HYPERLINK("http://evil.example")',
    "@SUM(A1)",
]


@pytest.mark.parametrize("entity", ["customers", "projects", "expenses", "activities"])
@repeatable(4)
@given(data=st.data())
def test_hostile_excel_cells_are_reported(
    example_store: ExampleStore, entity: str, data: st.DataObject, tmp_path_factory: Any
) -> None:
    src = source(entity)
    rows = [list(row) for row in src.rows]
    for row in rows:
        for column in data.draw(st.lists(st.sampled_from(src.header), max_size=2, unique=True)):
            row[src.header.index(column)] = data.draw(st.sampled_from(TYPED_CELLS))
    book = Workbook()
    sheet = book.active
    sheet.append(src.header)
    for row in rows:
        sheet.append(row)
    path = tmp_path_factory.mktemp("xlsx") / f"{entity}.xlsx"
    book.save(path)
    example_store.reset()
    before = fingerprint(example_store.engine)
    report = import_file(path, src.mapping_path, engine=example_store.engine, dry_run=True)
    check_report(report, src.header, len(rows))
    assert fingerprint(example_store.engine) == before
    EXAMPLES[f"import-xlsx:{entity}"] += 1


# --- broken mappings and files: a report, never a traceback -----------------------------


def customers_mapping() -> dict[str, Any]:
    return yaml.safe_load((FILES / "customers.yaml").read_text(encoding="utf-8"))


WRONG: list[Any] = [None, [], ["x"], {}, {"a": 1}, True, 0, -1, 1.5, "x" * LONG, "\x00", "🙂"]
MAPPING_PLACES = [
    ("entity",),
    ("source",),
    ("id_column",),
    ("columns",),
    ("columns", "name"),
    ("columns", "industry", "values"),
    ("columns", "industry", "column"),
    ("columns", "status"),
    ("columns", "owner"),
    ("encoding",),
    ("delimiter",),
    ("header_row",),
    ("sheet",),
    ("date_format",),
    ("timezone",),
    ("skip_rows",),
    ("sales_mode",),
]
MAPPING_VALUES: list[Any] = [
    *WRONG,
    "widgets",
    "不存在的列",
    "klingon",
    "utf-32",
    ";;",
    "%Q",
    "Mars/Olympus",
    "../../etc/passwd",
    {"column": "行业", "values": ["power"]},
    {"column": "行业", "values": {"电力行业": ["power"]}},
    {"column": "行业", "values": {"电力行业": {"a": 1}}},
    {"column": "行业", "unit": "wan"},
    {"column": "行业", "by": "email"},
    {"value": "power", "column": "行业"},
    [{"column": "状态", "values": "正式"}],
    {"code": "x", "stages": [None, {"code": ["y"]}]},
    10**6,
]


def set_place(mapping: dict[str, Any], place: tuple[str, ...], value: Any) -> dict[str, Any]:
    target = mapping
    for key in place[:-1]:
        if not isinstance(target.get(key), dict):
            target[key] = {}
        target = target[key]
    target[place[-1]] = value
    return mapping


def check_problem_report(report: ImportReport) -> None:
    """A file that cannot be imported is a report with exit code 2 and readable reasons;
    one that can is imported or rejected row by row like any other."""
    if report.problems:
        assert report.exit_code == 2 and not report.written
        for where, message in report.problems:
            assert isinstance(where, str)
            renders(message)
    for locale in ("zh_CN", "en"):
        assert report.text(locale)


@repeatable(30)
@given(
    places=st.lists(st.sampled_from(MAPPING_PLACES), min_size=1, max_size=3, unique=True),
    data=st.data(),
)
def test_broken_mappings_are_a_report(
    example_store: ExampleStore, tmp_path_factory: Any, places: list[Any], data: st.DataObject
) -> None:
    mapping = customers_mapping()
    for place in places:
        set_place(mapping, place, data.draw(st.sampled_from(MAPPING_VALUES), label=str(place)))
    folder = tmp_path_factory.mktemp("mapping")
    path = folder / "m.yaml"
    path.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    before = fingerprint(example_store.engine)
    report = import_file(FILES / "customers.csv", path, engine=example_store.engine, dry_run=True)
    check_problem_report(report)
    assert fingerprint(example_store.engine) == before
    EXAMPLES["import-mapping"] += 1


BROKEN_YAML = [
    "",
    "- a\n- b\n",
    "entity: [customers\n",
    "!!python/object/apply:os.system ['echo pwned']\n",
    "source: oldcrm\nentity: customers\nid_column: 客户编号\ncolumns: !!binary aGVsbG8=\n",
    "\x00\x01\x02",
    "a: &a [*a]\n",
    "source: &x oldcrm\n" + "k: *x\n" * 3,
]


@pytest.mark.parametrize("content", BROKEN_YAML)
def test_unreadable_mapping_files_are_a_report(
    example_store: ExampleStore, tmp_path: Path, content: str
) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(content, encoding="utf-8")
    report = import_file(FILES / "customers.csv", path, engine=example_store.engine)
    assert report.problems and report.exit_code == 2
    check_problem_report(report)
    EXAMPLES["import-mapping-file"] += 1  # a fixed case, not a generated one


def broken_files(folder: Path) -> list[Path]:
    header = "客户编号,客户名称,客户类型,行业,地区,状态,负责人,城市,电话,创建日期\n"
    files = {
        "empty.csv": b"",
        "bom-only.csv": b"\xef\xbb\xbf",
        "binary.csv": bytes(range(256)) * 8,
        "header-only.csv": header.encode(),
        "latin1.csv": (header + "C9,Café,最终用户\n").encode("utf-8").replace(b"\xc3\xa9", b"\xe9"),
        "nul.csv": (header + "C9,华\x00北,最终用户,电力行业,华北,潜在,王伟,北京,,\n").encode(),
        "utf16.csv": (header + "C9,华北,最终用户,电力行业,华北,潜在,王伟,北京,,\n").encode(
            "utf-16"
        ),
        "fake.xlsx": header.encode(),
        "old.xls": b"\xd0\xcf\x11\xe0",
        "wide.csv": (",".join(f"c{i}" for i in range(20_000)) + "\n").encode(),
        "long-cell.csv": (header + "C9," + "长" * 200_000 + "\n").encode(),
        "quotes.csv": (header + 'C9,"unterminated\n').encode(),
    }
    paths = []
    for name, content in files.items():
        path = folder / name
        path.write_bytes(content)
        paths.append(path)
    directory = folder / "a-folder.csv"
    directory.mkdir()
    return [*paths, directory, folder / "missing.csv"]


def test_broken_files_are_a_report(example_store: ExampleStore, tmp_path: Path) -> None:
    before = fingerprint(example_store.engine)
    for path in broken_files(tmp_path):
        for encoding in (None, "utf-8", "no-such-codec"):
            report = import_file(
                path,
                FILES / "customers.yaml",
                engine=example_store.engine,
                encoding=encoding,
                dry_run=True,
            )
            check_problem_report(report)
            EXAMPLES["import-file"] += 1
    assert fingerprint(example_store.engine) == before


def test_every_entity_has_hostile_rows() -> None:
    """A new importable entity needs an example file, which the property tests then use."""
    assert set(ORDER) == set(EXAMPLE)
    for entity in ORDER:
        assert (FILES / f"{entity}.csv").exists() and (FILES / f"{entity}.yaml").exists()


# --- what the properties found: each of these was a traceback ------------------------------

CUSTOMERS_HEADER = "客户编号,客户名称,客户类型,行业,地区,状态,负责人,城市,电话,创建日期\n"
GOOD_ROW = "C9,华北某厂,最终用户,电力行业,华北,潜在,王伟,北京,,2022/3/15\n"
FOUND_FILES: list[tuple[str, bytes, dict[str, Any], dict[str, str]]] = [
    # a file that is not a workbook under an .xlsx name (zipfile.BadZipFile)
    ("c.xlsx", CUSTOMERS_HEADER.encode(), {}, {"file": "unreadable_file"}),
    # a cell over the csv module's 128 KiB limit, met while reading the rows (csv.Error)
    (
        "c.csv",
        (CUSTOMERS_HEADER + "C9," + "长" * 140_000 + "\n").encode(),
        {},
        {"file": "unreadable_file"},
    ),
    # an encoding no codec has, from the command line or the mapping (LookupError, and
    # ValueError for a NUL in its name)
    (
        "c.csv",
        CUSTOMERS_HEADER.encode(),
        {"encoding": "no-such-codec"},
        {"encoding": "invalid_choice"},
    ),
    ("c.csv", CUSTOMERS_HEADER.encode(), {"encoding": "utf\x008"}, {"encoding": "invalid_choice"}),
]


@pytest.mark.parametrize(("name", "content", "options", "problems"), FOUND_FILES)
def test_what_the_import_properties_found_in_files(
    example_store: ExampleStore,
    tmp_path: Path,
    name: str,
    content: bytes,
    options: dict[str, Any],
    problems: dict[str, str],
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    before = fingerprint(example_store.engine)
    report = import_file(path, FILES / "customers.yaml", engine=example_store.engine, **options)
    assert {where: m.code for where, m in report.problems} == problems
    assert report.exit_code == 2 and fingerprint(example_store.engine) == before


def test_a_missing_file_or_a_folder_is_a_report(
    example_store: ExampleStore, tmp_path: Path
) -> None:
    for path in (tmp_path / "missing.csv", tmp_path):
        report = import_file(path, FILES / "customers.yaml", engine=example_store.engine)
        assert [m.code for _, m in report.problems] == ["unreadable_file"]


def test_a_delimiter_of_several_characters_is_a_mapping_problem(
    example_store: ExampleStore, tmp_path: Path
) -> None:
    """csv.reader raised TypeError for it."""
    mapping = {**customers_mapping(), "delimiter": ";;"}
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    report = import_file(FILES / "customers.csv", path, engine=example_store.engine)
    assert {where: m.code for where, m in report.problems} == {"delimiter": "invalid_choice"}


def test_a_time_with_no_utc_equivalent_is_a_rejected_cell(
    example_store: ExampleStore, tmp_path: Path
) -> None:
    """Year 1 east of UTC overflowed converting to UTC (OverflowError)."""
    row = GOOD_ROW.replace("2022/3/15", "0001-01-01T00:00:00+01:00")
    path = tmp_path / "c.csv"
    path.write_text(CUSTOMERS_HEADER + row, encoding="utf-8")
    report = import_file(path, FILES / "customers.yaml", engine=example_store.engine)
    assert rejected_codes(report) == {2: {"创建日期": "not_a_date"}}
