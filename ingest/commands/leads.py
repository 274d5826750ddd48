"""Leads (线索): captured by anyone who sells in three fields, enriched later, then decided
by a sales manager — qualified into a sales project (销售项目, with a prospect customer and
a contact where the lead has none) or rejected with a reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from ingest.commands import access
from ingest.commands.base import (
    GENERAL,
    Actor,
    Checks,
    CommandError,
    Context,
    Forbidden,
    command,
    left_out,
    snapshot,
)
from ingest.commands.projects import (
    TEXT_MAX,
    check_terms,
    load_owner,
    lookup,
    may_decide,
    require_may_hand_to,
    start_project,
)
from ingest.store.models import (
    Contact,
    Customer,
    CustomerType,
    Industry,
    Lead,
    LeadSource,
    Project,
    Region,
    User,
    UserIndustry,
    utcnow,
)

T = TypeVar("T")

SEE_ALL_LEADS = frozenset({"department_head", "executive", "admin"})
REASON_MAX = 2000


@dataclass
class LeadInput:
    """The three fields of a quick capture come first; the rest enrich the lead later."""

    company_name: str | None
    source: str | None
    contact_name: str | None = None
    phone: str | None = None
    industry: str | None = None
    region: str | None = None
    customer_id: int | None = None
    description: str | None = None
    owner_id: int | None = None
    external_id: str | None = None


@dataclass
class QualifyInput:
    name: str | None
    sales_mode: str | None
    expected_amount: Decimal | float | int | str | None
    expected_close_date: dt.date | str | None
    industry: str | None = None  # default: the lead's, else its customer's
    owner_id: int | None = None  # default: suggest_owner(), else the lead's owner
    customer_type: str | None = None  # required when the lead has no customer yet
    region: str | None = None  # for that new customer; default: the lead's, else the owner's
    budget_amount: Decimal | float | int | str | None = None
    description: str | None = None


# --- who sees and changes leads ----------------------------------------------------------


def can_see_lead(session: Session, actor: Actor, lead: Lead) -> bool:
    if actor.is_system or actor.role in SEE_ALL_LEADS:
        return True
    return lead.owner_id in access.team_ids(session, actor)


def can_edit_lead(session: Session, actor: Actor, lead: Lead) -> bool:
    """The owner and the managers above them."""
    if actor.is_system or actor.role == "admin":
        return True
    return lead.owner_id in access.team_ids(session, actor)


def visible_leads(session: Session, actor: Actor) -> ColumnElement[bool]:
    """The same rule as `can_see_lead`, as a filter for the entry app's lists."""
    if actor.is_system or actor.role in SEE_ALL_LEADS:
        return true()
    return Lead.owner_id.in_(access.team_ids(session, actor))


def _visible_lead(ctx: Context, lead_id: int) -> Lead:
    lead = ctx.get(Lead, lead_id, "lead_id")
    access.require(can_see_lead(ctx.session, ctx.actor, lead), visible=False)
    return lead


def _decidable_lead(ctx: Context, lead_id: int) -> Lead:
    """A new lead the actor may decide as a sales manager."""
    lead = _visible_lead(ctx, lead_id)
    if not may_decide(ctx, lead.owner_id):
        raise Forbidden.one(GENERAL, "forbidden")
    if lead.status != "new":
        raise CommandError.one(GENERAL, "lead_not_new")
    return lead


def suggest_owner(session: Session, actor: Actor, industry_id: int | None) -> int | None:
    """The rep in the actor's team who covers the industry and has the fewest open projects
    (ties: the longest-standing user), or None when nobody in the team covers it."""
    team = access.team_ids(session, actor)
    if industry_id is None or not team:
        return None
    candidates = list(
        session.scalars(
            select(User.id)
            .join(UserIndustry, UserIndustry.user_id == User.id)
            .where(
                User.id.in_(team),
                User.role == "rep",
                User.is_active.is_(True),
                UserIndustry.industry_id == industry_id,
            )
            .order_by(User.id)
        )
    )
    if not candidates:
        return None
    # Counted for the few candidates only, through the owner index: a large store has
    # a million projects and qualification is an interactive command.
    load = dict(
        session.execute(
            select(Project.owner_id, func.count())
            .where(Project.status == "open", Project.owner_id.in_(candidates))
            .group_by(Project.owner_id)
        ).all()
    )
    return min(candidates, key=lambda user_id: (load.get(user_id, 0), user_id))


# --- capture -----------------------------------------------------------------------------


def _collect(checks: Checks, load: Callable[[], T]) -> T | None:
    """Run a lookup that raises, keeping its error with the other field errors."""
    try:
        return load()
    except CommandError as error:
        checks.errors.update(error.errors)
        return None


def _active_user(ctx: Context, user_id: int | None) -> User:
    user = ctx.get(User, user_id, "owner_id")
    if not user.is_active:
        raise CommandError.one("owner_id", "inactive")
    return user


def _lead_fields(
    ctx: Context, data: LeadInput, owner_id: int | None, lead_id: int | None = None
) -> tuple[dict[str, Any], Customer | None, User]:
    """Validate a lead form; defaults come from the customer it names, then the owner."""
    checks = Checks()
    customer = None
    if data.customer_id is not None:
        customer = _collect(checks, lambda: ctx.get(Customer, data.customer_id, "customer_id"))
    owner = _collect(checks, lambda: _active_user(ctx, owner_id))
    company = data.company_name or (customer.name if customer is not None else None)
    fields: dict[str, Any] = {
        "company_name": checks.text("company_name", company, max_len=200),
        "contact_name": checks.text("contact_name", data.contact_name, required=False, max_len=100),
        "phone": checks.phone("phone", data.phone),
        "description": checks.text(
            "description", data.description, required=False, max_len=TEXT_MAX, multiline=True
        ),
        "customer_id": customer.id if customer is not None else None,
    }
    if _blank(data.contact_name) and _blank(data.phone):
        checks.fail("contact_name", "contact_or_phone")
    source = lookup(ctx, checks, LeadSource, data.source, "source")
    fields["source_id"] = source.id if source is not None else None
    industry = (
        None
        if left_out(data.industry)
        else lookup(ctx, checks, Industry, data.industry, "industry")
    )
    region = None if left_out(data.region) else lookup(ctx, checks, Region, data.region, "region")
    external_id = checks.text("external_id", data.external_id, required=False, max_len=100)
    if external_id and ctx.session.scalar(
        select(Lead.id).where(Lead.external_id == external_id, Lead.id != lead_id)
    ):
        checks.fail("external_id", "duplicate")
    checks.done()
    assert owner is not None  # a failed owner lookup is among the errors raised above
    fields["external_id"] = external_id
    fields["industry_id"] = (
        industry.id if industry is not None else customer.industry_id if customer else None
    )
    fields["region_id"] = region.id if region is not None else _region_default(ctx, customer, owner)
    return fields, customer, owner


def _or(given: int | None, default: int | None) -> int | None:
    """An owner left out takes the default; one given, even as 0 or [], is checked."""
    return default if given is None else given


def _blank(value: object) -> bool:
    return not (isinstance(value, str) and value.strip())


def _region_default(ctx: Context, customer: Customer | None, owner: User) -> int | None:
    if customer is not None:
        return customer.region_id
    if owner.region_id is not None:
        return owner.region_id
    actor = ctx.session.get(User, ctx.actor.id) if ctx.actor.id is not None else None
    return actor.region_id if actor is not None else None


@command("lead.create")
def create_lead(ctx: Context, data: LeadInput) -> int:
    if not ctx.actor.is_system and ctx.actor.role == "finance":
        raise Forbidden.one(GENERAL, "forbidden")
    fields, customer, owner = _lead_fields(ctx, data, _or(data.owner_id, ctx.actor.id))
    if customer is not None:
        access.require_customer(ctx.session, ctx.actor, customer)
    # A rep captures leads for themselves; managers may capture for their team.
    require_may_hand_to(ctx, owner, from_owner_id=ctx.actor.id, department_id=None)
    lead = ctx.add(Lead(owner_id=owner.id, status="new", **fields))
    ctx.audit("lead.create", lead)
    return lead.id


@command("lead.update")
def update_lead(ctx: Context, lead_id: int, data: LeadInput) -> int:
    lead = _visible_lead(ctx, lead_id)
    access.require(can_edit_lead(ctx.session, ctx.actor, lead))
    if lead.status != "new":
        raise CommandError.one(GENERAL, "lead_not_new")
    fields, customer, owner = _lead_fields(ctx, data, _or(data.owner_id, lead.owner_id), lead.id)
    if customer is not None and customer.id != lead.customer_id:
        access.require_customer(ctx.session, ctx.actor, customer)
    if owner.id != lead.owner_id:
        require_may_hand_to(ctx, owner, from_owner_id=lead.owner_id, department_id=None)
    if fields["external_id"] is None:
        # A form never shows the import key; leaving it out must not cut the link.
        del fields["external_id"]
    before = snapshot(lead)
    for key, value in fields.items():
        setattr(lead, key, value)
    lead.owner_id = owner.id
    ctx.audit("lead.update", lead, before)
    return lead.id


# --- decision ----------------------------------------------------------------------------


def _qualify_owner(ctx: Context, lead: Lead, data: QualifyInput, industry_id: int | None) -> User:
    """The explicit owner, else the suggestion by industry, else the lead's owner."""
    if data.owner_id is not None:
        return load_owner(ctx, data.owner_id)
    return load_owner(ctx, suggest_owner(ctx.session, ctx.actor, industry_id) or lead.owner_id)


def _require_may_assign(ctx: Context, lead: Lead, owner: User) -> None:
    """Handing the project to someone else than the lead's owner follows the assignment
    rules (a manager within the team, a department head within the department)."""
    if owner.id == lead.owner_id:
        return
    lead_owner = ctx.session.get(User, lead.owner_id)
    department = lead_owner.department_id if lead_owner is not None else None
    require_may_hand_to(ctx, owner, from_owner_id=lead.owner_id, department_id=department)


def _prospect(
    ctx: Context, lead: Lead, customer_type: CustomerType, region_id: int, terms: dict[str, Any]
) -> Customer:
    """Turn the lead's company into a prospect customer (stewards make it formal later)."""
    customer = ctx.add(
        Customer(
            name=lead.company_name,
            customer_type_id=customer_type.id,
            industry_id=terms["industry_id"],
            region_id=region_id,
            status="prospect",
            owner_id=terms["owner_id"],
            # Without a contact name the lead's phone is the company's line.
            phone=lead.phone if not lead.contact_name else None,
        )
    )
    ctx.audit("customer.create", customer)
    return customer


def _contact(ctx: Context, lead: Lead, customer_id: int, owner_id: int) -> None:
    if not lead.contact_name:
        return
    known = ctx.session.scalar(
        select(Contact.id).where(
            Contact.customer_id == customer_id, Contact.name == lead.contact_name
        )
    )
    if known is not None:
        return
    contact = ctx.add(
        Contact(
            customer_id=customer_id, name=lead.contact_name, phone=lead.phone, owner_id=owner_id
        )
    )
    ctx.audit("contact.create", contact)


@command("lead.qualify")
def qualify_lead(ctx: Context, lead_id: int, data: QualifyInput) -> dict[str, int]:
    """A sales manager turns a lead into a sales project assigned by industry."""
    lead = _decidable_lead(ctx, lead_id)
    customer = ctx.session.get(Customer, lead.customer_id) if lead.customer_id else None
    checks = Checks()
    default_industry = lead.industry_id or (customer.industry_id if customer else None)
    terms = check_terms(ctx, checks, data, default_industry)
    customer_type, region_id = None, None
    if customer is None:
        customer_type = lookup(ctx, checks, CustomerType, data.customer_type, "customer_type")
        region = (
            None if left_out(data.region) else lookup(ctx, checks, Region, data.region, "region")
        )
        region_id = region.id if region is not None else lead.region_id
    owner = _collect(checks, lambda: _qualify_owner(ctx, lead, data, terms["industry_id"]))
    checks.done()
    assert owner is not None  # a failed owner lookup is among the errors raised above
    _require_may_assign(ctx, lead, owner)
    if customer is None:
        region_id = region_id or owner.region_id
        if region_id is None:
            raise CommandError.one("region", "required")
        assert customer_type is not None  # required above when there is no customer
        customer = _prospect(ctx, lead, customer_type, region_id, {**terms, "owner_id": owner.id})
    _contact(ctx, lead, customer.id, owner.id)
    project = start_project(ctx, terms, customer_id=customer.id, owner=owner)
    before = snapshot(lead)
    lead.status, lead.decided_at, lead.decided_by = "qualified", utcnow(), ctx.actor.id
    lead.customer_id, lead.converted_project_id = customer.id, project.id
    ctx.audit("lead.qualify", lead, before)
    return {"project_id": project.id, "customer_id": customer.id}


@command("lead.reject")
def reject_lead(ctx: Context, lead_id: int, reason: str | None) -> int:
    lead = _decidable_lead(ctx, lead_id)
    checks = Checks()
    reason = checks.text("reason", reason, max_len=REASON_MAX, multiline=True)
    checks.done()
    before = snapshot(lead)
    lead.status, lead.reject_reason = "rejected", reason
    lead.decided_at, lead.decided_by = utcnow(), ctx.actor.id
    ctx.audit("lead.reject", lead, before)
    return lead.id
