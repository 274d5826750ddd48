"""Rows tests need as scenery, written straight to the store.

These bypass the domain commands on purpose: a test of quotes should not break when the
rules for creating projects change. Every function returns the new row's id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, Select, func, select
from sqlalchemy.orm import Session

from ingest.commands.base import CommandError, Forbidden
from ingest.store.db import read_session, write_session
from ingest.store.models import (
    AuditLog,
    Base,
    ChangeCounter,
    Contact,
    Customer,
    CustomerType,
    DeletedRow,
    Industry,
    Project,
    ProjectMember,
    Region,
    SalesMode,
    Stage,
    User,
)
from tests.support.hostile import fingerprint


def _lookup_id(session: Session, model: Any, code: str) -> int:
    return session.scalars(select(model.id).where(model.code == code)).one()


def make_customer(
    engine: Engine,
    owner_id: int,
    name: str = "华北电力设计院",
    *,
    customer_type: str = "end_user",
    industry: str = "power",
    region: str = "north_china",
    status: str = "prospect",
) -> int:
    with write_session(engine, owner_id) as s:
        customer = Customer(
            name=name,
            customer_type_id=_lookup_id(s, CustomerType, customer_type),
            industry_id=_lookup_id(s, Industry, industry),
            region_id=_lookup_id(s, Region, region),
            status=status,
            owner_id=owner_id,
        )
        s.add(customer)
        s.flush()
        return customer.id


def make_project(
    engine: Engine,
    owner_id: int,
    customer_id: int | None = None,
    mode: str = "si_supply",
    *,
    name: str = "电厂DCS改造",
    industry: str = "power",
    expected_amount: Decimal = Decimal("1000000.00"),
    expected_close_date: dt.date | None = None,
    status: str = "open",
) -> int:
    """An open project in the first stage of `mode`; a customer is made when none is given."""
    if customer_id is None:
        customer_id = make_customer(engine, owner_id)
    with write_session(engine, owner_id) as s:
        mode_id = _lookup_id(s, SalesMode, mode)
        first_stage = s.scalars(
            select(Stage.id).where(Stage.sales_mode_id == mode_id).order_by(Stage.stage_order)
        ).first()
        project = Project(
            name=name,
            customer_id=customer_id,
            sales_mode_id=mode_id,
            stage_id=first_stage,
            owner_id=owner_id,
            department_id=s.get(User, owner_id).department_id,  # type: ignore[union-attr]
            industry_id=_lookup_id(s, Industry, industry),
            expected_amount=expected_amount,
            expected_close_date=expected_close_date or dt.date.today() + dt.timedelta(days=90),
            status=status,
            closed_date=dt.date.today() if status != "open" else None,
        )
        s.add(project)
        s.flush()
        return project.id


def make_contact(engine: Engine, owner_id: int, customer_id: int, name: str = "张工") -> int:
    with write_session(engine, owner_id) as s:
        contact = Contact(customer_id=customer_id, name=name, owner_id=owner_id)
        s.add(contact)
        s.flush()
        return contact.id


def add_member(engine: Engine, project_id: int, user_id: int, role: str = "presales") -> int:
    with write_session(engine) as s:
        member = ProjectMember(project_id=project_id, user_id=user_id, member_role=role)
        s.add(member)
        s.flush()
        return member.id


def first_open_project(engine: Engine, owner_id: int) -> Project:
    """The owner's open project with the lowest id: the one a test wins or changes."""
    with read_session(engine) as s:
        project = s.scalars(
            select(Project)
            .where(Project.owner_id == owner_id, Project.status == "open")
            .order_by(Project.id)
        ).first()
    assert project is not None, f"user {owner_id} owns no open project"
    return project


def set_project_status(engine: Engine, project_id: int, status: str) -> None:
    """Close (or reopen) a project without the closing rules: scenery for frozen-link tests."""
    with write_session(engine) as s:
        project = s.get(Project, project_id)
        assert project is not None
        project.status = status
        project.closed_date = dt.date.today() if status != "open" else None


# --- probes: what a refusal must leave untouched ------------------------------------------

# Who may work (not just see) a project owned by org.rep, and the refusal code otherwise
# (see ingest/commands/access.py): heads, executives and finance see it but may not work
# it; the steward, the other team and the other rep in the same team may not even see it.
PROJECT_WORK_MATRIX: dict[str, str | None] = {
    "rep": None,
    "rep2": "not_visible",
    "manager": None,
    "manager_b": "not_visible",
    "rep_b": "not_visible",
    "head": "forbidden",
    "executive": "forbidden",
    "finance": "forbidden",
    "steward": "not_visible",
    "admin": None,
}


def count(engine: Engine, model: Any) -> int:
    with read_session(engine) as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def store_counts(engine: Engine, *models: Any) -> dict[str, int]:
    """Row counts of the given tables plus the audit log and tombstones."""
    with read_session(engine) as s:
        return {
            model.__tablename__: s.scalar(select(func.count()).select_from(model)) or 0
            for model in (*models, AuditLog, DeletedRow)
        }


def refused(engine: Engine, call: Callable[[], Any], kind: type = CommandError) -> dict[str, str]:
    """Run a call that must be refused; check it wrote nothing and return the codes."""
    before = fingerprint(engine)
    with pytest.raises(kind) as error:
        call()
    assert fingerprint(engine) == before
    return error.value.codes


def get(engine: Engine, model: type, row_id: int) -> Any:
    with read_session(engine) as s:
        return s.get(model, row_id)


def selected(engine: Engine, query: Select[Any]) -> list[Any]:
    """What a query selects (rows or values), read in a session of its own."""
    with read_session(engine) as s:
        return list(s.scalars(query))


# The actors of a permission matrix: every Org role but the other team's rep.
ACTORS = ("rep", "rep2", "manager", "manager_b", "head", "executive", "finance", "steward", "admin")
OK = "ok"


def permission_outcome(
    engine: Engine, call: Callable[[int], Any], actor: int, *context: Any
) -> str:
    """OK when `actor` may make the call, else the code of its `Forbidden` refusal, which
    must have written nothing (`context` names the case in that assertion)."""
    before = fingerprint(engine)
    try:
        call(actor)
    except Forbidden as error:
        assert fingerprint(engine) == before, context or None
        return next(iter(error.codes.values()))
    return OK


def refusal(call: Callable[[], object]) -> str | None:
    """The first refusal code of a command call, or None when it went through."""
    try:
        call()
    except CommandError as error:
        return next(iter(error.codes.values()))
    return None


def store_state(engine: Engine) -> dict[str, int]:
    """Row counts of every table plus the change counter: a refusal must change none."""
    with read_session(engine) as s:
        state = {
            t.name: s.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables
        }
        state["change_seq"] = s.scalar(select(ChangeCounter.value))
    return state
