"""Read-side queries of the entry app's home page (the cockpit) and of the project
workspace's finder: what each role starts the day with, live from the store.

The same visibility rules as every list (`access`, `common`): a rep's items are their own,
a manager's their team's, and a project is offered only to those who may see it. The
deal-health flags are not here: they come from the published snapshot (warehouse.queries).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from entry_app.queries.common import as_dicts, like, own_activities, visible_projects
from ingest.commands import access
from ingest.commands.base import Actor
from ingest.store.models import (
    Activity,
    AuditLog,
    Customer,
    ImportRun,
    Project,
    Target,
)

ITEMS = 8  # rows a cockpit list shows; its page has the rest
RECENT_PROJECTS = 8
FINDER_ROWS = 50


def quarter(today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of today's calendar quarter."""
    first_month = 3 * ((today.month - 1) // 3) + 1
    start = dt.date(today.year, first_month, 1)
    following = (
        dt.date(today.year + 1, 1, 1)
        if first_month == 10
        else dt.date(today.year, first_month + 3, 1)
    )
    return start, following - dt.timedelta(days=1)


def _due(until: dt.datetime) -> tuple[ColumnElement[bool], ...]:
    """Planned activities due before `until`: the due list and its count say the same."""
    return (Activity.status == "planned", Activity.planned_at < until)


def due_activities(
    session: Session, actor: Actor, until: dt.datetime, *, limit: int = ITEMS
) -> list[dict[str, Any]]:
    """The actor's own planned activities due before `until` (naive UTC, like the store):
    today's and the overdue ones, the oldest first."""
    return as_dicts(
        session,
        own_activities(actor, Activity.project_id)
        .where(*_due(until))
        .order_by(Activity.planned_at, Activity.id)
        .limit(limit),
    )


def count_due_activities(session: Session, actor: Actor, until: dt.datetime) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Activity)
            .where(Activity.owner_id == actor.id, *_due(until))
        )
        or 0
    )


def pipeline_against_target(
    session: Session, people: set[int], today: dt.date
) -> dict[str, Decimal]:
    """Open pipeline (expected amounts closing this quarter) of projects the people own,
    against their targets for the quarter's months."""
    start, end = quarter(today)
    pipeline = session.scalar(
        select(func.coalesce(func.sum(Project.expected_amount), 0)).where(
            Project.owner_id.in_(people),
            Project.status == "open",
            Project.expected_close_date >= start,
            Project.expected_close_date <= end,
        )
    )
    target = session.scalar(
        select(func.coalesce(func.sum(Target.amount), 0)).where(
            Target.user_id.in_(people),
            Target.period_month >= start,
            Target.period_month <= end,
        )
    )
    return {"pipeline": Decimal(str(pipeline or 0)), "target": Decimal(str(target or 0))}


def people_of(session: Session, actor: Actor) -> set[int]:
    """Whose pipeline the cockpit sums: a manager's team, anyone else their own."""
    return access.team_ids(session, actor) if actor.role == "manager" else {actor.id}  # type: ignore[return-value]


def recent_imports(session: Session, *, limit: int = 5) -> list[dict[str, Any]]:
    return as_dicts(
        session,
        select(
            ImportRun.id,
            ImportRun.file_name,
            ImportRun.entity,
            ImportRun.status,
            ImportRun.rows_committed,
            ImportRun.started_at,
        )
        .order_by(ImportRun.id.desc())
        .limit(limit),
    )


# --- finding a project -------------------------------------------------------------------


def find_projects(
    session: Session, actor: Actor, search: str | None, *, limit: int = FINDER_ROWS
) -> list[dict[str, Any]]:
    """Projects the actor may see whose name or customer holds `search`, or whose number
    it is (any status), the newest first; without a search, the newest."""
    query = (
        select(Project.id, Project.name, Customer.name.label("customer"), Project.status)
        .join(Customer, Customer.id == Project.customer_id)
        .where(visible_projects(session, actor))
        .order_by(Project.id.desc())
        .limit(limit)
    )
    if search and search.strip():
        pattern = like(search)
        number = search.strip().lstrip("#")
        query = query.where(
            or_(
                Project.name.like(pattern, escape="\\"),
                Customer.name.like(pattern, escape="\\"),
                Project.id == (int(number) if number.isdigit() and len(number) < 19 else -1),
            )
        )
    return as_dicts(session, query)


def recent_projects(
    session: Session,
    actor: Actor,
    opened: list[int] | tuple[int, ...] = (),
    *,
    limit: int = RECENT_PROJECTS,
) -> list[dict[str, Any]]:
    """The projects the actor opened in this session (newest first) and then those they
    last changed (the audit log), each once, only those they may still see."""
    edited = session.execute(
        select(AuditLog.entity_id, func.max(AuditLog.id).label("last"))
        .where(
            AuditLog.actor_id == actor.id,
            AuditLog.entity == Project.__tablename__,
            AuditLog.entity_id.is_not(None),
        )
        .group_by(AuditLog.entity_id)
        .order_by(func.max(AuditLog.id).desc())
        .limit(limit)
    )
    wanted: list[int] = []
    for project_id in [*opened, *(int(row.entity_id) for row in edited)]:
        if project_id not in wanted:
            wanted.append(project_id)
    wanted = wanted[: limit * 2]
    if not wanted:
        return []
    rows = session.execute(
        select(Project.id, Project.name, Customer.name.label("customer"), Project.status)
        .join(Customer, Customer.id == Project.customer_id)
        .where(Project.id.in_(wanted), visible_projects(session, actor))
    )
    found = {row.id: dict(row._mapping) for row in rows}
    return [found[i] for i in wanted if i in found][:limit]
