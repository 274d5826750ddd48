"""Reimbursement forms: the owner's, the approval queue, one voucher."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, aliased

from entry_app.queries.common import ListRequest, Page, filtered_page, page
from ingest.commands import access
from ingest.commands.base import Actor, NotFound
from ingest.commands.expenses import FALLBACK_APPROVERS, voucher_data
from ingest.store.models import (
    ExpenseReport,
    User,
)


def _report_query() -> Select[Any]:
    return (
        select(
            ExpenseReport.id,
            ExpenseReport.report_no,
            ExpenseReport.title,
            ExpenseReport.status,
            ExpenseReport.total_amount,
            ExpenseReport.submitted_at,
            ExpenseReport.version,
            ExpenseReport.owner_id,
            User.display_name.label("owner"),
        )
        .join(User, User.id == ExpenseReport.owner_id)
        .order_by(ExpenseReport.id.desc())
    )


def reports(session: Session, actor: Actor, asked: ListRequest = ListRequest()) -> Page:
    return page(session, _report_query().where(ExpenseReport.owner_id == actor.id), asked)


def report_number(session: Session, report_id: int) -> str:
    return (
        session.scalar(select(ExpenseReport.report_no).where(ExpenseReport.id == report_id)) or ""
    )


def approval_queue(session: Session, actor: Actor, asked: ListRequest = ListRequest()) -> Page:
    """Forms waiting for the actor: a manager's first signature, or finance's approval and
    payment (`asked.status` keeps one of the two). The same rules as
    `expenses._approver_step`, as a filter."""
    query = _report_query().where(ExpenseReport.owner_id != actor.id)
    if actor.role == "finance":
        query = query.where(ExpenseReport.status.in_(("manager_approved", "approved")))
    else:
        manager = aliased(User)
        own_reports = User.manager_id == actor.id
        conditions = [own_reports]
        if actor.role in FALLBACK_APPROVERS:
            # Submitters without an active manager fall to heads and executives.
            no_manager = or_(
                User.manager_id.is_(None),
                User.manager_id.in_(select(manager.id).where(manager.is_active.is_(False))),
            )
            conditions.append(no_manager)
        query = query.where(ExpenseReport.status == "submitted", or_(*conditions))
    return filtered_page(session, query, asked, equal=[(ExpenseReport.status, asked.status)])


def report(session: Session, actor: Actor, report_id: int) -> dict[str, Any]:
    """The voucher data of a form its owner, their managers or finance may see."""
    found = session.get(ExpenseReport, report_id)
    if found is None or not _may_see_report(session, actor, found):
        raise NotFound.one("report_id", "not_found")
    return voucher_data(session, report_id)


def _may_see_report(session: Session, actor: Actor, found: ExpenseReport) -> bool:
    if actor.is_system or actor.role in ("finance", "admin", "executive", "department_head"):
        return True
    return found.owner_id in access.team_ids(session, actor)
