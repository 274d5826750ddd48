"""Master data a project hangs on: products, competitors and partners.

Products carry prices that quotes default to, so only data stewards and admins maintain
them. Competitors and partners are different: reps meet new ones in the field and must be
able to record them on the spot (docs/architecture.md §2.4), so every role that works
projects may add them — finance never does. Deactivating one hides it from new links without
rewriting history, and is an admin's call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from ingest.commands.base import Checks, CommandError, Context, command, external_key, snapshot
from ingest.store.models import Competitor, Partner, Product

CATALOG_KEEPERS = ("data_steward", "admin")
FIELD_ROLES = ("rep", "manager", "department_head", "executive", "data_steward", "admin")
PRODUCT_CATEGORIES = ("server", "software", "service", "integration", "spare_part")
PARTNER_TYPES = ("integrator", "distributor", "design_institute", "consultant", "other")

# Codes end up in quote exports and URLs; keep them to characters that survive both.
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass
class ProductInput:
    code: str | None
    name_zh: str | None
    name_en: str | None
    category: str | None
    list_price: Decimal | str | int | float | None
    is_active: bool = True
    external_id: str | None = None


def _name_taken(ctx: Context, column: Any, value: str | None, own_id: int | None = None) -> bool:
    """Case-insensitive, so "Siemens" and "siemens" do not become two competitors."""
    if not value:
        return False
    query = select(column.class_.id).where(func.lower(column) == value.lower())
    if own_id is not None:
        query = query.where(column.class_.id != own_id)
    return ctx.session.scalar(query.limit(1)) is not None


def _product_fields(
    ctx: Context, data: ProductInput, product_id: int | None = None
) -> dict[str, object]:
    checks = Checks()
    code = checks.text("code", data.code, max_len=40)
    if code and "code" not in checks.errors and not _CODE.match(code):
        checks.fail("code", "invalid_product_code")
    if _name_taken(ctx, Product.code, code, product_id):
        checks.fail("code", "duplicate")
    fields: dict[str, object] = {
        "code": code,
        "name_zh": checks.text("name_zh", data.name_zh),
        "name_en": checks.text("name_en", data.name_en),
        "category": checks.choice("category", data.category, PRODUCT_CATEGORIES),
        "list_price": checks.amount("list_price", data.list_price, allow_zero=True),
        "is_active": checks.flag("is_active", data.is_active),
    }
    checks.done()
    return fields


@command("product.create")
def create_product(ctx: Context, data: ProductInput) -> int:
    ctx.require_role(*CATALOG_KEEPERS)
    fields = _product_fields(ctx, data)
    product = ctx.add(Product(external_id=external_key(data.external_id), **fields))
    ctx.audit("product.create", product)
    return product.id


@command("product.update")
def update_product(ctx: Context, product_id: int, data: ProductInput) -> int:
    """Changing a list price only affects quotes made afterwards; lines keep their price."""
    ctx.require_role(*CATALOG_KEEPERS)
    product = ctx.get(Product, product_id, "product_id")
    fields = _product_fields(ctx, data, product.id)
    ctx.update("product.update", product, fields)
    return product.id


@command("competitor.create")
def create_competitor(ctx: Context, name: str | None, strengths: str | None = None) -> int:
    ctx.require_role(*FIELD_ROLES)
    checks = Checks()
    clean_name = checks.text("name", name)
    clean_strengths = checks.text(
        "strengths", strengths, required=False, max_len=4000, multiline=True
    )
    return _add_named(ctx, checks, Competitor, clean_name, strengths=clean_strengths)


@command("partner.create")
def create_partner(ctx: Context, name: str | None, partner_type: str | None = "integrator") -> int:
    ctx.require_role(*FIELD_ROLES)
    checks = Checks()
    clean_name = checks.text("name", name)
    clean_type = checks.choice("partner_type", partner_type, PARTNER_TYPES)
    return _add_named(ctx, checks, Partner, clean_name, partner_type=clean_type)


def _add_named(
    ctx: Context,
    checks: Checks,
    model: type[Competitor] | type[Partner],
    name: str | None,
    **fields: object,
) -> int:
    """A new competitor or partner once its checked fields pass: its name must be new."""
    if _name_taken(ctx, model.name, name):
        checks.fail("name", "duplicate")
    checks.done()
    row = ctx.add(model(name=name, **fields))
    ctx.audit(f"{model.__tablename__[:-1]}.create", row)
    return row.id


def _deactivate(ctx: Context, model: type[Competitor] | type[Partner], row_id: int) -> int:
    ctx.require_role("admin")
    row = ctx.get(model, row_id, f"{model.__tablename__[:-1]}_id")
    if not row.is_active:
        raise CommandError.one("is_active", "already_inactive")
    before = snapshot(row)
    row.is_active = False
    ctx.audit(f"{model.__tablename__[:-1]}.deactivate", row, before)
    return row.id


@command("competitor.deactivate")
def deactivate_competitor(ctx: Context, competitor_id: int) -> int:
    return _deactivate(ctx, Competitor, competitor_id)


@command("partner.deactivate")
def deactivate_partner(ctx: Context, partner_id: int) -> int:
    return _deactivate(ctx, Partner, partner_id)
