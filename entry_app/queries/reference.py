"""Options for selectboxes and the reference tables the administrators keep."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from entry_app.queries.common import as_dicts, localized_name, matches, visible_projects
from ingest.commands import access
from ingest.commands.base import Actor
from ingest.commands.leads import suggest_owner
from ingest.commands.projects import SELLER_ROLES
from ingest.store.models import (
    Contact,
    Customer,
    CustomerType,
    Department,
    Industry,
    LeadSource,
    LossReason,
    Product,
    Project,
    Region,
    SalesMode,
    Stage,
    User,
)


def lookup_options(
    session: Session, model: Any, lang: str, *, include_inactive: bool = False
) -> list[tuple[str, str]]:
    """(code, name) of a reference table, in its natural order."""
    query = select(model.code, localized_name(model, lang)).order_by(model.id)
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
    return as_dicts(
        session,
        select(
            Stage.id,
            Stage.code,
            localized_name(Stage, lang).label("name"),
            Stage.stage_order,
            Stage.default_probability,
            Stage.is_won_stage,
        )
        .where(Stage.sales_mode_id == sales_mode_id, Stage.is_active.is_(True))
        .order_by(Stage.stage_order, Stage.id),
    )


def named_options(session: Session, model: Any) -> list[tuple[int, str]]:
    """(id, name) of active competitors or partners, by name."""
    return list(
        session.execute(
            select(model.id, model.name).where(model.is_active.is_(True)).order_by(model.name)
        )
    )


def product_options(session: Session, lang: str) -> list[tuple[str, str, Any]]:
    rows = session.execute(
        select(Product.code, localized_name(Product, lang), Product.list_price)
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
        .where(access.visible_customers(session, actor), matches([Customer.name], search))
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
            visible_projects(session, actor),
            matches([Project.name], search),
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


def reference_rows(session: Session, kind: str) -> list[dict[str, Any]]:
    model = LOOKUPS[kind]
    columns = [model.code, model.name_zh, model.name_en, model.is_active]
    if kind == "loss_reason":
        columns.append(LossReason.category)
    return as_dicts(session, select(*columns).order_by(model.id))


def stages_of(session: Session, sales_mode_code: str) -> list[dict[str, Any]]:
    return as_dicts(
        session,
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
        .order_by(Stage.stage_order, Stage.id),
    )
