"""A rep's own activities."""

from __future__ import annotations

from sqlalchemy.orm import Session

from entry_app.queries.common import ListRequest, Page, filtered_page, own_activities
from ingest.commands.base import Actor
from ingest.store.models import Activity


def activities(session: Session, actor: Actor, asked: ListRequest = ListRequest()) -> Page:
    """The actor's own activities, the planned ones first by time, then the newest done."""
    query = own_activities(actor, Activity.done_at, Activity.status).order_by(Activity.id.desc())
    return filtered_page(session, query, asked, equal=[(Activity.status, asked.status)])
