"""What hangs on a sales project besides its stage: the decision tree (who decides,
influences, evaluates), competitors, partners and quotes (the survey's 项目关联信息).

All of it is working the project, so every command needs `access.require_project(...,
work=True)`. A closed project (won or lost) is history the win/loss analysis reads, so its
links are frozen; only their notes may still change, because the lessons of a deal are
often written after it closes.

The link commands are upserts keyed by (project, linked record): the form sends the whole
state of the link, and re-sending the same state writes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from ingest.commands import access
from ingest.commands.base import (
    GENERAL,
    MAX_AMOUNT,
    Checks,
    CommandError,
    Context,
    NotFound,
    as_code,
    as_id,
    command,
    form_list,
    left_out,
    snapshot,
    today,
)
from ingest.commands.catalog import PARTNER_TYPES
from ingest.store.models import (
    Competitor,
    Contact,
    Partner,
    Product,
    Project,
    ProjectCompetitor,
    ProjectContact,
    ProjectPartner,
    Quote,
    QuoteLine,
)

DECISION_ROLES = ("decision_maker", "influencer", "technical_evaluator", "user", "gatekeeper")
ATTITUDES = ("supportive", "neutral", "opposed")
THREAT_LEVELS = ("low", "medium", "high")
PARTNER_ROLES = PARTNER_TYPES
QUOTE_STATUSES = ("draft", "sent", "accepted", "rejected")
MAX_QUANTITY = 100_000
CENT = Decimal("0.01")
RATE_STEP = Decimal("0.0001")  # discount_rate is Numeric(5, 4)

Link = ProjectContact | ProjectCompetitor | ProjectPartner


# --- shared ------------------------------------------------------------------------------


def work_project(ctx: Context, project_id: int | None) -> Project:
    project = ctx.get(Project, project_id, "project_id")
    access.require_project(ctx.session, ctx.actor, project, work=True)
    return project


def refuse_if_closed(project: Project) -> None:
    if project.status != "open":
        raise CommandError.one(GENERAL, "closed_notes_only")


def _find_link(ctx: Context, model: type[Link], project: Project, key: str, key_id: int) -> Any:
    return ctx.session.scalar(
        select(model).where(model.project_id == project.id, getattr(model, key) == key_id)
    )


def _upsert_link(
    ctx: Context,
    project: Project,
    model: type[Link],
    key: tuple[str, int],
    values: dict[str, Any],
    action: str,
) -> Any:
    """Insert or update one link; on a closed project only `notes` may differ."""
    link = _find_link(ctx, model, project, *key)
    if link is None:
        refuse_if_closed(project)
        link = ctx.add(model(project_id=project.id, **{key[0]: key[1]}, **values))
        ctx.audit(f"{action}.create", link)
        return link
    changed = {name: value for name, value in values.items() if getattr(link, name) != value}
    if not changed:
        return link  # a resubmitted form: nothing to write
    if set(changed) != {"notes"}:
        refuse_if_closed(project)
    ctx.update(f"{action}.update", link, changed)
    return link


def _remove_link(
    ctx: Context, project_id: int, model: type[Link], key: str, key_id: int, action: str
) -> int:
    project = work_project(ctx, project_id)
    link = _find_link(ctx, model, project, key, as_id(key_id)) if as_id(key_id) else None
    if link is None:
        raise NotFound.one(key, "not_found")
    refuse_if_closed(project)
    ctx.delete(action, link)
    return link.id


# --- the decision tree -------------------------------------------------------------------


@command("project_contact.set")
def set_contact_role(
    ctx: Context,
    project_id: int,
    contact_id: int,
    decision_role: str | None,
    attitude: str | None = "neutral",
    notes: str | None = None,
) -> int:
    checks = Checks()
    values = {
        "decision_role": checks.choice("decision_role", decision_role, DECISION_ROLES),
        "attitude": checks.choice("attitude", attitude, ATTITUDES),
        "notes": checks.text("notes", notes, required=False, max_len=4000, multiline=True),
    }
    checks.done()
    project = work_project(ctx, project_id)
    contact = ctx.get(Contact, contact_id, "contact_id")
    if contact.customer_id != project.customer_id:
        raise CommandError.one("contact_id", "customer_mismatch")
    link = _upsert_link(
        ctx, project, ProjectContact, ("contact_id", contact.id), values, "project_contact"
    )
    return link.id


@command("project_contact.remove")
def remove_contact_role(ctx: Context, project_id: int, contact_id: int) -> int:
    return _remove_link(
        ctx, project_id, ProjectContact, "contact_id", contact_id, "project_contact.remove"
    )


# --- competitors and partners ------------------------------------------------------------


@command("project_competitor.set")
def add_competitor(
    ctx: Context,
    project_id: int,
    competitor_id: int,
    threat_level: str | None = "medium",
    is_primary: bool = False,
    quoted_amount: Decimal | str | int | float | None = None,
    notes: str | None = None,
) -> int:
    """At most one primary competitor per project: the one win/loss reports name."""
    checks = Checks()
    values = {
        "threat_level": checks.choice("threat_level", threat_level, THREAT_LEVELS),
        "is_primary": checks.flag("is_primary", is_primary),
        "quoted_amount": checks.amount("quoted_amount", quoted_amount, required=False),
        "notes": checks.text("notes", notes, required=False, max_len=4000, multiline=True),
    }
    checks.done()
    project = work_project(ctx, project_id)
    competitor = ctx.get(Competitor, competitor_id, "competitor_id")
    existing = _find_link(ctx, ProjectCompetitor, project, "competitor_id", competitor.id)
    if existing is None and not competitor.is_active:
        raise CommandError.one("competitor_id", "inactive")
    link = _upsert_link(
        ctx,
        project,
        ProjectCompetitor,
        ("competitor_id", competitor.id),
        values,
        "project_competitor",
    )
    if link.is_primary:
        _clear_other_primaries(ctx, project, link)
    return link.id


def _clear_other_primaries(ctx: Context, project: Project, keep: ProjectCompetitor) -> None:
    others = ctx.session.scalars(
        select(ProjectCompetitor).where(
            ProjectCompetitor.project_id == project.id,
            ProjectCompetitor.is_primary.is_(True),
            ProjectCompetitor.id != keep.id,
        )
    ).all()
    for other in others:
        before = snapshot(other)
        other.is_primary = False
        ctx.audit("project_competitor.update", other, before)


@command("project_competitor.remove")
def remove_competitor(ctx: Context, project_id: int, competitor_id: int) -> int:
    return _remove_link(
        ctx,
        project_id,
        ProjectCompetitor,
        "competitor_id",
        competitor_id,
        "project_competitor.remove",
    )


@command("project_partner.set")
def add_partner(
    ctx: Context,
    project_id: int,
    partner_id: int,
    partner_role: str | None = None,
    notes: str | None = None,
) -> int:
    """`partner_role` defaults to the partner's type: a distributor usually distributes."""
    project = work_project(ctx, project_id)
    partner = ctx.get(Partner, partner_id, "partner_id")
    checks = Checks()
    values = {
        "partner_role": checks.choice(
            "partner_role",
            partner.partner_type if left_out(partner_role) else partner_role,
            PARTNER_ROLES,
        ),
        "notes": checks.text("notes", notes, required=False, max_len=4000, multiline=True),
    }
    checks.done()
    existing = _find_link(ctx, ProjectPartner, project, "partner_id", partner.id)
    if existing is None and not partner.is_active:
        raise CommandError.one("partner_id", "inactive")
    link = _upsert_link(
        ctx, project, ProjectPartner, ("partner_id", partner.id), values, "project_partner"
    )
    return link.id


@command("project_partner.remove")
def remove_partner(ctx: Context, project_id: int, partner_id: int) -> int:
    return _remove_link(
        ctx, project_id, ProjectPartner, "partner_id", partner_id, "project_partner.remove"
    )


# --- quotes ------------------------------------------------------------------------------


@dataclass
class QuoteLineInput:
    """`product` is a product code (as typed or picked) or a product id."""

    product: str | int | None
    quantity: int | str | None = 1
    unit_price: Decimal | str | int | float | None = None  # None: the product's list price
    discount_rate: Decimal | str | int | float | None = 0


@dataclass
class QuoteInput:
    project_id: int | None
    quote_date: dt.date | str | None = None  # None: today
    valid_until: dt.date | str | None = None
    lines: list[QuoteLineInput] = field(default_factory=list)
    notes: str | None = None


def _line_product(
    ctx: Context, checks: Checks, name: str, value: str | int | None
) -> Product | None:
    if value is None or value == "":
        checks.fail(name, "required")
        return None
    product_id, code = as_id(value), as_code(value)
    if product_id is not None:
        product = ctx.session.get(Product, product_id)
    elif code is not None:
        product = ctx.session.scalar(select(Product).where(Product.code == code.strip()))
    else:
        product = None
    if product is None:
        checks.fail(name, "invalid_choice", value=str(value)[:40])
    elif not product.is_active:
        checks.fail(name, "inactive")
    else:
        return product
    return None


def _rate(checks: Checks, name: str, value: Decimal | str | int | float | None) -> Decimal | None:
    if value is None or value == "":
        return Decimal(0)
    try:
        rate = Decimal(str(value).strip())
    except InvalidOperation:
        rate = Decimal("NaN")
    if not rate.is_finite() or not 0 <= rate <= 1 or rate != rate.quantize(RATE_STEP):
        checks.fail(name, "not_a_rate")
        return None
    return rate.quantize(RATE_STEP)


def _quote_line(ctx: Context, checks: Checks, index: int, line: QuoteLineInput) -> QuoteLine | None:
    """Validate one line; errors are keyed "lines[<0-based index>].<field>"."""
    prefix = f"lines[{index}]"
    product = _line_product(ctx, checks, f"{prefix}.product", line.product)
    quantity = checks.integer(f"{prefix}.quantity", line.quantity, minimum=1, maximum=MAX_QUANTITY)
    if line.unit_price is None or line.unit_price == "":
        unit_price = product.list_price if product else None
    else:
        unit_price = checks.amount(f"{prefix}.unit_price", line.unit_price, allow_zero=True)
    rate = _rate(checks, f"{prefix}.discount_rate", line.discount_rate)
    if product is None or quantity is None or unit_price is None or rate is None:
        return None
    amount = (quantity * Decimal(unit_price) * (1 - rate)).quantize(CENT, ROUND_HALF_UP)
    return QuoteLine(
        product_id=product.id,
        quantity=quantity,
        unit_price=unit_price,
        discount_rate=rate,
        line_amount=amount,
    )


def _quote_fields(ctx: Context, data: QuoteInput) -> tuple[dict[str, Any], list[QuoteLine]]:
    checks = Checks()
    if data.project_id is None:
        checks.fail("project_id", "required")
    quote_date = checks.date("quote_date", data.quote_date or today())
    valid_until = checks.date(
        "valid_until",
        data.valid_until,
        required=False,
        not_before=quote_date if isinstance(quote_date, dt.date) else None,
    )
    notes = checks.text("notes", data.notes, required=False, max_len=4000, multiline=True)
    forms = form_list(checks, "lines", data.lines, QuoteLineInput, "lines[{}]")
    if not data.lines:
        checks.fail("lines", "lines_required")
    lines = [_quote_line(ctx, checks, i, line) for i, line in forms]
    total = sum((line.line_amount for line in lines if line is not None), Decimal(0))
    if total > MAX_AMOUNT:
        checks.fail("lines", "too_large", max=f"{MAX_AMOUNT:,}")
    checks.done()
    fields = {
        "quote_date": quote_date,
        "valid_until": valid_until,
        "notes": notes,
        "total_amount": total,
    }
    return fields, [line for line in lines if line is not None]


@command("quote.create")
def create_quote(ctx: Context, data: QuoteInput) -> int:
    fields, lines = _quote_fields(ctx, data)
    project = work_project(ctx, data.project_id)
    refuse_if_closed(project)
    # The number embeds the id, which exists only after the insert: park a unique
    # placeholder first. Writers are serialised, so nobody sees the placeholder.
    quote = ctx.add(Quote(project_id=project.id, quote_no=f"pending-{uuid.uuid4().hex}", **fields))
    quote.quote_no = f"BJ{quote.quote_date:%Y%m%d}-{quote.id:06d}"
    ctx.audit("quote.create", quote)
    for line in lines:
        line.quote_id = quote.id
        ctx.add(line)
        ctx.audit("quote_line.create", line)
    return quote.id


@command("quote.set_status")
def set_quote_status(ctx: Context, quote_id: int, status: str | None) -> int:
    """Statuses move freely; accepting one quote leaves the project's others as they are."""
    checks = Checks()
    status = checks.choice("status", status, QUOTE_STATUSES)
    checks.done()
    quote = ctx.get(Quote, quote_id, "quote_id")
    project = work_project(ctx, quote.project_id)
    if quote.status == status:
        return quote.id
    refuse_if_closed(project)
    before = snapshot(quote)
    quote.status = status
    ctx.audit("quote.set_status", quote, before)
    return quote.id
