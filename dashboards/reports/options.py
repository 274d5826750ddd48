"""What a person typed for a report (`crm report`) turned into the dashboards' Filters.

Each option is checked on its own, against the snapshot the report will read, and a bad
one is named with what it accepts (BadOption), before anything is built or written.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboards.reports.labels import CODES
from dashboards.reports.period import BadPeriod, parse_period
from orchestration.snapshots import Snapshot
from warehouse import reader
from warehouse.scope import Filters


class BadOption(ValueError):
    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option


@dataclass(frozen=True)
class Typed:
    period: str | None = None
    rep: str | None = None
    region: str | None = None
    industry: str | None = None


def filters_from(typed: Typed) -> Filters:
    """Filters for what was typed (BadOption names the first option that is wrong)."""
    try:
        start, end = parse_period(typed.period)
    except BadPeriod as error:
        raise BadOption("--period", str(error)) from None
    snapshot = reader.current()
    return Filters(
        start=start,
        end=end,
        rep=_rep(snapshot, typed.rep),
        region=_code(snapshot, "region", typed.region),
        industry=_code(snapshot, "industry", typed.industry),
    )


def _rep(snapshot: Snapshot, given: str | None) -> int | None:
    """A rep by username, display name or id."""
    if given is None or not given.strip():
        return None
    value = given.strip()
    found = reader.rows(
        snapshot,
        """
        select employee_id from dim_employees
        where username = $value or employee_name = $value
            or cast(employee_id as varchar) = $value
        order by employee_id
        """,
        {"value": value},
    )
    if len(found) != 1:
        raise BadOption(
            "--rep",
            f"no single employee is {value!r}: give a username (see `crm user list`)"
            if not found
            else f"{value!r} names {len(found)} employees: give the username",
        )
    return int(found[0][0])


def _code(snapshot: Snapshot, kind: str, given: str | None) -> str | None:
    """A region or industry by its code or its Chinese or English name."""
    if given is None or not given.strip():
        return None
    value = given.strip()
    known = {
        row[0]
        for row in reader.rows(
            snapshot,
            f"select distinct {kind}_code from dim_customers where {kind}_code is not null",
        )
    } | set(CODES[kind])
    if value in known:
        return value
    for code, names in CODES[kind].items():
        if value in names or value.lower() == names[1].lower():
            return code
    raise BadOption(f"--{kind}", f"no {kind} {value!r}: choose one of {', '.join(sorted(known))}")
