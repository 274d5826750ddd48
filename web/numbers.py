"""Numbers as people read them, one module for both apps (KPI cards, chart axes, hovers).

Compact figures come from Babel's CLDR compact decimal formats, so each language counts
its own way: 万/亿/万亿 in Chinese (34.1亿, 973.2万), K/M/B/T in English (3.41B, 973.2K).
Precision: two decimals while the compact figure is below 10, one from 10 on, so a compact
figure is within 0.5 % of the exact number (half a unit of its last digit is at most
0.005 of it). Below the first compact unit (1万 in Chinese, 1K in English) numbers are
shown whole, with thousands separators, to `places` decimals. `exact` gives the full
figure for help texts and tables. Exports keep raw numbers and never pass through here.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from babel import Locale
from babel.numbers import format_compact_decimal, format_decimal

MISSING = "–"
COMPACT_COUNTS = 10_000  # counts below this are shown whole
RELATIVE_PRECISION = 0.005  # a compact figure's largest error, relative to the number


def babel_locale(lang: str) -> str:
    """The Babel locale of an app language (zh_CN or en)."""
    return "en" if lang == "en" else "zh_CN"


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return not math.isfinite(float(value))  # NaN (a missing ratio), or no number at all
    except (TypeError, ValueError):
        return True


@cache
def _units(locale: str) -> tuple[tuple[int, int], ...]:
    """(magnitude, divisor) of each compact unit of a locale, largest first: 1亿 and up
    divide by 1e8, and so on. Read from CLDR's short compact patterns, as Babel uses them."""
    patterns = Locale.parse(locale).compact_decimal_formats["short"]["other"]
    units = []
    for magnitude, pattern in patterns.items():
        text = pattern.pattern  # e.g. "00万": 10万 to 99万, divided by 1万
        if text == "0":
            continue  # no unit at this magnitude (1000 in Chinese)
        units.append((int(magnitude), int(magnitude) // 10 ** (text.count("0") - 1)))
    return tuple(sorted(units, reverse=True))


def first_unit(lang: str) -> int:
    """The smallest number shown with a unit: 10000 (万) in Chinese, 1000 (K) in English."""
    return min(magnitude for magnitude, _ in _units(babel_locale(lang)))


def compact(value: Any, lang: str, *, places: int = 0) -> str:
    """34.1亿 / 973.2万 / 9,800 (zh); 3.41B / 973.2K / 980 (en); `places` decimals at most
    below the first unit (an average of 12.5 days stays 12.5 with places=1)."""
    if _missing(value):
        return MISSING
    # rounded first, so 9,999.6 counts as the 1万 it is shown as
    number = _rounded(Decimal(str(value)), places)
    locale = babel_locale(lang)
    size = abs(number)
    divisor = next((d for m, d in _units(locale) if size >= m), None)
    if divisor is None:
        return _grouped(number, locale, 0, places)
    digits = 2 if size / divisor < Decimal("9.995") else 1
    return format_compact_decimal(
        number, format_type="short", locale=locale, fraction_digits=digits
    )


def exact(value: Any, lang: str, *, places: int = 2) -> str:
    """The full figure with thousands separators: 3,190,712,345.67 (money: two decimals)."""
    if _missing(value):
        return MISSING
    return _grouped(Decimal(str(value)), babel_locale(lang), places, places)


def _rounded(number: Decimal, places: int) -> Decimal:
    """Half away from zero, as Babel rounds; a negative that rounds to zero is zero."""
    rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return rounded if rounded else abs(rounded)


def _grouped(number: Decimal, locale: str, least: int, most: int) -> str:
    pattern = "#,##0" + ("." + "0" * least + "#" * (most - least) if most else "")
    return format_decimal(_rounded(number, most), format=pattern, locale=locale)


def money(value: Any, lang: str) -> str:
    """An amount (yuan) as a KPI card, axis or hover shows it."""
    return compact(value, lang)


def count(value: Any, lang: str, places: int = 0) -> str:
    """A count or an average (days, activities): whole below ten thousand in both
    languages (1,234 reads better than 1.23K), compact from there on."""
    if not _missing(value) and abs(_rounded(Decimal(str(value)), places)) < COMPACT_COUNTS:
        return _grouped(Decimal(str(value)), babel_locale(lang), 0, places)
    return compact(value, lang, places=places)


def rate(value: Any) -> str:
    """A share as a percentage with one decimal: 0.4567 → 45.7%."""
    if _missing(value):
        return MISSING
    return f"{float(value) * 100:.1f}%"
