"""Reference values a mapping may create (`create_missing: true`, docs/import.md).

A source's departments, industries, regions, customer types and loss reasons rarely match
the store's. With `create_missing`, a value that names no existing code or name becomes a
new one, created through reference_admin (an admin's command) in the row's own savepoint:
a refused row leaves no value behind. The code is derived from the value so that every
row naming it, in this run or a later one, lands on the same code.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ingest.commands.base import CommandError, Context, command
from ingest.commands.reference_admin import CODE, upsert_lookup
from ingest.importer.common import ImportRow, Outcome
from ingest.importer.values import norm
from ingest.store.reference import KINDS

# Mapping field → the reference kind it names (store/reference.py KINDS).
CREATABLE: dict[str, str] = {
    "customer_type": "customer_type",
    "industry": "industry",
    "industries": "industry",
    "region": "region",
    "department": "department",
    "loss_reason": "loss_reason",
}
# A created loss reason has to be in a category; the source does not say which.
LOSS_CATEGORY = "other"


@dataclass(frozen=True)
class MissingValue:
    field: str  # the mapping's field, for the message
    kind: str
    code: str
    name: str


def derived_code(kind: str, text: str, taken: Any) -> str:
    """`Oil & Gas` → `oil_gas`; a name without enough Latin letters or digits (`石油天然气`),
    or whose slug is another value's code, gets `<kind>_<hash of the name>`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")[:40].strip("_")
    if CODE.match(slug) and not taken(slug):
        return slug
    digest = hashlib.sha1(norm(text).encode("utf-8")).hexdigest()[:8]
    return f"{kind}_{digest}"


def missing_value(field: str, kind: str, text: str, target: str | None, taken: Any) -> MissingValue:
    """The value to create for a source text (and the code a `values` list gave it)."""
    code = target if target and CODE.match(target) else derived_code(kind, text, taken)
    return MissingValue(field, kind, code, text.strip())


def create_missing(ctx: Context, missing: list[MissingValue]) -> list[MissingValue]:
    """Create the values that do not exist yet; a name the app would refuse (too long,
    markup, ...) is that field's error."""
    created = []
    for value in missing:
        model = KINDS[value.kind]
        if ctx.session.scalar(select(model.id).where(model.code == value.code)) is not None:  # type: ignore[attr-defined]
            continue
        extra = {"category": LOSS_CATEGORY} if value.kind == "loss_reason" else {}
        try:
            upsert_lookup.body(ctx, value.kind, value.code, value.name, value.name, **extra)
        except CommandError as error:
            reason = next(iter(error.errors.values()))
            raise CommandError({value.field: reason}) from error
        # A run caches the rows it found by code; a value created again after a refused
        # row's savepoint undid it must not be answered from that cache.
        getattr(ctx, "memo", {}).pop((model, value.code), None)
        created.append(value)
    return created


@command("import.row_with_references")
def import_with_references(
    ctx: Context, import_command: Any, row: ImportRow
) -> tuple[Outcome, list[MissingValue]]:
    """The reference values the row needs, then the row, in one savepoint."""
    created = create_missing(ctx, row.missing)
    return import_command.body(ctx, row), created
