"""Customers and contacts. Reps enter prospects; only data stewards enter or promote
formal customers (the survey: 正式客户资料由公司指定人员录入)."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.commands import access
from ingest.commands.base import (
    Checks,
    CommandError,
    Context,
    check_version,
    command,
    external_key,
    snapshot,
)
from ingest.store.models import Contact, Customer, CustomerType, Industry, Region, User

STEWARDS = ("data_steward", "admin")


@dataclass
class CustomerInput:
    name: str | None
    customer_type: str | None
    industry: str | None
    region: str | None
    status: str = "prospect"
    owner_id: int | None = None
    city: str | None = None
    address: str | None = None
    phone: str | None = None
    notes: str | None = None
    external_id: str | None = None


@dataclass
class ContactInput:
    customer_id: int | None
    name: str | None
    title: str | None = None
    phone: str | None = None
    email: str | None = None
    notes: str | None = None
    external_id: str | None = None


def _customer_fields(ctx: Context, data: CustomerInput) -> dict[str, object]:
    checks = Checks()
    fields = {
        "name": checks.text("name", data.name),
        "city": checks.text("city", data.city, required=False, max_len=100),
        "address": checks.text(
            "address", data.address, required=False, max_len=300, multiline=True
        ),
        "phone": checks.phone("phone", data.phone),
        "notes": checks.text("notes", data.notes, required=False, max_len=4000, multiline=True),
        "status": checks.choice("status", data.status, ("prospect", "formal")),
    }
    for field, model in (
        ("customer_type", CustomerType),
        ("industry", Industry),
        ("region", Region),
    ):
        try:
            fields[f"{field}_id"] = ctx.get_by_code(model, getattr(data, field), field).id
        except CommandError as error:
            checks.errors.update(error.errors)
    checks.done()
    return fields


@command("customer.create")
def create_customer(ctx: Context, data: CustomerInput) -> int:
    fields = _customer_fields(ctx, data)
    if fields["status"] == "formal" and not (ctx.actor.is_system or ctx.actor.role in STEWARDS):
        raise CommandError.one("status", "formal_only_steward")
    owner_id = ctx.actor.id if data.owner_id is None else data.owner_id
    owner = ctx.get(User, owner_id, "owner_id")
    if owner.id != ctx.actor.id and not ctx.actor.is_system:
        ctx.require_role("manager", "department_head", "executive", "data_steward", "admin")
    customer = ctx.add(
        Customer(owner_id=owner.id, external_id=external_key(data.external_id), **fields)
    )
    ctx.audit("customer.create", customer)
    return customer.id


@command("customer.update")
def update_customer(
    ctx: Context, customer_id: int, data: CustomerInput, expected_version: int | None = None
) -> int:
    customer = ctx.get(Customer, customer_id, "customer_id")
    access.require_customer(ctx.session, ctx.actor, customer, edit=True)
    check_version(customer, expected_version)
    fields = _customer_fields(ctx, data)
    if fields["status"] != customer.status:
        # Status changes only by promotion, and only forward.
        raise CommandError.one("status", "formal_only_steward")
    before = snapshot(customer)
    for key, value in fields.items():
        setattr(customer, key, value)
    if data.owner_id is not None and data.owner_id != customer.owner_id:
        ctx.require_role("manager", "department_head", "executive", "data_steward", "admin")
        customer.owner_id = ctx.get(User, data.owner_id, "owner_id").id
    ctx.audit("customer.update", customer, before)
    return customer.id


@command("customer.promote")
def promote_customer(ctx: Context, customer_id: int) -> int:
    """A prospect becomes a formal customer (线索 → 机会 → 订单 lifecycle)."""
    if ctx.actor.role not in STEWARDS and not ctx.actor.is_system:
        raise CommandError.one("status", "formal_only_steward")
    customer = ctx.get(Customer, customer_id, "customer_id")
    if customer.status == "formal":
        raise CommandError.one("status", "already_formal")
    before = snapshot(customer)
    customer.status = "formal"
    ctx.audit("customer.promote", customer, before)
    return customer.id


def _contact_fields(data: ContactInput) -> dict[str, object]:
    checks = Checks()
    fields = {
        "name": checks.text("name", data.name, max_len=100),
        "title": checks.text("title", data.title, required=False, max_len=100),
        "phone": checks.phone("phone", data.phone),
        "email": checks.email("email", data.email),
        "notes": checks.text("notes", data.notes, required=False, max_len=4000, multiline=True),
    }
    checks.done()
    return fields


@command("contact.create")
def create_contact(ctx: Context, data: ContactInput) -> int:
    fields = _contact_fields(data)
    customer = ctx.get(Customer, data.customer_id, "customer_id")
    access.require_customer(ctx.session, ctx.actor, customer)
    contact = ctx.add(
        Contact(
            customer_id=customer.id,
            owner_id=ctx.actor.id or customer.owner_id,
            external_id=external_key(data.external_id),
            **fields,
        )
    )
    ctx.audit("contact.create", contact)
    return contact.id


@command("contact.update")
def update_contact(ctx: Context, contact_id: int, data: ContactInput) -> int:
    contact = ctx.get(Contact, contact_id, "contact_id")
    customer = ctx.get(Customer, contact.customer_id, "customer_id")
    access.require_customer(ctx.session, ctx.actor, customer)
    fields = _contact_fields(data)
    ctx.update("contact.update", contact, fields)
    return contact.id
