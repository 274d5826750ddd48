"""Hostile input for property tests: what an attacker, a careless paste or a broken export
sends to the domain commands and the import, and the property every answer must keep.

Strategies draw values by the *kind* of field they are aimed at (free text, a code, an id,
an amount, a date, ...), mixing the payloads of the classic attacks (SQL, HTML/JS,
Markdown, spreadsheet formulas), invisible characters (controls, bidi marks, zero-width),
absurd sizes and values, and values of the wrong type.

The property (`check_outcome`): a command either refuses with a `CommandError` whose every
field is one the command knows (or `__all__`) and whose every message renders in zh_CN and
en, having written nothing; or it accepts, and every text it was given is stored exactly
as given after `strip()` and is inert where it is shown (`assert_inert`). Any other
exception is a bug.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from collections import Counter
from collections.abc import Callable, Iterable
from decimal import Decimal
from enum import Enum
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from sqlalchemy import Engine, text

from ingest.commands.base import GENERAL, CommandError
from ingest.exports import FORMULA_STARTS, inert_cell
from ingest.messages import LOCALES, Message
from ingest.store.models import ENTITY_TABLES, AuditLog
from web.markdown import literal

# How many examples each hostile test ran, by test name: the suite promises at least 300
# generated bad inputs per run, and the terminal summary (tests/conftest.py) reports the
# total and fails a whole run of the hostile modules that tried fewer.
EXAMPLES: Counter[str] = Counter()
PROMISED = 300
# The groups (the name before ":") whose inputs Hypothesis draws; the others (worst,
# import-file, import-mapping-file) are fixed cases, and "import cells" counts cells.
GENERATED = frozenset({"commands", "commands-pg", "import", "import-xlsx", "import-mapping"})


def generated(examples: dict[str, int]) -> int:
    return sum(count for name, count in examples.items() if name.split(":")[0] in GENERATED)


class Kind(Enum):
    TEXT = "text"  # free text, stored as given after strip()
    SECRET = "secret"  # free text never stored as given (a password)
    CODE = "code"  # a code or choice from a fixed list
    ID = "id"  # a row id
    IDS = "ids"  # a list of row ids
    VERSION = "version"  # expected_version
    AMOUNT = "amount"
    INT = "int"
    DATE = "date"
    DATETIME = "datetime"
    FLAG = "flag"
    LIST = "list"  # a list of codes
    FORMS = "forms"  # a list of form dataclasses (quote lines, stages)


# --- payloads -----------------------------------------------------------------------------

SQL = [
    "'; drop table users; --",
    "1 or 1=1",
    "' or '1'='1",
    "x' union select password_hash from users --",
    "1; delete from projects",
    "admin'/*",
    "Robert'); DROP TABLE customers;--",
]
HTML = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "javascript:alert(document.cookie)",
    "<a href='javascript:alert(1)'>x</a>",
    "<svg/onload=alert(1)>",
    "&lt;script&gt;",
]
MARKDOWN = [
    "[点击领奖](http://evil.example/phish)",
    "![x](http://e.example/a.png)",
    "**加粗** _斜体_ `code`",
    "# 标题\n- 列表",
    "[x](javascript:alert(1))",
    "<http://evil.example>",
]
FORMULA = [
    '=HYPERLINK("http://evil.example","点我")',
    "=1+1",
    "+1",
    "-1+2",
    "@SUM(A1:A9)",
    "=cmd|' /C calc'!A0",
    "\t=1+1",
]
CONTROL = ["\x00", "\x1b[31m", "\r", "\t", "\n", "\x07", "\x7f", "\x0b", "\x1f", "\x08"]
BIDI = ["\u202e", "\u202d", "\u202a", "\u202b", "\u202c", "\u200e", "\u200f"]
BIDI += ["\u2066", "\u2067", "\u2068", "\u2069", "\u061c"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e"]
ODD_SPACE = ["\u3000", "\u00a0", "\u2028", "\u2029", "\x85"]
PAYLOADS = SQL + HTML + MARKDOWN + FORMULA + CONTROL + BIDI + ZERO_WIDTH + ODD_SPACE
NORMAL = ["华北电力设计院", "Siemens", "张工", "DCS 改造", "O'Brien", "A&B 公司", "100%"]
WRONG_TYPES: list[Any] = [
    None,
    [],
    ["华北电力"],
    {},
    {"name": "x"},
    True,
    False,
    0,
    -1,
    1.5,
    float("nan"),
    b"bytes",
    ("tuple",),
    Decimal("NaN"),
]

LONG = 10_000


def _surround(before: str, payload: str, after: str) -> str:
    return f"{before}{payload}{after}"


def hostile_text() -> st.SearchStrategy[Any]:
    """Free text: payloads alone or inside normal text, boundaries of length, whitespace."""
    normal = st.sampled_from(["", *NORMAL])
    return st.one_of(
        st.sampled_from(PAYLOADS),
        st.builds(_surround, normal, st.sampled_from(PAYLOADS), normal),
        st.sampled_from(["长" * LONG, "x" * 201, "y" * 4001, " " * LONG, "a" * 40 + "b"]),
        st.sampled_from(["", " ", "\u3000", " \t ", "\n"]),
        st.text(max_size=30),
        st.sampled_from(WRONG_TYPES),
    )


def refused_names(field: str) -> list[tuple[str, Any, str]]:
    """What a required name field (a customer's, a lead's, a project's) refuses, as
    (field, value, code) cases: the same rules hold for every form with a name."""
    return [
        (field, "", "required"),
        (field, "   ", "blank"),
        (field, "长" * 201, "too_long"),
        (field, "好公司😀", "emoji"),
        (field, "<script>alert(1)</script>", "markup"),
    ]


CODE_VALUES: list[Any] = [
    "POWER",
    " power ",
    "power\x00",
    "不存在",
    "other'; drop table x; --",
    "a" * 41,
    "x" * LONG,
    "\u202epower",
    "po\u200bwer",
    "%",
    "_",
    "*",
]


def hostile_code() -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(CODE_VALUES), hostile_text())


BAD_IDS: list[Any] = [0, -1, 2**31, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**30]
BAD_IDS += [True, False, "1", "1 or 1=1", 1.0, float("inf"), Decimal(1), [1], {"id": 1}, None]


def hostile_id(real_ids: Iterable[int]) -> st.SearchStrategy[Any]:
    """Absurd ids, and real ids of rows of any table (other users' rows among them)."""
    real = sorted(set(real_ids))
    return st.one_of(st.sampled_from(BAD_IDS), st.sampled_from(real), st.sampled_from(WRONG_TYPES))


def hostile_ids(real_ids: Iterable[int]) -> st.SearchStrategy[Any]:
    one = hostile_id(real_ids)
    return st.one_of(
        st.lists(one, max_size=4),
        one,
        st.sampled_from(["1,2", {1: 1}, set(), range(3)]),
    )


AMOUNTS: list[Any] = [
    Decimal("NaN"),
    Decimal("sNaN"),
    Decimal("Infinity"),
    Decimal("-Infinity"),
    float("nan"),
    float("inf"),
    float("-inf"),
    -1,
    Decimal("-0.01"),
    "-0",
    0,
    10**30,
    Decimal("1e30"),
    Decimal("9999999999.999"),
    Decimal("10000000000.01"),
    "1e400",
    1e308,
    5e-324,
    "1.005",
    Decimal("0.001"),
    Decimal("1E-1000000"),
    "1,000,000.00",
    ",,,1",
    "１２３",
    "١٢٣",
    "1_000",
    " 12 ",
    "0x10",
    "12元",
    "--1",
    "1e-7",
    "1e3",
    0.1,
    2**63,
]


def hostile_amount() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(AMOUNTS),
        st.decimals(allow_nan=True, allow_infinity=True),
        st.floats(),
        st.integers(),
        hostile_text(),
    )


def _far_future() -> dt.date:
    return dt.date.today() + dt.timedelta(days=365 * 50)


PLUS_14 = dt.timezone(dt.timedelta(hours=14))
MINUS_12 = dt.timezone(dt.timedelta(hours=-12))
DATES: list[Any] = [
    "0001-01-01",
    "9999-12-31",
    "2024-02-30",
    "2024-13-01",
    "30/02/2024",
    "2024-02-29T25:00",
    "2023-02-29",
    " 2030-01-01 ",
    "2030-01-01T10:00:00+14:00",
    "99999-01-01",
    "1989-12-31",
    "2101-01-01",
    dt.date(1, 1, 1),
    dt.date(9999, 12, 31),
    dt.datetime(1, 1, 1, tzinfo=PLUS_14),
    dt.datetime(9999, 12, 31, 23, 59, tzinfo=MINUS_12),
    dt.datetime.min,
    dt.datetime.max,
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    20240101,
    1.7e9,
]


def hostile_date() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(DATES),
        st.builds(_far_future),
        st.dates(),
        st.datetimes(timezones=st.sampled_from([None, dt.UTC, PLUS_14, MINUS_12])),
        hostile_text(),
    )


INTS: list[Any] = ["1e3", "١٢", " 3 ", "+5", 1.5, 2**63, -1, 0, 10**5000, "0x1", "1_0"]


def hostile_int() -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(INTS), st.integers(), hostile_text())


FLAGS: list[Any] = ["false", "true", "0", 0, 1, 2, None, "no", "", [], {}]


def hostile_flag() -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(FLAGS), st.sampled_from(WRONG_TYPES))


def hostile_list() -> st.SearchStrategy[Any]:
    return st.one_of(st.lists(hostile_code(), max_size=3), hostile_code())


def hostile_version() -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from([True, "1", 1.0, -1, 0, 2**63, 2**64]), hostile_id([1]))


def hostile(kind: Kind, real_ids: Iterable[int] = (1,)) -> st.SearchStrategy[Any]:
    return {
        Kind.TEXT: hostile_text,
        Kind.SECRET: hostile_text,
        Kind.CODE: hostile_code,
        Kind.AMOUNT: hostile_amount,
        Kind.INT: hostile_int,
        Kind.DATE: hostile_date,
        Kind.DATETIME: hostile_date,
        Kind.FLAG: hostile_flag,
        Kind.LIST: hostile_list,
        Kind.VERSION: hostile_version,
        Kind.ID: lambda: hostile_id(real_ids),
        Kind.IDS: lambda: hostile_ids(real_ids),
    }[kind]()


def repeatable(max_examples: int) -> settings:
    """The Hypothesis settings of every hostile property: the same examples on every run
    (derandomized, no example database), no deadline, and fixtures shared by the examples
    on purpose (each example resets the store itself)."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )


# --- the store, before and after --------------------------------------------------------


def fingerprint(engine: Engine) -> tuple[int, ...]:
    """The change counter and the row count of every entity table and the audit log, in
    one query: a refused command changes none of them."""
    tables = [*ENTITY_TABLES, AuditLog.__table__]
    counts = ", ".join(f'(select count(*) from "{t.name}")' for t in tables)
    with engine.connect() as conn:
        row = conn.execute(text(f"select (select value from change_counter), {counts}")).one()
    return tuple(row)


def change_counter(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("select value from change_counter")).scalar_one()


def written_values(engine: Engine, seq: int) -> dict[str, list[Any]]:
    """Column name → values in every row the transaction numbered `seq` wrote. Each text
    fits its column: SQLite ignores VARCHAR lengths, PostgreSQL refuses the INSERT."""
    values: dict[str, list[Any]] = {}
    with engine.connect() as conn:
        for table in ENTITY_TABLES:
            for row in conn.execute(table.select().where(table.c.change_seq == seq)).mappings():
                for name, value in row.items():
                    values.setdefault(name, []).append(value)
                    limit = getattr(table.c[name].type, "length", None)
                    if isinstance(value, str) and limit is not None:
                        assert len(value) <= limit, (
                            f"{table.name}.{name} holds {len(value)} > {limit}"
                        )
    return values


# --- the property -------------------------------------------------------------------------


def renders(message: Message) -> list[str]:
    """The message in every locale; a missing code or parameter raises here."""
    texts = [message.text(locale) for locale in LOCALES]
    for rendered in texts:
        assert isinstance(rendered, str) and rendered.strip(), message
        assert not re.search(r"\{\w+\}", rendered), f"unfilled placeholder: {rendered}"
    return texts


def check_refusal(error: CommandError, known_fields: set[str]) -> None:
    assert error.errors, "a refusal must name at least one field"
    for field, message in error.errors.items():
        base = re.split(r"[.\[]", field)[0]
        assert field == GENERAL or base in known_fields, f"unknown field {field!r}: {message}"
        renders(message)


def is_wrong_type(kind: Kind, value: Any) -> bool:
    """A value no caller may send for this kind of field; accepting it is a bug."""
    if value is None:
        return False
    integral = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if kind in (Kind.TEXT, Kind.SECRET, Kind.CODE):
        return not isinstance(value, str)
    if kind in (Kind.ID, Kind.VERSION):
        return not integral
    if kind is Kind.IDS:
        return not isinstance(value, list | tuple) or any(
            not isinstance(v, numbers.Integral) or isinstance(v, bool) for v in value
        )
    if kind is Kind.INT:
        return isinstance(value, bool) or not isinstance(value, numbers.Integral | str)
    if kind is Kind.AMOUNT:
        return isinstance(value, bool) or not isinstance(value, Decimal | int | float | str)
    if kind in (Kind.DATE, Kind.DATETIME):
        return not isinstance(value, dt.date | str)
    if kind is Kind.FLAG:
        return not isinstance(value, bool)
    if kind is Kind.LIST:
        return not isinstance(value, list) or any(not isinstance(v, str) for v in value)
    if kind is Kind.FORMS:
        return not isinstance(value, list)
    return False


_MARKDOWN = MarkdownIt("commonmark").enable("linkify")
_PARAGRAPH_TAGS = ("<p>", "</p>", "<br />")


def _plain_number(cell: str) -> bool:
    try:
        return math.isfinite(float(cell))
    except ValueError:
        return False


def assert_inert(value: str) -> None:
    """An accepted text shown by the apps (through `literal`) makes no link, image or HTML
    tag; exported (through `inert_cell`) it is no formula."""
    html = _MARKDOWN.render(literal(value))
    for tag in _PARAGRAPH_TAGS:
        html = html.replace(tag, "")
    assert "<" not in html, f"{value!r} shows as live markup: {html!r}"
    cell = inert_cell(value)
    assert not cell.startswith(FORMULA_STARTS) or _plain_number(cell), (
        f"{value!r} is exported as a formula: {cell!r}"
    )


def check_acceptance(
    engine: Engine,
    seq: int,
    given: dict[str, tuple[Kind, Any]],
    columns: dict[str, str],
) -> None:
    """Every hostile value accepted has the right type; every text is stored as given and
    is inert where it is shown."""
    stored = written_values(engine, seq)
    for name, (kind, value) in given.items():
        assert not is_wrong_type(kind, value), f"{name}: accepted a {type(value).__name__}"
        if kind is Kind.TEXT and isinstance(value, str) and value.strip():
            column = columns.get(name, name)
            assert value.strip() in stored.get(column, []), (
                f"{name}={value!r} is not stored as given in {column}: {stored.get(column)}"
            )
            assert_inert(value.strip())


def check_outcome(
    engine: Engine,
    call: Callable[[], Any],
    *,
    given: dict[str, tuple[Kind, Any]],
    known_fields: set[str],
    columns: dict[str, str] | None = None,
) -> str:
    """Run the call and check the property; returns "refused" or "accepted"."""
    before = fingerprint(engine)
    try:
        call()
    except CommandError as error:
        check_refusal(error, known_fields)
        assert fingerprint(engine) == before, f"refused ({error}) but wrote"
        return "refused"
    check_acceptance(engine, change_counter(engine), given, columns or {})
    return "accepted"
