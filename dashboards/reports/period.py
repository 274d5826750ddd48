"""The period a report covers, written the way people say it on the command line.

`2026` (a year), `2026-Q2` (a quarter), `2026-05` (a month), `2026-05-18` (a day), or
`FROM..TO` with any two of these (`2026-01..2026-06`: January to June). `all` (or nothing)
is every date. A period is a pair of inclusive dates, as the dashboards' filters take it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

FORMS = "YYYY, YYYY-Qn, YYYY-MM, YYYY-MM-DD or FROM..TO (e.g. 2026-01..2026-06), or all"

_YEAR = re.compile(r"(\d{4})")
_QUARTER = re.compile(r"(\d{4})-?[Qq]([1-4])")
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


class BadPeriod(ValueError):
    """A period that cannot be read; the message says what was given and what is accepted."""


def parse_period(text: str | None) -> tuple[dt.date | None, dt.date | None]:
    """(first day, last day) of the period; (None, None) for every date."""
    value = (text or "").strip()
    if value.lower() in ("", "all"):
        return None, None
    if ".." in value:
        left, _, right = value.partition("..")
        start = _span(left.strip(), value)[0]
        end = _span(right.strip(), value)[1]
    else:
        start, end = _span(value, value)
    if start > end:
        raise BadPeriod(f"{value!r} ends before it starts")
    return start, end


def _span(part: str, whole: str) -> tuple[dt.date, dt.date]:
    try:
        if match := _DAY.fullmatch(part):
            day = dt.date(*(int(g) for g in match.groups()))
            return day, day
        if match := _MONTH.fullmatch(part):
            year, month = int(match[1]), int(match[2])
            return dt.date(year, month, 1), _month_end(year, month)
        if match := _QUARTER.fullmatch(part):
            year, first = int(match[1]), (int(match[2]) - 1) * 3 + 1
            return dt.date(year, first, 1), _month_end(year, first + 2)
        if match := _YEAR.fullmatch(part):
            year = int(match[1])
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
    except ValueError:
        pass  # a month 13 or a 31 February: said below like any other unreadable period
    raise BadPeriod(f"{whole!r} is not a period: write {FORMS}")


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])
