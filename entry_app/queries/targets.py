"""Sales targets."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from entry_app.queries.common import ListRequest, Page, localized_name, page
from ingest.commands import access
from ingest.commands.base import Actor
from ingest.store.models import (
    Department,
    Target,
    User,
)


def targets(
    session: Session,
    actor: Actor,
    lang: str,
    asked: ListRequest = ListRequest(),
    *,
    month: dt.date | None = None,
) -> Page:
    """Targets the actor may see: a manager their team's and their department's (as the
    dashboards scope them), heads, executives and admins every one."""
    query = (
        select(
            Target.id,
            Target.period_month,
            User.display_name.label("user"),
            localized_name(Department, lang).label("department"),
            Target.amount,
        )
        .outerjoin(User, User.id == Target.user_id)
        .outerjoin(Department, Department.id == Target.department_id)
        .order_by(Target.period_month.desc(), Target.id.desc())
    )
    if month is not None:
        query = query.where(Target.period_month == month.replace(day=1))
    if actor.role not in ("department_head", "executive", "admin") and not actor.is_system:
        team = access.team_ids(session, actor)
        departments = access.department_ids(session, actor.department_id)
        query = query.where(
            or_(
                Target.user_id.in_(team),
                Target.user_id.is_(None) & Target.department_id.in_(departments),
            )
        )
    return page(session, query, asked)
