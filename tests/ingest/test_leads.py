from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from ingest.commands.base import CommandError, Forbidden, load_actor
from ingest.commands.customers import CustomerInput, create_customer
from ingest.commands.leads import (
    LeadInput,
    QualifyInput,
    create_lead,
    qualify_lead,
    reject_lead,
    suggest_owner,
    update_lead,
    visible_leads,
)
from ingest.commands.projects import ProjectInput, create_project
from ingest.store.db import read_session, write_session
from ingest.store.models import (
    AuditLog,
    Contact,
    Customer,
    CustomerType,
    Industry,
    Lead,
    Project,
    ProjectStageHistory,
    Region,
    Stage,
    UserIndustry,
)
from tests.support.factories import ACTORS, OK, get, permission_outcome, refused
from tests.support.hostile import refused_names

NEXT_MONTH = dt.date.today() + dt.timedelta(days=30)


def quick_lead(**overrides: Any) -> LeadInput:
    """The three-field capture of docs/architecture.md §2.4."""
    values: dict[str, Any] = dict(
        company_name="华能北方电厂", contact_name="王工", source="phone_inquiry"
    )
    values.update(overrides)
    return LeadInput(**values)


def terms(**overrides: Any) -> QualifyInput:
    values: dict[str, Any] = dict(
        name="华能北方电厂 DCS 改造",
        sales_mode="si_supply",
        expected_amount="1,200,000",
        expected_close_date=NEXT_MONTH,
        customer_type="end_user",
    )
    values.update(overrides)
    return QualifyInput(**values)


def code_id(engine: Engine, model: type, code: str) -> int:
    with read_session(engine) as s:
        return s.scalar(select(model.id).where(model.code == code))  # type: ignore[attr-defined]


# --- capture -----------------------------------------------------------------------------


def test_three_field_capture_takes_defaults_from_the_user(engine, org) -> None:
    lead_id = create_lead(
        engine, org.rep, LeadInput("华能北方电厂", "phone_inquiry", phone="010-1")
    )
    lead = get(engine, Lead, lead_id)
    assert (lead.owner_id, lead.status, lead.phone) == (org.rep, "new", "010-1")
    assert lead.region_id == code_id(engine, Region, "north_china")
    assert lead.source_id is not None and lead.customer_id is None
    with read_session(engine) as s:
        audit = s.scalars(select(AuditLog).where(AuditLog.entity == "leads")).one()
    assert (audit.action, audit.actor_id, audit.entity_id) == ("lead.create", org.rep, lead_id)
    assert "华能北方电厂" in audit.after


def test_lead_on_a_customer_takes_its_name_industry_and_region(engine, org) -> None:
    customer_id = create_customer(
        engine,
        org.rep,
        CustomerInput("上海化工研究院", "design_institute", "petrochemical", "east_china"),
    )
    lead_id = create_lead(
        engine, org.rep, quick_lead(company_name="", customer_id=customer_id, phone="13800000000")
    )
    lead = get(engine, Lead, lead_id)
    assert lead.company_name == "上海化工研究院"
    assert lead.industry_id == code_id(engine, Industry, "petrochemical")
    assert lead.region_id == code_id(engine, Region, "east_china")


BAD_CAPTURE = [
    *refused_names("company_name"),
    ("contact_name", "x'; DROP TABLE leads; --", "sql"),
    ("description", "<img src=x onerror=alert(1)>", "markup"),
    ("phone", "call me maybe", "invalid_phone"),
    ("source", "carrier_pigeon", "invalid_choice"),
    ("source", None, "required"),
    ("industry", "space_mining", "invalid_choice"),
    ("region", "atlantis", "invalid_choice"),
    ("customer_id", 999_999, "not_found"),
]


def test_bad_capture_is_refused_per_field(engine, org) -> None:
    # One store for the whole table: a fresh PostgreSQL store per case costs more than the case.
    for field, value, code in BAD_CAPTURE:
        codes = refused(
            engine, lambda f=field, v=value: create_lead(engine, org.rep, quick_lead(**{f: v}))
        )
        assert codes.get(field) == code, (field, value, codes)


def test_every_bad_field_is_reported_at_once(engine, org) -> None:
    data = LeadInput(company_name="", source="nope", contact_name=None, phone=None)
    codes = refused(engine, lambda: create_lead(engine, org.rep, data))
    assert codes == {
        "company_name": "required",
        "contact_name": "contact_or_phone",
        "source": "invalid_choice",
    }
    error = CommandError.one("contact_name", "contact_or_phone")
    assert "联系人或电话" in error.texts("zh_CN")["contact_name"]
    assert "contact name or a phone" in error.texts("en")["contact_name"]


def test_idempotent_capture_creates_one_lead(engine, org) -> None:
    first = create_lead(engine, org.rep, quick_lead(), idempotency_key="lead-form-1")
    again = create_lead(engine, org.rep, quick_lead(), idempotency_key="lead-form-1")
    assert first == again
    with read_session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Lead)) == 1


def test_lead_on_an_invisible_customer_is_refused(engine, org) -> None:
    theirs = create_customer(
        engine, org.rep_b, CustomerInput("南方电网某局", "end_user", "power", "south_china")
    )
    codes = refused(
        engine, lambda: create_lead(engine, org.rep, quick_lead(customer_id=theirs)), Forbidden
    )
    assert codes == {"__all__": "not_visible"}


def test_update_enriches_a_new_lead_only(engine, org) -> None:
    lead_id = create_lead(engine, org.rep, quick_lead())
    update_lead(
        engine, org.rep, lead_id, quick_lead(industry="power", description="两台机组 DCS 改造")
    )
    lead = get(engine, Lead, lead_id)
    assert lead.industry_id == code_id(engine, Industry, "power")
    assert lead.description == "两台机组 DCS 改造"
    with read_session(engine) as s:
        audit = s.scalars(
            select(AuditLog).where(AuditLog.action == "lead.update").order_by(AuditLog.id)
        ).first()
    assert '"description": null' in audit.before and "两台机组" in audit.after
    codes = refused(
        engine,
        lambda: update_lead(engine, org.rep, lead_id, quick_lead(owner_id=org.rep2)),
        Forbidden,
    )
    assert codes == {"owner_id": "owner_not_in_team"}
    update_lead(engine, org.manager, lead_id, quick_lead(owner_id=org.rep2, external_id="L-9"))
    update_lead(engine, org.rep2, lead_id, quick_lead())
    lead = get(engine, Lead, lead_id)
    assert (lead.owner_id, lead.external_id) == (org.rep2, "L-9")
    reject_lead(engine, org.manager, lead_id, "重复线索")
    codes = refused(engine, lambda: update_lead(engine, org.rep2, lead_id, quick_lead()))
    assert codes == {"__all__": "lead_not_new"}


def test_lead_lists_follow_the_sharing_rule(engine, org) -> None:
    mine = create_lead(engine, org.rep, quick_lead())
    theirs = create_lead(engine, org.rep2, quick_lead())
    other_team = create_lead(engine, org.rep_b, quick_lead())
    with read_session(engine) as s:

        def ids(user_id: int) -> set[int]:
            actor = load_actor(s, user_id)
            return set(s.scalars(select(Lead.id).where(visible_leads(s, actor))))

        assert ids(org.rep) == {mine}
        assert ids(org.manager) == {mine, theirs}
        assert ids(org.head) == {mine, theirs, other_team}
        assert ids(org.finance) == set()


# --- qualification -----------------------------------------------------------------------


def test_qualify_creates_customer_contact_and_project_assigned_by_industry(engine, org) -> None:
    lead_id = create_lead(
        engine, org.rep2, quick_lead(industry="power", phone="13900000000", contact_name="王工")
    )
    result = qualify_lead(engine, org.manager, lead_id, terms())
    with read_session(engine) as s:
        project = s.get(Project, result["project_id"])
        customer = s.get(Customer, result["customer_id"])
        lead = s.get(Lead, lead_id)
        stage = s.get(Stage, project.stage_id)
        contact = s.scalars(select(Contact).where(Contact.customer_id == customer.id)).one()
        history = s.scalars(select(ProjectStageHistory)).one()
        actions = set(s.scalars(select(AuditLog.action).where(AuditLog.actor_id == org.manager)))
    # rep covers the power industry, so the project goes to rep, not to the lead's owner
    assert project.owner_id == org.rep
    assert (project.status, stage.code, stage.stage_order) == ("open", "si_project_info", 1)
    assert project.expected_amount == Decimal("1200000.00")
    assert project.industry_id == code_id(engine, Industry, "power")
    assert project.department_id is not None and project.customer_id == customer.id
    assert (customer.name, customer.status, customer.owner_id) == (
        "华能北方电厂",
        "prospect",
        org.rep,
    )
    assert customer.customer_type_id == code_id(engine, CustomerType, "end_user")
    assert customer.region_id == code_id(engine, Region, "north_china")
    assert (contact.name, contact.phone) == ("王工", "13900000000")
    assert (history.change_type, history.from_stage_id, history.to_stage_id) == (
        "created",
        None,
        project.stage_id,
    )
    assert (history.amount, history.changed_by) == (Decimal("1200000.00"), org.manager)
    assert (lead.status, lead.decided_by, lead.converted_project_id) == (
        "qualified",
        org.manager,
        project.id,
    )
    assert lead.decided_at is not None and lead.customer_id == customer.id
    assert {"lead.qualify", "project.create", "customer.create", "contact.create"} <= actions


def test_qualify_on_an_existing_customer_needs_no_customer_type(engine, org) -> None:
    customer_id = create_customer(
        engine, org.rep, CustomerInput("武钢集团", "end_user", "metallurgy", "central_china")
    )
    lead_id = create_lead(
        engine, org.rep, quick_lead(customer_id=customer_id, contact_name=None, phone="027-1")
    )
    result = qualify_lead(
        engine, org.manager, lead_id, terms(customer_type=None, sales_mode="project_type")
    )
    project = get(engine, Project, result["project_id"])
    assert result["customer_id"] == customer_id
    # nobody in the team covers metallurgy: the lead's owner keeps it
    assert project.owner_id == org.rep
    assert project.industry_id == code_id(engine, Industry, "metallurgy")
    assert get(engine, Stage, project.stage_id).code == "pt_feasibility"
    with read_session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 1
        assert s.scalar(select(func.count()).select_from(Contact)) == 0


def test_suggest_owner_prefers_the_covering_rep_with_fewest_open_projects(engine, org) -> None:
    power = code_id(engine, Industry, "power")
    with write_session(engine) as s:
        s.add(UserIndustry(user_id=org.rep2, industry_id=power))
    with read_session(engine) as s:
        manager = load_actor(s, org.manager)
        # both cover power and have no projects: the longest-standing rep wins the tie
        assert suggest_owner(s, manager, power) == org.rep
    customer_id = create_customer(
        engine, org.rep, CustomerInput("华电", "end_user", "power", "north_china")
    )
    create_project(
        engine,
        org.rep,
        ProjectInput("华电扩容", customer_id, "si_supply", "500000", NEXT_MONTH),
    )
    with read_session(engine) as s:
        manager = load_actor(s, org.manager)
        assert suggest_owner(s, manager, power) == org.rep2
        assert suggest_owner(s, manager, code_id(engine, Industry, "finance")) is None
        assert suggest_owner(s, manager, None) is None
        # another team's manager only gets suggestions from their own team
        assert suggest_owner(s, load_actor(s, org.manager_b), power) is None


def test_qualify_with_an_explicit_owner_inside_the_team(engine, org) -> None:
    lead_id = create_lead(engine, org.rep, quick_lead(industry="power"))
    result = qualify_lead(engine, org.manager, lead_id, terms(owner_id=org.rep2))
    assert get(engine, Project, result["project_id"]).owner_id == org.rep2


BAD_TERMS = [
    ({"name": ""}, "name", "required"),
    ({"name": "项目" * 101}, "name", "too_long"),
    ({"name": "1' UNION SELECT password FROM users"}, "name", "sql"),
    ({"description": "🚀🚀🚀"}, "description", "emoji"),
    ({"expected_amount": "-5"}, "expected_amount", "negative"),
    ({"expected_amount": "10000000000.01"}, "expected_amount", "too_large"),
    ({"expected_amount": None}, "expected_amount", "required"),
    ({"expected_close_date": dt.date.today() - dt.timedelta(days=1)}, "expected_close_date",
     "date_before"),
    ({"sales_mode": "door_to_door"}, "sales_mode", "invalid_choice"),
    ({"customer_type": None}, "customer_type", "required"),
    ({"industry": "space_mining"}, "industry", "invalid_choice"),
    ({"owner_id": 999_999}, "owner_id", "not_found"),
]  # fmt: skip


def test_bad_qualification_is_refused(engine, org) -> None:
    lead_id = create_lead(engine, org.rep, quick_lead(industry="power"))
    for overrides, field, code in BAD_TERMS:
        codes = refused(
            engine, lambda o=overrides: qualify_lead(engine, org.manager, lead_id, terms(**o))
        )
        assert codes.get(field) == code, (overrides, codes)
    assert get(engine, Lead, lead_id).status == "new"
    # and all of them at once
    codes = refused(
        engine,
        lambda: qualify_lead(
            engine, org.manager, lead_id, terms(name="", owner_id=999_999, customer_type="x")
        ),
    )
    assert codes == {"name": "required", "owner_id": "not_found", "customer_type": "invalid_choice"}


def test_qualify_refuses_owners_outside_the_team_or_not_selling(engine, org) -> None:
    lead_id = create_lead(engine, org.rep, quick_lead(industry="power"))
    codes = refused(
        engine,
        lambda: qualify_lead(engine, org.manager, lead_id, terms(owner_id=org.rep_b)),
        Forbidden,
    )
    assert codes == {"owner_id": "owner_not_in_team"}
    codes = refused(
        engine, lambda: qualify_lead(engine, org.head, lead_id, terms(owner_id=org.finance))
    )
    assert codes == {"owner_id": "owner_not_sales"}
    # the department head may hand it to the other team
    result = qualify_lead(engine, org.head, lead_id, terms(owner_id=org.rep_b))
    assert get(engine, Project, result["project_id"]).department_id is not None


def test_qualify_without_any_region_asks_for_one(engine, org) -> None:
    lead_id = create_lead(engine, org.head, quick_lead(industry="power"))  # head has no region
    codes = refused(
        engine, lambda: qualify_lead(engine, org.head, lead_id, terms(owner_id=org.head))
    )
    assert codes == {"region": "required"}
    result = qualify_lead(engine, org.head, lead_id, terms(owner_id=org.head, region="northwest"))
    customer = get(engine, Customer, result["customer_id"])
    assert customer.region_id == code_id(engine, Region, "northwest")


def test_idempotent_qualification_creates_one_project(engine, org) -> None:
    lead_id = create_lead(engine, org.rep, quick_lead(industry="power"))
    first = qualify_lead(engine, org.manager, lead_id, terms(), idempotency_key="q-1")
    again = qualify_lead(engine, org.manager, lead_id, terms(), idempotency_key="q-1")
    assert first == again
    with read_session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Project)) == 1


def test_reject_needs_a_reason_and_is_final(engine, org) -> None:
    lead_id = create_lead(engine, org.rep, quick_lead())
    for reason, code in ((None, "required"), ("   ", "blank"), ("垃圾😡", "emoji")):
        assert refused(engine, lambda r=reason: reject_lead(engine, org.manager, lead_id, r)) == {
            "reason": code
        }
    reject_lead(engine, org.manager, lead_id, "客户无预算")
    lead = get(engine, Lead, lead_id)
    assert (lead.status, lead.reject_reason, lead.decided_by) == (
        "rejected",
        "客户无预算",
        org.manager,
    )
    assert lead.converted_project_id is None
    assert refused(engine, lambda: reject_lead(engine, org.manager, lead_id, "再拒")) == {
        "__all__": "lead_not_new"
    }
    assert refused(engine, lambda: qualify_lead(engine, org.manager, lead_id, terms())) == {
        "__all__": "lead_not_new"
    }


def test_a_qualified_lead_cannot_be_decided_again(engine, org) -> None:
    lead_id = create_lead(engine, org.rep, quick_lead(industry="power"))
    qualify_lead(engine, org.manager, lead_id, terms())
    assert refused(engine, lambda: qualify_lead(engine, org.head, lead_id, terms())) == {
        "__all__": "lead_not_new"
    }
    assert refused(engine, lambda: reject_lead(engine, org.head, lead_id, "晚了")) == {
        "__all__": "lead_not_new"
    }


# --- the permission matrix ---------------------------------------------------------------


def _create_for_rep(engine: Engine, org: Any) -> Callable[[int], Any]:
    return lambda actor: create_lead(engine, actor, quick_lead(owner_id=org.rep))


def _update(engine: Engine, org: Any) -> Callable[[int], Any]:
    lead_id = create_lead(engine, org.rep, quick_lead())
    return lambda actor: update_lead(engine, actor, lead_id, quick_lead(description="补充信息"))


def _qualify(engine: Engine, org: Any) -> Callable[[int], Any]:
    lead_id = create_lead(engine, org.rep, quick_lead(industry="power"))
    return lambda actor: qualify_lead(engine, actor, lead_id, terms())


def _reject(engine: Engine, org: Any) -> Callable[[int], Any]:
    lead_id = create_lead(engine, org.rep, quick_lead())
    return lambda actor: reject_lead(engine, actor, lead_id, "没有需求")


DECIDE = dict(
    rep="forbidden", rep2="not_visible", manager=OK, manager_b="not_visible", head=OK,
    executive=OK, finance="not_visible", steward="not_visible", admin=OK,
)  # fmt: skip


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (_create_for_rep, dict(
            rep=OK, rep2="owner_not_in_team", manager=OK, manager_b="owner_not_in_team", head=OK,
            executive=OK, finance="forbidden", steward="owner_not_in_team", admin=OK)),
        (_update, dict(
            rep=OK, rep2="not_visible", manager=OK, manager_b="not_visible", head=OK,
            executive=OK, finance="not_visible", steward="not_visible", admin=OK)),
        (_qualify, DECIDE),
        (_reject, DECIDE),
    ],
    ids=["create_for_rep", "update", "qualify", "reject"],
)  # fmt: skip
def test_permission_matrix(engine, org, action, expected) -> None:
    outcomes = {}
    for name in ACTORS:
        call = action(engine, org)  # a fresh lead of rep's for every actor
        outcomes[name] = permission_outcome(engine, call, getattr(org, name))
    assert outcomes == expected


def test_every_signed_in_role_but_finance_captures_own_leads(engine, org) -> None:
    for name in ACTORS:
        if name == "finance":
            continue
        lead_id = create_lead(engine, getattr(org, name), quick_lead())
        assert get(engine, Lead, lead_id).owner_id == getattr(org, name)
