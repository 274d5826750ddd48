"""Projects: the list and everything the project workspace shows of one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from entry_app.queries.common import (
    DETAIL_ROWS,
    ListRequest,
    Page,
    as_dicts,
    filtered_page,
    localized_name,
    projects_of,
    visible_projects,
)
from entry_app.queries.reference import stage_options
from ingest.commands import access
from ingest.commands.base import Actor, NotFound
from ingest.store.models import (
    Activity,
    Competitor,
    Contact,
    Contract,
    Customer,
    Expense,
    LossReason,
    Partner,
    Product,
    Project,
    ProjectCompetitor,
    ProjectContact,
    ProjectIssue,
    ProjectMember,
    ProjectPartner,
    ProjectStageHistory,
    Quote,
    QuoteLine,
    SalesMode,
    Stage,
    User,
)


def projects(
    session: Session,
    actor: Actor,
    lang: str,
    asked: ListRequest = ListRequest(),
    *,
    owner_id: int | None = None,
    sales_mode: str | None = None,
    department_id: int | None = None,
) -> Page:
    """The projects the actor sees (`asked.mine`: owns or works on), narrowed further by
    `owner_id`, `sales_mode` (a code) and `department_id` (with its sub-departments)."""
    owner = aliased(User)
    query = (
        select(
            Project.id,
            Project.name,
            Customer.name.label("customer"),
            localized_name(SalesMode, lang).label("sales_mode"),
            localized_name(Stage, lang).label("stage"),
            Project.status,
            Project.expected_amount,
            Project.expected_close_date,
            Project.owner_id,
            owner.display_name.label("owner"),
            Project.department_id,
            Project.version,
            Project.created_at,
        )
        .join(Customer, Customer.id == Project.customer_id)
        .join(SalesMode, SalesMode.id == Project.sales_mode_id)
        .join(Stage, Stage.id == Project.stage_id)
        .join(owner, owner.id == Project.owner_id)
        .order_by(Project.id.desc())
    )
    if asked.mine:
        query = query.where(projects_of({actor.id}))
    else:
        query = query.where(visible_projects(session, actor))
    if department_id is not None:
        query = query.where(
            Project.department_id.in_(access.department_ids(session, department_id))
        )
    return filtered_page(
        session,
        query,
        asked,
        search_in=[Project.name],
        equal=[
            (Project.status, asked.status),
            (Project.owner_id, owner_id),
            (SalesMode.code, sales_mode),
        ],
    )


def project(session: Session, actor: Actor, project_id: int, lang: str) -> dict[str, Any]:
    """Everything the project workspace shows, or NotFound when the actor may not see it."""
    found = session.get(Project, project_id)
    if found is None or not access.can_see_project(session, actor, found):
        raise NotFound.one("project_id", "not_found")
    customer = session.get(Customer, found.customer_id)
    mode = session.get(SalesMode, found.sales_mode_id)
    owner = session.get(User, found.owner_id)
    reason = session.get(LossReason, found.loss_reason_id) if found.loss_reason_id else None
    return {
        "id": found.id,
        "name": found.name,
        "customer_id": found.customer_id,
        "customer": customer.name if customer else "",
        "sales_mode_id": found.sales_mode_id,
        "sales_mode_code": mode.code if mode else "",
        "sales_mode": _pick(mode, lang),
        "stage_id": found.stage_id,
        "status": found.status,
        "expected_amount": found.expected_amount,
        "expected_close_date": found.expected_close_date,
        "budget_amount": found.budget_amount,
        "owner_id": found.owner_id,
        "owner": owner.display_name if owner else "",
        "department_id": found.department_id,
        "closed_date": found.closed_date,
        "loss_reason": _pick(reason, lang) if reason else None,
        "loss_note": found.loss_note,
        "version": found.version,
        "created_at": found.created_at,
        "can_work": access.can_work_project(session, actor, found),
        "stages": stage_options(session, found.sales_mode_id, lang),
        "history": _history(session, project_id, lang),
        **{name: _linked(session, project_id, *link) for name, link in _LINKS.items()},
        "quotes": _quotes(session, project_id, lang),
        "activities": _project_rows(session, Activity, project_id),
        "expenses": _project_rows(session, Expense, project_id),
        "issues": _project_rows(session, ProjectIssue, project_id),
        "members": _members(session, project_id),
        "contract": _contract(session, project_id),
    }


def _pick(row: Any, lang: str) -> str:
    if row is None:
        return ""
    return (row.name_en if lang == "en" else row.name_zh) or row.name_zh


def _history(session: Session, project_id: int, lang: str) -> list[dict[str, Any]]:
    to_stage, from_stage = aliased(Stage), aliased(Stage)
    return as_dicts(
        session,
        select(
            ProjectStageHistory.changed_at,
            ProjectStageHistory.change_type,
            localized_name(from_stage, lang).label("from_stage"),
            localized_name(to_stage, lang).label("to_stage"),
            ProjectStageHistory.amount,
            ProjectStageHistory.expected_close_date,
            ProjectStageHistory.status,
            ProjectStageHistory.note,
            User.display_name.label("changed_by"),
        )
        .join(to_stage, to_stage.id == ProjectStageHistory.to_stage_id)
        .outerjoin(from_stage, from_stage.id == ProjectStageHistory.from_stage_id)
        .outerjoin(User, User.id == ProjectStageHistory.changed_by)
        .where(ProjectStageHistory.project_id == project_id)
        .order_by(ProjectStageHistory.changed_at.desc(), ProjectStageHistory.id.desc())
        .limit(200),
    )


# What the workspace shows of each table linking a project to other rows: the link table,
# its key to the linked row, the linked table (whose name is shown), the further columns.
_LINKS: dict[str, tuple[Any, Any, Any, tuple[Any, ...]]] = {
    "contacts": (
        ProjectContact,
        ProjectContact.contact_id,
        Contact,
        (
            Contact.title,
            ProjectContact.decision_role,
            ProjectContact.attitude,
            ProjectContact.notes,
        ),
    ),
    "competitors": (
        ProjectCompetitor,
        ProjectCompetitor.competitor_id,
        Competitor,
        (
            ProjectCompetitor.threat_level,
            ProjectCompetitor.is_primary,
            ProjectCompetitor.quoted_amount,
            ProjectCompetitor.notes,
        ),
    ),
    "partners": (
        ProjectPartner,
        ProjectPartner.partner_id,
        Partner,
        (ProjectPartner.partner_role, ProjectPartner.notes),
    ),
}


def _linked(
    session: Session,
    project_id: int,
    link: Any,
    target_id: Any,
    target: Any,
    columns: tuple[Any, ...],
) -> list[dict[str, Any]]:
    """The rows a project links to through the table `link` (its contacts, competitors,
    partners): the linked row's id and name, then `columns`, in the order they were linked."""
    return as_dicts(
        session,
        select(target_id, target.name, *columns)
        .join(target, target.id == target_id)
        .where(link.project_id == project_id)
        .order_by(link.id),
    )


def _quotes(session: Session, project_id: int, lang: str) -> list[dict[str, Any]]:
    quotes = as_dicts(
        session,
        select(
            Quote.id,
            Quote.quote_no,
            Quote.quote_date,
            Quote.valid_until,
            Quote.status,
            Quote.total_amount,
        )
        .where(Quote.project_id == project_id)
        .order_by(Quote.id.desc()),
    )
    for quote in quotes:
        quote["lines"] = as_dicts(
            session,
            select(
                Product.code,
                localized_name(Product, lang).label("product"),
                QuoteLine.quantity,
                QuoteLine.unit_price,
                QuoteLine.discount_rate,
                QuoteLine.line_amount,
            )
            .join(Product, Product.id == QuoteLine.product_id)
            .where(QuoteLine.quote_id == quote["id"])
            .order_by(QuoteLine.id),
        )
    return quotes


_PROJECT_COLUMNS: dict[Any, tuple[str, ...]] = {
    Activity: ("id", "activity_type", "subject", "planned_at", "done_at", "status", "owner_id"),
    Expense: ("id", "category", "amount", "incurred_date", "description", "report_id", "owner_id"),
    ProjectIssue: ("id", "title", "severity", "status", "resolution", "created_at"),
}


def _project_rows(session: Session, model: Any, project_id: int) -> list[dict[str, Any]]:
    columns = [getattr(model, name) for name in _PROJECT_COLUMNS[model]]
    return as_dicts(
        session,
        select(*columns)
        .where(model.project_id == project_id)
        .order_by(model.id.desc())
        .limit(DETAIL_ROWS),
    )


def _members(session: Session, project_id: int) -> list[dict[str, Any]]:
    return as_dicts(
        session,
        select(ProjectMember.user_id, User.display_name.label("name"), ProjectMember.member_role)
        .join(User, User.id == ProjectMember.user_id)
        .where(ProjectMember.project_id == project_id),
    )


def _contract(session: Session, project_id: int) -> dict[str, Any] | None:
    row = session.execute(
        select(Contract.id, Contract.contract_no, Contract.signed_date, Contract.amount).where(
            Contract.project_id == project_id
        )
    ).first()
    return dict(row._mapping) if row is not None else None
