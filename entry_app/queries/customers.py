"""Customers and their contacts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from entry_app.queries.common import ListRequest, Page, as_dicts, filtered_page, localized_name
from ingest.commands import access
from ingest.commands.base import Actor, NotFound
from ingest.store.models import (
    Contact,
    Customer,
    CustomerType,
    Industry,
    Region,
    User,
)


def customers(
    session: Session, actor: Actor, lang: str, asked: ListRequest = ListRequest()
) -> Page:
    owner = aliased(User)
    query = (
        select(
            Customer.id,
            Customer.name,
            localized_name(CustomerType, lang).label("customer_type"),
            localized_name(Industry, lang).label("industry"),
            localized_name(Region, lang).label("region"),
            Customer.status,
            Customer.city,
            Customer.phone,
            Customer.owner_id,
            owner.display_name.label("owner"),
            Customer.version,
            Customer.created_at,
        )
        .join(CustomerType, CustomerType.id == Customer.customer_type_id)
        .join(Industry, Industry.id == Customer.industry_id)
        .join(Region, Region.id == Customer.region_id)
        .join(owner, owner.id == Customer.owner_id)
        .where(access.visible_customers(session, actor))
        .order_by(Customer.id.desc())
    )
    return filtered_page(
        session,
        query,
        asked,
        search_in=[Customer.name],
        equal=[
            (Customer.status, asked.status),
            (Customer.owner_id, actor.id if asked.mine else None),
        ],
    )


def contacts(session: Session, actor: Actor, customer_id: int) -> list[dict[str, Any]]:
    customer = session.get(Customer, customer_id)
    if customer is None or not access.can_see_customer(session, actor, customer):
        raise NotFound.one("customer_id", "not_found")
    return as_dicts(
        session,
        select(Contact.id, Contact.name, Contact.title, Contact.phone, Contact.email)
        .where(Contact.customer_id == customer_id)
        .order_by(Contact.id.desc())
        .limit(200),
    )
