"""Leads: the list, the queue a manager decides, one lead."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from entry_app.queries.common import ListRequest, Page, false_, filtered_page, localized_name, page
from ingest.commands import access
from ingest.commands.base import Actor, NotFound
from ingest.commands.leads import visible_leads
from ingest.store.models import (
    Industry,
    Lead,
    LeadSource,
    Region,
    User,
)


def _lead_query(session: Session, actor: Actor, lang: str) -> Select[Any]:
    owner = aliased(User)
    return (
        select(
            Lead.id,
            Lead.company_name,
            Lead.contact_name,
            Lead.phone,
            localized_name(LeadSource, lang).label("source"),
            LeadSource.code.label("source_code"),
            Industry.code.label("industry_code"),
            localized_name(Industry, lang).label("industry"),
            Region.code.label("region_code"),
            Lead.status,
            Lead.description,
            Lead.reject_reason,
            Lead.converted_project_id,
            Lead.owner_id,
            owner.display_name.label("owner"),
            Lead.created_at,
        )
        .join(LeadSource, LeadSource.id == Lead.source_id)
        .join(owner, owner.id == Lead.owner_id)
        .outerjoin(Industry, Industry.id == Lead.industry_id)
        .outerjoin(Region, Region.id == Lead.region_id)
        .where(visible_leads(session, actor))
        .order_by(Lead.id.desc())
    )


def leads(session: Session, actor: Actor, lang: str, asked: ListRequest = ListRequest()) -> Page:
    return filtered_page(
        session,
        _lead_query(session, actor, lang),
        asked,
        search_in=[Lead.company_name, Lead.contact_name, Lead.phone],
        equal=[(Lead.status, asked.status), (Lead.owner_id, actor.id if asked.mine else None)],
    )


def lead_queue(
    session: Session, actor: Actor, lang: str, asked: ListRequest = ListRequest()
) -> Page:
    """New leads the actor decides: a manager's team's, everyone's for heads and above."""
    query = _lead_query(session, actor, lang).where(Lead.status == "new")
    if actor.role == "manager":
        query = query.where(Lead.owner_id.in_(access.team_ids(session, actor)))
    elif actor.role not in ("department_head", "executive", "admin"):
        query = query.where(false_())
    return page(session, query, asked)


def lead(session: Session, actor: Actor, lead_id: int, lang: str) -> dict[str, Any]:
    row = session.execute(_lead_query(session, actor, lang).where(Lead.id == lead_id)).first()
    if row is None:
        raise NotFound.one("lead_id", "not_found")
    return dict(row._mapping)
