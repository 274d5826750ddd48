"""What every import command shares: its input row, its outcome, who may import, and how
an imported row keeps its source's creation time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ingest.commands.activities import check_datetime
from ingest.commands.base import Checks, CommandError, Context
from ingest.importer.resolve import memo
from ingest.messages import Message
from ingest.store.models import utcnow

T = TypeVar("T")

IMPORTERS = ("data_steward", "admin")


@dataclass
class ImportRow:
    """One source row, converted: field → value, references already resolved to ids.

    A field absent from `values` is not mapped (an update keeps the stored value); present
    with None, it is mapped and empty. `errors` holds what conversion and reference
    resolution found; commands add their own and refuse the row when any exist.
    """

    values: dict[str, Any]
    external_id: str
    existing_id: int | None = None
    errors: dict[str, Message] = field(default_factory=dict)
    # Fields whose value is the mapping's constant or default, not the row's own cell.
    defaulted: set[str] = field(default_factory=set)
    # Reference values to create first (`create_missing`, references.py).
    missing: list[Any] = field(default_factory=list)

    def checks(self) -> Checks:
        checks = Checks()
        checks.errors.update(self.errors)
        return checks


@dataclass(frozen=True)
class Outcome:
    action: str  # created | updated | unchanged
    id: int


def require_importer(ctx: Context) -> None:
    ctx.require_role(*IMPORTERS)


def collect(checks: Checks, load: Callable[[], T]) -> T | None:
    """Run a validation that raises, keeping its field errors with the others."""
    try:
        return load()
    except CommandError as error:
        for name, message in error.errors.items():
            checks.errors.setdefault(name, message)
        return None


def load(ctx: Context, checks: Checks, model: type[T], row_id: int | None, name: str) -> T | None:
    """A referenced row by id (None when not given); a missing one is a field error."""
    if row_id is None:
        return None
    return collect(checks, lambda: ctx.get(model, row_id, name))


def code_of(ctx: Context, model: type, row_id: int | None) -> str | None:
    """The code of a lookup row, for comparing a stored record with a source row."""
    if row_id is None:
        return None
    return memo(
        ctx,
        ("code", model, row_id),
        lambda: ctx.session.scalar(select(model.code).where(model.id == row_id)),  # type: ignore[attr-defined]
    )


def source_created_at(checks: Checks, value: Any) -> dt.datetime | None:
    return check_datetime(checks, "created_at", value, required=False, not_future=True)


def earliest_time(*values: Any) -> dt.datetime | None:
    """A new historic row the source gives no creation time: its earliest date (a date
    counts from midnight), never later than now. None when it has no date at all.

    An open deal dated today would otherwise be "expected to close before its creation"
    as soon as its expected close date has passed; a deal closed years ago would have
    been created after it closed."""
    times = []
    for value in values:
        if isinstance(value, dt.datetime):
            times.append(value.replace(tzinfo=None) if value.tzinfo is None else _utc(value))
        elif isinstance(value, dt.date):
            times.append(dt.datetime.combine(value, dt.time()))
    if not times:
        return None
    return min(min(times), utcnow())


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def apply_changes(ctx: Context, row: Any, values: dict[str, Any], action: str) -> Outcome:
    """Write only what differs; an unchanged row writes nothing, not even an audit entry."""
    changed = {name: value for name, value in values.items() if getattr(row, name) != value}
    if not changed:
        return Outcome("unchanged", row.id)
    ctx.update(action, row, changed)
    return Outcome("updated", row.id)


# --- the source's creation time ------------------------------------------------------------
#
# The domain commands reused for creating rows (customers, contacts, users, products) do
# not take a creation time, and setting it after their INSERT would cost an UPDATE (and a
# version bump). Instead, while `stamp_created_at` is active, new rows of the given model
# get the source's time as they are flushed.

_STAMP = "import.created_at"


@event.listens_for(Session, "before_flush")
def _stamp_created_at(session: Session, _context: Any, _instances: Any) -> None:
    stamp = session.info.get(_STAMP)
    if stamp is None:
        return
    model, when = stamp
    for obj in session.new:
        if isinstance(obj, model) and obj.created_at is None:
            obj.created_at = when


@contextmanager
def stamp_created_at(ctx: Context, model: type, when: dt.datetime | None) -> Iterator[None]:
    if when is None:
        yield
        return
    ctx.session.info[_STAMP] = (model, when)
    try:
        yield
    finally:
        ctx.session.info.pop(_STAMP, None)
