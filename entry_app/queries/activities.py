"""A rep's own activities."""

from __future__ import annotations

from sqlalchemy.orm import Session

from entry_app.queries.common import PAGE_SIZE, Page, filtered_page, own_activities
from ingest.commands.base import Actor
from ingest.store.models import Activity


def activities(
    session: Session,
    actor: Actor,
    *,
    status: str | None = None,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> Page:
    """The actor's own activities, the planned ones first by time, then the newest done."""
    query = own_activities(actor, Activity.done_at, Activity.status).order_by(Activity.id.desc())
    return filtered_page(
        session, query, equal=[(Activity.status, status)], limit=limit, offset=offset
    )
