"""Cells to values: the dates, amounts and flags of spreadsheets as people really type them.

Parsers raise `Unparsable` with a message code from the catalog; the converter turns it
into a field error. Nothing here guesses: an ambiguous date (05/03/2024) is refused unless
the mapping names its format, and a 万 amount needs the mapping's consent.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from ingest.messages import Message

# Excel counts days from 1899-12-30 (its 1900 leap-year bug included).
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
AMOUNT_UNITS = {"yuan": 1, "元": 1, "wan": 10_000, "万": 10_000, "万元": 10_000, "auto": None}


class Unparsable(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        self.message = Message(code, params)
        super().__init__(code)


def norm(value: str) -> str:
    """The form two names are compared in: full-width folded (NFKC), case and runs of
    spaces ignored. '华北电力（集团）' and '华北电力(集团)' are the same name."""
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


def cell_text(value: Any) -> str | None:
    """A cell as text; None when empty. Excel's 10023.0 is '10023'."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


# --- dates --------------------------------------------------------------------------------

_TIME = r"(?:[ T]+(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})(?:\.\d+)?秒?)?)?"
_YMD = re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})" + _TIME + "$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_CHINESE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?" + _TIME + "$")
_DAY_FIRST_OR_MONTH_FIRST = re.compile(r"^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")


def parse_datetime(
    value: Any, date_format: str | None = None, tz: ZoneInfo | None = None
) -> dt.datetime:
    """A timestamp as the store keeps it: naive UTC (converted from `tz` when given)."""
    when = _parse(value, date_format)
    if when.tzinfo is None and tz is not None:
        when = when.replace(tzinfo=tz)
    if when.tzinfo is not None:
        try:
            when = when.astimezone(dt.UTC).replace(tzinfo=None)
        except OverflowError:  # year 1 east of UTC, or year 9999 west of it
            raise Unparsable("not_a_date") from None
    return when


def parse_date(value: Any, date_format: str | None = None) -> dt.date:
    return _parse(value, date_format).date()


def _parse(value: Any, date_format: str | None) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_number(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if date_format:
        try:
            return dt.datetime.strptime(text, date_format)
        except ValueError:
            pass  # the unambiguous forms below are still welcome
    for pattern in (_YMD, _CHINESE):
        match = pattern.match(text)
        if match:
            return _build(*match.groups())
    match = _COMPACT.match(text)
    if match:
        return _build(*match.groups())
    if _DAY_FIRST_OR_MONTH_FIRST.match(text):
        raise Unparsable("ambiguous_date", value=text[:40])
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise Unparsable("not_a_date") from None


def _from_number(value: float) -> dt.datetime:
    """20240305 as a number, or an Excel serial day whose cell lost its date format."""
    if float(value).is_integer() and 19000101 <= value <= 21001231:
        return _build(*re.match(r"(\d{4})(\d{2})(\d{2})", str(int(value))).groups())  # type: ignore[union-attr]
    if 1 <= value < 100_000:
        return EXCEL_EPOCH + dt.timedelta(days=float(value))
    raise Unparsable("not_a_date")


def _build(*parts: str | None) -> dt.datetime:
    numbers = [int(part) if part else 0 for part in parts]
    try:
        return dt.datetime(*numbers)  # type: ignore[misc]
    except ValueError:
        raise Unparsable("not_a_date") from None


# --- amounts ------------------------------------------------------------------------------

_CURRENCY = re.compile(r"^(?:¥|RMB|CNY)\s*|\s*(?:元|RMB|CNY)$", re.IGNORECASE)
_WAN = re.compile(r"\s*万元?$")


def parse_amount(value: Any, unit: str = "yuan") -> Decimal:
    """'￥1,234.50', '1 234,50' is not accepted (a comma is a thousands separator), '12.5万'
    when the column's unit is wan or auto. The result is in yuan, not yet range-checked."""
    if isinstance(value, Decimal):
        number, has_wan = value, False
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number, has_wan = Decimal(str(value)), False
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()  # ￥ → ¥, full-width digits
        text = _CURRENCY.sub("", text)
        has_wan = bool(_WAN.search(text))
        text = _CURRENCY.sub("", _WAN.sub("", text))
        text = text.replace(",", "").replace(" ", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise Unparsable("not_a_number") from None
        if not number.is_finite():
            raise Unparsable("not_a_number")
    factor = AMOUNT_UNITS[unit]
    if has_wan and factor is None:
        factor = 10_000
    elif has_wan and factor == 1:
        raise Unparsable("wan_not_allowed")
    return number * (factor or 1)


# --- flags and lists ----------------------------------------------------------------------

_TRUE = {"true", "yes", "y", "1", "是", "有效", "启用", "在职", "√", "✓", "t"}
_FALSE = {"false", "no", "n", "0", "否", "无效", "停用", "离职", "×", "✗", "f"}
_LIST_SPLIT = re.compile(r"\s*[,;，；、|]\s*")


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = norm(str(value))
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise Unparsable("invalid_choice", value=str(value)[:40])


def split_list(text: str) -> list[str]:
    return [item for item in _LIST_SPLIT.split(text.strip()) if item]


# --- product lines ------------------------------------------------------------------------

# A code has no spaces; the quantity follows '*', '×' or a spaced 'x' ("FT-2900 x 2").
_LINE = re.compile(
    r"^(?P<code>[^\s*×@]+)"
    r"(?:(?:\s*[*×]\s*|\s+[xX]\s*)(?P<quantity>[^\s@]+))?"
    r"(?:\s*@\s*(?P<price>.+))?$"
)
_LINE_SPLIT = re.compile(r"\s*[;；\n]\s*")


def parse_lines(text: str, unit: str = "yuan") -> list[tuple[int, str, str | None, Decimal | None]]:
    """'FT-2900 x 2 @ 150,000; SVC-INST' → [(1, code, quantity, price)], 1-based item
    numbers. Quantity defaults to 1 and the price to the product's list price."""
    items = []
    for number, item in enumerate((p for p in _LINE_SPLIT.split(text.strip()) if p), start=1):
        match = _LINE.match(unicodedata.normalize("NFKC", item))
        if match is None:
            raise Unparsable("line_format", line=number)
        price = match["price"]
        try:
            amount = parse_amount(price, unit) if price else None
        except Unparsable as problem:
            raise Unparsable("line_problem", line=number, reason=problem.message) from None
        items.append((number, match["code"], match["quantity"], amount))
    return items
