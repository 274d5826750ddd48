"""Read-side queries for the entry app: the lists it pages through and the records it opens.

Every list is filtered, searched, ordered and paged in SQL (LIMIT/OFFSET, newest first by
primary key, which the index answers without sorting), and applies the same visibility
rules as the commands (`access.visible_*`), so a list on a store of a million projects
costs one page of rows. Counts stop at `COUNT_CAP`: "more than 10,000" is all a pager
needs, and an exact count of a million rows is the slowest query a list could ask.

Names of reference rows come back in the caller's language (`lang`), so pages only show.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, or_, select, true
from sqlalchemy.orm import Session, aliased

from ingest.commands import access
from ingest.commands.base import Actor, NotFound
from ingest.commands.expenses import FALLBACK_APPROVERS, voucher_data
from ingest.commands.leads import suggest_owner, visible_leads
from ingest.commands.projects import SELLER_ROLES
from ingest.store.models import (
    Activity,
    Competitor,
    Contact,
    Contract,
    Customer,
    CustomerType,
    Department,
    Expense,
    ExpenseReport,
    Industry,
    Lead,
    LeadSource,
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
    Region,
    SalesMode,
    Stage,
    Target,
    User,
)

COUNT_CAP = 10_000
PAGE_SIZE = 20
DETAIL_ROWS = 50  # activities/expenses shown on a project page, newest first


@dataclass
class Page:
    rows: list[dict[str, Any]]
    total: int  # exact up to COUNT_CAP
    capped: bool  # True when there are more than COUNT_CAP rows
    limit: int
    offset: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit))


def _name(model: Any, lang: str) -> Any:
    return model.name_en if lang == "en" else model.name_zh


def _like(text: str) -> str:
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search(columns: list[Any], text: str | None) -> ColumnElement[bool]:
    if not text or not text.strip():
        return true()
    pattern = _like(text)
    return or_(*(column.like(pattern, escape="\\") for column in columns))


def page(session: Session, query: Select[Any], limit: int = PAGE_SIZE, offset: int = 0) -> Page:
    """One page of `query` and its count, capped."""
    limit = max(1, min(limit, 200))
    offset = max(0, offset)
    rows = [dict(row._mapping) for row in session.execute(query.limit(limit).offset(offset))]
    counted = (
        query.with_only_columns(literal(1), maintain_column_froms=True)
        .order_by(None)
        .limit(COUNT_CAP + 1)
        .subquery()
    )
    total = session.scalar(select(func.count()).select_from(counted)) or 0
    return Page(rows, min(total, COUNT_CAP), total > COUNT_CAP, limit, offset)


# --- options for selectboxes -------------------------------------------------------------


def lookup_options(
    session: Session, model: Any, lang: str, *, include_inactive: bool = False
) -> list[tuple[str, str]]:
    """(code, name) of a reference table, in its natural order."""
    query = select(model.code, _name(model, lang)).order_by(model.id)
    if not include_inactive:
        query = query.where(model.is_active.is_(True))
    return [(code, name) for code, name in session.execute(query)]


LOOKUPS = {
    "region": Region,
    "industry": Industry,
    "customer_type": CustomerType,
    "lead_source": LeadSource,
    "loss_reason": LossReason,
    "sales_mode": SalesMode,
    "department": Department,
}


def options(session: Session, kind: str, lang: str) -> list[tuple[str, str]]:
    return lookup_options(session, LOOKUPS[kind], lang)


def stage_options(session: Session, sales_mode_id: int, lang: str) -> list[dict[str, Any]]:
    """A mode's active stages in order (the won stage last)."""
    rows = session.execute(
        select(
            Stage.id,
            Stage.code,
            _name(Stage, lang).label("name"),
            Stage.stage_order,
            Stage.default_probability,
            Stage.is_won_stage,
        )
        .where(Stage.sales_mode_id == sales_mode_id, Stage.is_active.is_(True))
        .order_by(Stage.stage_order, Stage.id)
    )
    return [dict(row._mapping) for row in rows]


def named_options(session: Session, model: Any) -> list[tuple[int, str]]:
    """(id, name) of active competitors or partners, by name."""
    return list(
        session.execute(
            select(model.id, model.name).where(model.is_active.is_(True)).order_by(model.name)
        )
    )


def product_options(session: Session, lang: str) -> list[tuple[str, str, Any]]:
    rows = session.execute(
        select(Product.code, _name(Product, lang), Product.list_price)
        .where(Product.is_active.is_(True))
        .order_by(Product.code)
    )
    return [(code, name, price) for code, name, price in rows]


def customer_options(
    session: Session, actor: Actor, search: str | None = None, limit: int = 50
) -> list[tuple[int, str]]:
    """Visible customers for a picker: the actor's own first, newest first."""
    query = (
        select(Customer.id, Customer.name)
        .where(access.visible_customers(session, actor), _search([Customer.name], search))
        .order_by((Customer.owner_id == actor.id).desc(), Customer.id.desc())
        .limit(limit)
    )
    return [tuple(row) for row in session.execute(query)]


def project_options(
    session: Session, actor: Actor, search: str | None = None, limit: int = 50
) -> list[tuple[int, str]]:
    """Open projects the actor sees, their own first: what expenses and visits hang on."""
    query = (
        select(Project.id, Project.name)
        .where(
            Project.status == "open",
            _visible_projects(session, actor),
            _search([Project.name], search),
        )
        .order_by(Project.id.desc())
        .limit(limit)
    )
    return [tuple(row) for row in session.execute(query)]


def contact_options(session: Session, customer_id: int) -> list[tuple[int, str]]:
    return list(
        session.execute(
            select(Contact.id, Contact.name)
            .where(Contact.customer_id == customer_id)
            .order_by(Contact.name)
        )
    )


def assignable_owners(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """Who the actor may hand a project or lead to (the rules of `access.may_assign_to`)."""
    query = select(User.id, User.display_name).where(
        User.is_active.is_(True), User.role.in_(SELLER_ROLES)
    )
    if actor.role == "manager":
        query = query.where(User.id.in_(access.team_ids(session, actor)))
    elif actor.role == "department_head":
        query = query.where(
            User.department_id.in_(access.department_ids(session, actor.department_id))
        )
    elif actor.role not in ("executive", "admin"):
        query = query.where(User.id == actor.id)
    return [tuple(row) for row in session.execute(query.order_by(User.display_name))]


def suggested_owner(session: Session, actor: Actor, industry_code: str | None) -> int | None:
    """Who `lead.qualify` would pick by industry, to preselect in the form."""
    if not industry_code:
        return None
    industry_id = session.scalar(select(Industry.id).where(Industry.code == industry_code))
    return suggest_owner(session, actor, industry_id)


def user_options(
    session: Session, *, roles: tuple[str, ...] | None = None
) -> list[tuple[int, str]]:
    query = select(User.id, User.display_name).where(User.is_active.is_(True))
    if roles:
        query = query.where(User.role.in_(roles))
    return [tuple(row) for row in session.execute(query.order_by(User.display_name))]


# --- leads -------------------------------------------------------------------------------


def _lead_query(session: Session, actor: Actor, lang: str) -> Select[Any]:
    owner = aliased(User)
    return (
        select(
            Lead.id,
            Lead.company_name,
            Lead.contact_name,
            Lead.phone,
            _name(LeadSource, lang).label("source"),
            LeadSource.code.label("source_code"),
            Industry.code.label("industry_code"),
            _name(Industry, lang).label("industry"),
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


def leads(
    session: Session,
    actor: Actor,
    lang: str,
    *,
    search: str | None = None,
    status: str | None = None,
    mine: bool = False,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> Page:
    query = _lead_query(session, actor, lang).where(
        _search([Lead.company_name, Lead.contact_name, Lead.phone], search)
    )
    if status:
        query = query.where(Lead.status == status)
    if mine:
        query = query.where(Lead.owner_id == actor.id)
    return page(session, query, limit, offset)


def lead_queue(
    session: Session, actor: Actor, lang: str, *, limit: int = PAGE_SIZE, offset: int = 0
) -> Page:
    """New leads the actor decides: a manager's team's, everyone's for heads and above."""
    query = _lead_query(session, actor, lang).where(Lead.status == "new")
    if actor.role == "manager":
        query = query.where(Lead.owner_id.in_(access.team_ids(session, actor)))
    elif actor.role not in ("department_head", "executive", "admin"):
        query = query.where(false_())
    return page(session, query, limit, offset)


def false_() -> ColumnElement[bool]:
    return literal(False)  # type: ignore[return-value]


def lead(session: Session, actor: Actor, lead_id: int, lang: str) -> dict[str, Any]:
    row = session.execute(_lead_query(session, actor, lang).where(Lead.id == lead_id)).first()
    if row is None:
        raise NotFound.one("lead_id", "not_found")
    return dict(row._mapping)


# --- customers and contacts --------------------------------------------------------------


def customers(
    session: Session,
    actor: Actor,
    lang: str,
    *,
    search: str | None = None,
    status: str | None = None,
    mine: bool = False,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> Page:
    owner = aliased(User)
    query = (
        select(
            Customer.id,
            Customer.name,
            _name(CustomerType, lang).label("customer_type"),
            _name(Industry, lang).label("industry"),
            _name(Region, lang).label("region"),
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
        .where(access.visible_customers(session, actor), _search([Customer.name], search))
        .order_by(Customer.id.desc())
    )
    if status:
        query = query.where(Customer.status == status)
    if mine:
        query = query.where(Customer.owner_id == actor.id)
    return page(session, query, limit, offset)


def contacts(session: Session, actor: Actor, customer_id: int) -> list[dict[str, Any]]:
    customer = session.get(Customer, customer_id)
    if customer is None or not access.can_see_customer(session, actor, customer):
        raise NotFound.one("customer_id", "not_found")
    rows = session.execute(
        select(Contact.id, Contact.name, Contact.title, Contact.phone, Contact.email)
        .where(Contact.customer_id == customer_id)
        .order_by(Contact.id.desc())
        .limit(200)
    )
    return [dict(row._mapping) for row in rows]


# --- projects ----------------------------------------------------------------------------


def _visible_projects(session: Session, actor: Actor) -> ColumnElement[bool]:
    """`access.visible_projects`, shaped for SQLite's planner on large stores: the owner
    index and the member index are each used, instead of a scan testing an OR per row."""
    if actor.is_system or actor.role in access.SEE_ALL_PROJECTS:
        return true()
    people = access.team_ids(session, actor) if actor.role == "manager" else {actor.id}
    owned = select(Project.id).where(Project.owner_id.in_(people))
    member = select(ProjectMember.project_id).where(ProjectMember.user_id.in_(people))
    return Project.id.in_(owned.union(member))


def projects(
    session: Session,
    actor: Actor,
    lang: str,
    *,
    search: str | None = None,
    status: str | None = None,
    mine: bool = False,
    owner_id: int | None = None,
    sales_mode: str | None = None,
    department_id: int | None = None,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> Page:
    owner = aliased(User)
    query = (
        select(
            Project.id,
            Project.name,
            Customer.name.label("customer"),
            _name(SalesMode, lang).label("sales_mode"),
            _name(Stage, lang).label("stage"),
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
        .where(_search([Project.name], search))
        .order_by(Project.id.desc())
    )
    if mine:
        query = query.where(
            Project.id.in_(
                select(Project.id)
                .where(Project.owner_id == actor.id)
                .union(select(ProjectMember.project_id).where(ProjectMember.user_id == actor.id))
            )
        )
    else:
        query = query.where(_visible_projects(session, actor))
    if status:
        query = query.where(Project.status == status)
    if owner_id is not None:
        query = query.where(Project.owner_id == owner_id)
    if sales_mode:
        query = query.where(SalesMode.code == sales_mode)
    if department_id is not None:
        query = query.where(
            Project.department_id.in_(access.department_ids(session, department_id))
        )
    return page(session, query, limit, offset)


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
        "contacts": _project_contacts(session, project_id),
        "competitors": _project_competitors(session, project_id),
        "partners": _project_partners(session, project_id),
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
    rows = session.execute(
        select(
            ProjectStageHistory.changed_at,
            ProjectStageHistory.change_type,
            _name(from_stage, lang).label("from_stage"),
            _name(to_stage, lang).label("to_stage"),
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
        .limit(200)
    )
    return [dict(row._mapping) for row in rows]


def _project_contacts(session: Session, project_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(
            ProjectContact.contact_id,
            Contact.name,
            Contact.title,
            ProjectContact.decision_role,
            ProjectContact.attitude,
            ProjectContact.notes,
        )
        .join(Contact, Contact.id == ProjectContact.contact_id)
        .where(ProjectContact.project_id == project_id)
        .order_by(ProjectContact.id)
    )
    return [dict(row._mapping) for row in rows]


def _project_competitors(session: Session, project_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(
            ProjectCompetitor.competitor_id,
            Competitor.name,
            ProjectCompetitor.threat_level,
            ProjectCompetitor.is_primary,
            ProjectCompetitor.quoted_amount,
            ProjectCompetitor.notes,
        )
        .join(Competitor, Competitor.id == ProjectCompetitor.competitor_id)
        .where(ProjectCompetitor.project_id == project_id)
        .order_by(ProjectCompetitor.id)
    )
    return [dict(row._mapping) for row in rows]


def _project_partners(session: Session, project_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(
            ProjectPartner.partner_id,
            Partner.name,
            ProjectPartner.partner_role,
            ProjectPartner.notes,
        )
        .join(Partner, Partner.id == ProjectPartner.partner_id)
        .where(ProjectPartner.project_id == project_id)
        .order_by(ProjectPartner.id)
    )
    return [dict(row._mapping) for row in rows]


def _quotes(session: Session, project_id: int, lang: str) -> list[dict[str, Any]]:
    quotes = [
        dict(row._mapping)
        for row in session.execute(
            select(
                Quote.id,
                Quote.quote_no,
                Quote.quote_date,
                Quote.valid_until,
                Quote.status,
                Quote.total_amount,
            )
            .where(Quote.project_id == project_id)
            .order_by(Quote.id.desc())
        )
    ]
    for quote in quotes:
        quote["lines"] = [
            dict(row._mapping)
            for row in session.execute(
                select(
                    Product.code,
                    _name(Product, lang).label("product"),
                    QuoteLine.quantity,
                    QuoteLine.unit_price,
                    QuoteLine.discount_rate,
                    QuoteLine.line_amount,
                )
                .join(Product, Product.id == QuoteLine.product_id)
                .where(QuoteLine.quote_id == quote["id"])
                .order_by(QuoteLine.id)
            )
        ]
    return quotes


_PROJECT_COLUMNS: dict[Any, tuple[str, ...]] = {
    Activity: ("id", "activity_type", "subject", "planned_at", "done_at", "status", "owner_id"),
    Expense: ("id", "category", "amount", "incurred_date", "description", "report_id", "owner_id"),
    ProjectIssue: ("id", "title", "severity", "status", "resolution", "created_at"),
}


def _project_rows(session: Session, model: Any, project_id: int) -> list[dict[str, Any]]:
    columns = [getattr(model, name) for name in _PROJECT_COLUMNS[model]]
    rows = session.execute(
        select(*columns)
        .where(model.project_id == project_id)
        .order_by(model.id.desc())
        .limit(DETAIL_ROWS)
    )
    return [dict(row._mapping) for row in rows]


def _members(session: Session, project_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(ProjectMember.user_id, User.display_name.label("name"), ProjectMember.member_role)
        .join(User, User.id == ProjectMember.user_id)
        .where(ProjectMember.project_id == project_id)
    )
    return [dict(row._mapping) for row in rows]


def _contract(session: Session, project_id: int) -> dict[str, Any] | None:
    row = session.execute(
        select(Contract.id, Contract.contract_no, Contract.signed_date, Contract.amount).where(
            Contract.project_id == project_id
        )
    ).first()
    return dict(row._mapping) if row is not None else None


# --- activities and expenses -------------------------------------------------------------


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
    if status:
        query = query.where(Activity.status == status)
    return page(session, query, limit, offset)


def expenses(
    session: Session,
    actor: Actor,
    *,
    unclaimed: bool = False,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> Page:
    query = (
        select(
            Expense.id,
            Expense.category,
            Expense.amount,
            Expense.incurred_date,
            Expense.description,
            Project.name.label("project"),
            Customer.name.label("customer"),
            ExpenseReport.report_no,
        )
        .outerjoin(Project, Project.id == Expense.project_id)
        .outerjoin(Customer, Customer.id == Expense.customer_id)
        .outerjoin(ExpenseReport, ExpenseReport.id == Expense.report_id)
        .where(Expense.owner_id == actor.id)
        .order_by(Expense.id.desc())
    )
    if unclaimed:
        query = query.where(Expense.report_id.is_(None))
    return page(session, query, limit, offset)


# --- reimbursement forms -----------------------------------------------------------------


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


def reports(session: Session, actor: Actor, *, limit: int = PAGE_SIZE, offset: int = 0) -> Page:
    return page(session, _report_query().where(ExpenseReport.owner_id == actor.id), limit, offset)


def report_number(session: Session, report_id: int) -> str:
    return (
        session.scalar(select(ExpenseReport.report_no).where(ExpenseReport.id == report_id)) or ""
    )


def approval_queue(
    session: Session,
    actor: Actor,
    *,
    status: str | None = None,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> Page:
    """Forms waiting for the actor: a manager's first signature, or finance's approval and
    payment (`status` keeps one of the two). The same rules as `expenses._approver_step`,
    as a filter."""
    query = _report_query().where(ExpenseReport.owner_id != actor.id)
    if status is not None:
        query = query.where(ExpenseReport.status == status)
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
    return page(session, query, limit, offset)


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


# --- administration ----------------------------------------------------------------------


def users(
    session: Session,
    lang: str,
    *,
    search: str | None = None,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> Page:
    manager = aliased(User)
    query = (
        select(
            User.id,
            User.username,
            User.display_name,
            User.role,
            _name(Department, lang).label("department"),
            manager.display_name.label("manager"),
            User.locale,
            User.is_active,
            User.must_change_password,
        )
        .outerjoin(Department, Department.id == User.department_id)
        .outerjoin(manager, manager.id == User.manager_id)
        .where(_search([User.username, User.display_name], search))
        .order_by(User.id.desc())
    )
    return page(session, query, limit, offset)


def reference_rows(session: Session, kind: str) -> list[dict[str, Any]]:
    model = LOOKUPS[kind]
    columns = [model.code, model.name_zh, model.name_en, model.is_active]
    if kind == "loss_reason":
        columns.append(LossReason.category)
    rows = session.execute(select(*columns).order_by(model.id))
    return [dict(row._mapping) for row in rows]


def stages_of(session: Session, sales_mode_code: str) -> list[dict[str, Any]]:
    rows = session.execute(
        select(
            Stage.code,
            Stage.name_zh,
            Stage.name_en,
            Stage.stage_order,
            Stage.default_probability,
            Stage.forecast_category,
            Stage.is_won_stage,
            Stage.is_active,
        )
        .join(SalesMode, SalesMode.id == Stage.sales_mode_id)
        .where(SalesMode.code == sales_mode_code)
        .order_by(Stage.stage_order, Stage.id)
    )
    return [dict(row._mapping) for row in rows]


def targets(
    session: Session,
    actor: Actor,
    lang: str,
    *,
    month: dt.date | None = None,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> Page:
    """Targets the actor may see: a manager their team's and their department's (as the
    dashboards scope them), heads, executives and admins every one."""
    query = (
        select(
            Target.id,
            Target.period_month,
            User.display_name.label("user"),
            _name(Department, lang).label("department"),
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
    return page(session, query, limit, offset)
