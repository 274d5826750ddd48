"""The day a refresh describes (`as_of_date`): a calendar date, never free text.

The value reaches SQL (dbt's `as_of_date()` macro, the snapshot's `_snapshot` row), so it
is parsed into a `datetime.date` where it enters — `crm refresh --as-of`, the Dagster run
config (launchpad, schedules), `run_refresh` — and only that parsed date's ISO form goes on.
Anything else is refused with one line before a step runs.
"""

from __future__ import annotations

import datetime as dt
import re

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class BadAsOfDate(ValueError):
    def __init__(self, value: object) -> None:
        shown = str(value)
        shown = shown if len(shown) <= 40 else shown[:40] + "…"
        super().__init__(f"as_of_date: {shown!r} is not a date; write it as YYYY-MM-DD")


def parse_as_of(value: str | dt.date | None) -> dt.date | None:
    """None (today, decided by the build) or the date `value` names, strictly YYYY-MM-DD."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        raise BadAsOfDate(value)
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not _ISO_DAY.fullmatch(value):
        raise BadAsOfDate(value)
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadAsOfDate(value) from None


def iso_or_none(value: str | dt.date | None) -> str | None:
    """The checked date as YYYY-MM-DD (what dbt's vars and Dagster's config carry)."""
    day = parse_as_of(value)
    return day.isoformat() if day else None
