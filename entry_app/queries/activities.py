"""A rep's own activities."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from entry_app.queries.common import PAGE_SIZE, Page, filtered_page
from ingest.commands.base import Actor
from ingest.store.models import (
    Activity,
    Customer,
    Project,
)


def activities(
    session: Session,
    actor: Actor,
    *,
    status: str | None = None,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> Page:
    """The actor's own activities, the planned ones first by time, then the newest done."""
    query = (
        select(
            Activity.id,
            Activity.activity_type,
            Activity.subject,
            Activity.planned_at,
            Activity.done_at,
            Activity.status,
            Project.name.label("project"),
            Customer.name.label("customer"),
        )
        .outerjoin(Project, Project.id == Activity.project_id)
        .outerjoin(Customer, Customer.id == Activity.customer_id)
        .where(Activity.owner_id == actor.id)
        .order_by(Activity.id.desc())
    )
    return filtered_page(
        session, query, equal=[(Activity.status, status)], limit=limit, offset=offset
    )
