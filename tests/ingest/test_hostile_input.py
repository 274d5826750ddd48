"""Hostile input against every domain command (property tests, see tests/support/hostile.py).

Each command has a spec: who calls it, a valid call on a small company (`Scene`), and the
kind of each field. An example replaces one or two fields of the valid call with hostile
values, so that refusals are attributable and hostile-but-acceptable text reaches the
store. Every example starts from the same store (a copied SQLite file), so examples are
independent and a failure shrinks to its smallest input. A subset runs on PostgreSQL too,
which enforces column lengths and types that SQLite lets through.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

import ingest.commands
from ingest.commands.activities import (
    ActivityInput,
    complete_activity,
    create_activity,
    create_issue,
    resolve_issue,
    update_activity,
)
from ingest.commands.base import GENERAL, CommandError
from ingest.commands.catalog import (
    ProductInput,
    create_competitor,
    create_partner,
    create_product,
    deactivate_competitor,
    deactivate_partner,
    update_product,
)
from ingest.commands.customers import (
    ContactInput,
    CustomerInput,
    create_contact,
    create_customer,
    promote_customer,
    update_contact,
    update_customer,
)
from ingest.commands.expenses import (
    ExpenseInput,
    add_to_report,
    approve_report,
    create_expense,
    create_report,
    delete_expense,
    delete_report,
    mark_paid,
    reject_report,
    remove_from_report,
    submit_report,
    update_expense,
)
from ingest.commands.leads import (
    LeadInput,
    QualifyInput,
    create_lead,
    qualify_lead,
    reject_lead,
    update_lead,
)
from ingest.commands.project_links import (
    QuoteInput,
    QuoteLineInput,
    add_competitor,
    add_partner,
    create_quote,
    remove_competitor,
    remove_contact_role,
    remove_partner,
    set_contact_role,
    set_quote_status,
)
from ingest.commands.projects import (
    CloseWonInput,
    LineInput,
    ProjectInput,
    add_member,
    assign_owner,
    change_forecast,
    close_lost,
    close_won,
    create_project,
    move_stage,
    remove_member,
    reopen,
)
from ingest.commands.reference_admin import (
    StageInput,
    create_sales_mode_with_stages,
    deactivate_lookup,
    deactivate_stage,
    upsert_lookup,
    upsert_stage,
)
from ingest.commands.targets import set_target
from ingest.commands.users import UserInput, add_user, disable_user, set_locale, set_password
from ingest.store.db import get_engine
from tests.support.factories import add_member as add_member_row
from tests.support.factories import make_contact, make_customer, make_project
from tests.support.hostile import EXAMPLES, Kind, check_outcome, fingerprint, hostile
from tests.support.org import Org, make_org
from tests.support.stores import _reset_postgres

K = Kind
TODAY = dt.date.today()
SOON = TODAY + dt.timedelta(days=60)
TOMORROW_9 = dt.datetime.combine(TODAY + dt.timedelta(days=1), dt.time(9))
EXAMPLES_PER_SPEC = 8
PG_EXAMPLES_PER_SPEC = 6


# --- the scene: a small company with a row of every kind ---------------------------------


@dataclass(frozen=True)
class Scene:
    org: Org
    customer: int
    customer_b: int  # rep_b's: rep may not see it
    contact: int
    contact_b: int
    project: int  # rep's, open; rep2 is a member; contact, competitor, partner linked
    project_b: int  # rep_b's
    project_lost: int  # rep's, closed lost
    competitor: int  # linked to project
    competitor_free: int
    partner: int  # linked to project
    product: int
    quote: int
    lead: int
    activity: int
    issue: int
    expense: int  # rep's, on no report
    expense_b: int  # rep_b's
    expense_in_draft: int
    report_draft: int
    report_submitted: int
    report_approved: int

    def ids(self) -> list[int]:
        """Every row id of the scene, whatever table: hostile ids pick among them."""
        people = [getattr(self.org, f.name) for f in fields(self.org)]
        rows = [getattr(self, f.name) for f in fields(self) if f.name != "org"]
        return [*people, *rows]


def build_scene(engine: Engine) -> Scene:
    org = make_org(engine)
    customer = make_customer(engine, org.rep)
    customer_b = make_customer(engine, org.rep_b, "华南石化集团", region="south_china")
    contact = make_contact(engine, org.rep, customer)
    contact_b = make_contact(engine, org.rep_b, customer_b, "李工")
    project = make_project(engine, org.rep, customer)
    project_b = make_project(engine, org.rep_b, customer_b, name="华南DCS项目")
    project_lost = make_project(engine, org.rep, customer, name="旧项目", status="lost")
    add_member_row(engine, project, org.rep2, "sales")
    set_contact_role(engine, org.rep, project, contact, "decision_maker")
    competitor = create_competitor(engine, org.rep, "ABB")
    competitor_free = create_competitor(engine, org.rep, "Siemens")
    add_competitor(engine, org.rep, project, competitor, "high")
    partner = create_partner(engine, org.rep, "华东集成")
    add_partner(engine, org.rep, project, partner)
    product = create_product(
        engine, org.steward, ProductInput("FT-2900", "容错服务器", "ftServer", "server", "268000")
    )
    quote = create_quote(engine, org.rep, QuoteInput(project, lines=[QuoteLineInput("FT-2900")]))
    lead = create_lead(
        engine,
        org.rep,
        LeadInput("天津宏泰", "phone_inquiry", contact_name="王工", industry="power"),
    )
    activity = create_activity(
        engine, org.rep, ActivityInput("call", "电话沟通", TOMORROW_9, project_id=project)
    )
    issue = create_issue(engine, org.rep, project, "交期紧张")

    def expense(owner: int, on: int) -> int:
        return create_expense(engine, owner, ExpenseInput("travel", "120.50", TODAY, project_id=on))

    free, free_b = expense(org.rep, project), expense(org.rep_b, project_b)
    in_draft, in_submitted, in_approved = (expense(org.rep, project) for _ in range(3))
    report_draft = create_report(engine, org.rep, "三月差旅", [in_draft])
    report_submitted = create_report(engine, org.rep, "四月差旅", [in_submitted])
    submit_report(engine, org.rep, report_submitted)
    report_approved = create_report(engine, org.rep, "五月差旅", [in_approved])
    submit_report(engine, org.rep, report_approved)
    approve_report(engine, org.manager, report_approved)
    approve_report(engine, org.finance, report_approved)
    return Scene(
        org=org,
        customer=customer,
        customer_b=customer_b,
        contact=contact,
        contact_b=contact_b,
        project=project,
        project_b=project_b,
        project_lost=project_lost,
        competitor=competitor,
        competitor_free=competitor_free,
        partner=partner,
        product=product,
        quote=quote,
        lead=lead,
        activity=activity,
        issue=issue,
        expense=free,
        expense_b=free_b,
        expense_in_draft=in_draft,
        report_draft=report_draft,
        report_submitted=report_submitted,
        report_approved=report_approved,
    )


# --- specs -------------------------------------------------------------------------------

Call = Callable[[Callable[..., Any], Engine, int, dict[str, Any]], Any]


def keywords(cmd: Callable[..., Any], engine: Engine, actor: int, values: dict[str, Any]) -> Any:
    return cmd(engine, actor, **values)


def with_input(form: type, before: tuple[str, ...] = (), after: tuple[str, ...] = ()) -> Call:
    """A command taking leading ids, then a form dataclass, then keyword options."""

    def call(cmd: Callable[..., Any], engine: Engine, actor: int, values: dict[str, Any]) -> Any:
        rest = dict(values)
        args = [rest.pop(name) for name in before]
        options = {name: rest.pop(name) for name in after}
        return cmd(engine, actor, *args, form(**rest), **options)

    return call


@dataclass(frozen=True)
class Spec:
    command: Callable[..., Any]
    actor: str  # the Org attribute of who calls it
    kinds: dict[str, Kind | Callable[[Scene], st.SearchStrategy[Any]]]
    valid: Callable[[Scene], dict[str, Any]]
    call: Call = keywords
    label: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # field → column it is stored in
    fields_named: tuple[str, ...] = ()  # error fields beyond the parameters and form fields

    @property
    def id(self) -> str:
        return self.label or self.command.command_name  # type: ignore[attr-defined]

    def known_fields(self) -> set[str]:
        names = set(self.kinds) | set(self.fields_named)
        for parameter in inspect.signature(self.command.body).parameters.values():  # type: ignore[attr-defined]
            names.add(parameter.name)
            if is_dataclass(parameter.annotation):
                names.update(f.name for f in fields(parameter.annotation))
        return names


def without_key(values: dict[str, Any], *also: str) -> dict[str, Any]:
    """The form fields an update ignores: `external_id` of customers, contacts and products
    (the import key is set when an import creates the row and no form changes it), and a
    contact's customer (a contact stays with the customer it was created for)."""
    return {name: value for name, value in values.items() if name not in ("external_id", *also)}


CUSTOMER_KINDS: dict[str, Any] = {
    "name": K.TEXT,
    "customer_type": K.CODE,
    "industry": K.CODE,
    "region": K.CODE,
    "status": K.CODE,
    "owner_id": K.ID,
    "city": K.TEXT,
    "address": K.TEXT,
    "phone": K.TEXT,
    "notes": K.TEXT,
    "external_id": K.TEXT,
}


def customer_form(s: Scene) -> dict[str, Any]:
    return dict(
        name="华北电力设计院",
        customer_type="end_user",
        industry="power",
        region="north_china",
        status="prospect",
        owner_id=None,
        city="北京",
        address="西城区南礼士路",
        phone="010-6841 2233",
        notes="老客户",
        external_id=None,
    )


CONTACT_KINDS: dict[str, Any] = {
    "customer_id": K.ID,
    "name": K.TEXT,
    "title": K.TEXT,
    "phone": K.TEXT,
    "email": K.TEXT,
    "notes": K.TEXT,
    "external_id": K.TEXT,
}


def contact_form(s: Scene) -> dict[str, Any]:
    return dict(
        customer_id=s.customer,
        name="赵工",
        title="总工",
        phone="138 0000 1111",
        email="zhao@example.com",
        notes=None,
        external_id=None,
    )


PRODUCT_KINDS: dict[str, Any] = {
    "code": K.TEXT,
    "name_zh": K.TEXT,
    "name_en": K.TEXT,
    "category": K.CODE,
    "list_price": K.AMOUNT,
    "is_active": K.FLAG,
    "external_id": K.TEXT,
}


def product_form(s: Scene) -> dict[str, Any]:
    return dict(
        code="FT-4900",
        name_zh="容错服务器 4900",
        name_en="ftServer 4900",
        category="server",
        list_price="350,000.00",
        is_active=True,
        external_id=None,
    )


LEAD_KINDS: dict[str, Any] = {
    "company_name": K.TEXT,
    "source": K.CODE,
    "contact_name": K.TEXT,
    "phone": K.TEXT,
    "industry": K.CODE,
    "region": K.CODE,
    "customer_id": K.ID,
    "description": K.TEXT,
    "owner_id": K.ID,
    "external_id": K.TEXT,
}


def lead_form(s: Scene) -> dict[str, Any]:
    return dict(
        company_name="沧州石化",
        source="industry_news",
        contact_name="孙工",
        phone="0317-1234567",
        industry="petrochemical",
        region="north_china",
        customer_id=None,
        description="扩建项目",
        owner_id=None,
        external_id=None,
    )


EXPENSE_KINDS: dict[str, Any] = {
    "category": K.CODE,
    "amount": K.AMOUNT,
    "incurred_date": K.DATE,
    "project_id": K.ID,
    "customer_id": K.ID,
    "description": K.TEXT,
    "external_id": K.TEXT,
    "owner_id": K.ID,
}


def expense_form(s: Scene) -> dict[str, Any]:
    return dict(
        category="meals",
        amount="88.00",
        incurred_date=TODAY,
        project_id=s.project,
        customer_id=None,
        description="客户午餐",
        external_id=None,
        owner_id=None,
    )


def quote_lines(s: Scene) -> st.SearchStrategy[Any]:
    line = st.builds(
        QuoteLineInput,
        product=st.one_of(st.just("FT-2900"), st.just(s.product), hostile(K.CODE)),
        quantity=st.one_of(st.just(2), hostile(K.INT)),
        unit_price=st.one_of(st.none(), hostile(K.AMOUNT)),
        discount_rate=st.one_of(st.just("0.1"), hostile(K.AMOUNT)),
    )
    return st.one_of(st.lists(line, max_size=3), st.sampled_from([None, "FT-2900", {}, 3]))


def contract_lines(s: Scene) -> st.SearchStrategy[Any]:
    line = st.builds(
        LineInput,
        product_id=st.one_of(st.just(s.product), hostile(K.ID, s.ids())),
        quantity=st.one_of(st.just(1), hostile(K.INT)),
        unit_price=st.one_of(st.just("1000"), hostile(K.AMOUNT)),
    )
    return st.one_of(st.lists(line, max_size=3), st.sampled_from([None, "FT-2900", {}, 3]))


def stage_list(s: Scene) -> st.SearchStrategy[Any]:
    stage = st.builds(
        StageInput,
        code=st.one_of(st.just("zz_a"), hostile(K.CODE)),
        name_zh=st.one_of(st.just("甲"), hostile(K.TEXT)),
        name_en=st.one_of(st.just("A"), hostile(K.TEXT)),
        default_probability=st.one_of(st.just("0.5"), hostile(K.AMOUNT)),
        forecast_category=st.one_of(st.just("pipeline"), hostile(K.CODE)),
        is_won_stage=st.one_of(st.just(False), hostile(K.FLAG)),
    )
    won = StageInput("zz_won", "赢单", "Won", "1", "closed", True)
    return st.one_of(
        st.lists(stage, max_size=3).map(lambda stages: [*stages, won]),
        st.sampled_from([None, "zz_a", {}, 3, [None]]),
    )


SPECS: list[Spec] = [
    # --- customers and contacts ---
    Spec(create_customer, "rep", CUSTOMER_KINDS, customer_form, with_input(CustomerInput)),
    Spec(
        update_customer,
        "rep",
        {"customer_id": K.ID, "expected_version": K.VERSION, **without_key(CUSTOMER_KINDS)},
        lambda s: dict(
            customer_id=s.customer, expected_version=None, **without_key(customer_form(s))
        ),
        with_input(CustomerInput, ("customer_id",), ("expected_version",)),
    ),
    Spec(
        promote_customer, "steward", {"customer_id": K.ID}, lambda s: dict(customer_id=s.customer)
    ),
    Spec(create_contact, "rep", CONTACT_KINDS, contact_form, with_input(ContactInput)),
    Spec(
        update_contact,
        "rep",
        {"contact_id": K.ID, **without_key(CONTACT_KINDS, "customer_id")},
        lambda s: dict(contact_id=s.contact, **without_key(contact_form(s))),
        with_input(ContactInput, ("contact_id",)),
    ),
    # --- users ---
    Spec(
        add_user,
        "admin",
        {
            "username": K.TEXT,
            "display_name": K.TEXT,
            "role": K.CODE,
            "password": K.SECRET,
            "department": K.CODE,
            "region": K.CODE,
            "manager_id": K.ID,
            "email": K.TEXT,
            "locale": K.CODE,
            "industries": K.LIST,
            "external_id": K.TEXT,
        },
        lambda s: dict(
            username="xiaoli",
            display_name="李小利",
            role="rep",
            password="long-password",
            department="north",
            region="north_china",
            manager_id=s.org.manager,
            email="xiaoli@example.com",
            locale="zh_CN",
            industries=["power"],
            external_id=None,
        ),
        with_input(UserInput),
    ),
    Spec(disable_user, "admin", {"user_id": K.ID}, lambda s: dict(user_id=s.org.rep2)),
    Spec(
        set_password,
        "rep",
        {"user_id": K.ID, "password": K.SECRET},
        lambda s: dict(user_id=s.org.rep, password="another-long-password"),
    ),
    Spec(
        set_locale,
        "rep",
        {"user_id": K.ID, "locale": K.CODE},
        lambda s: dict(user_id=s.org.rep, locale="en"),
    ),
    Spec(
        set_target,
        "manager",
        {"period_month": K.DATE, "amount": K.AMOUNT, "user_id": K.ID, "department": K.CODE},
        lambda s: dict(period_month=SOON, amount="500000", user_id=s.org.rep, department=None),
    ),
    # --- products, competitors, partners ---
    Spec(create_product, "steward", PRODUCT_KINDS, product_form, with_input(ProductInput)),
    Spec(
        update_product,
        "steward",
        {"product_id": K.ID, **without_key(PRODUCT_KINDS)},
        lambda s: dict(product_id=s.product, **without_key(product_form(s))),
        with_input(ProductInput, ("product_id",)),
    ),
    Spec(
        create_competitor,
        "rep",
        {"name": K.TEXT, "strengths": K.TEXT},
        lambda s: dict(name="Honeywell", strengths="DCS 市场占有率高"),
    ),
    Spec(
        create_partner,
        "rep",
        {"name": K.TEXT, "partner_type": K.CODE},
        lambda s: dict(name="华南设计院", partner_type="design_institute"),
    ),
    Spec(
        deactivate_competitor,
        "admin",
        {"competitor_id": K.ID},
        lambda s: dict(competitor_id=s.competitor_free),
    ),
    Spec(deactivate_partner, "admin", {"partner_id": K.ID}, lambda s: dict(partner_id=s.partner)),
    # --- leads ---
    Spec(create_lead, "rep", LEAD_KINDS, lead_form, with_input(LeadInput)),
    Spec(
        update_lead,
        "rep",
        {"lead_id": K.ID, **LEAD_KINDS},
        lambda s: dict(lead_id=s.lead, **lead_form(s)),
        with_input(LeadInput, ("lead_id",)),
    ),
    Spec(
        qualify_lead,
        "manager",
        {
            "lead_id": K.ID,
            "name": K.TEXT,
            "sales_mode": K.CODE,
            "expected_amount": K.AMOUNT,
            "expected_close_date": K.DATE,
            "industry": K.CODE,
            "owner_id": K.ID,
            "customer_type": K.CODE,
            "region": K.CODE,
            "budget_amount": K.AMOUNT,
            "description": K.TEXT,
        },
        lambda s: dict(
            lead_id=s.lead,
            name="宏泰电厂改造",
            sales_mode="si_supply",
            expected_amount="800000",
            expected_close_date=SOON,
            industry="power",
            owner_id=None,
            customer_type="end_user",
            region=None,
            budget_amount=None,
            description="预算已批",
        ),
        with_input(QualifyInput, ("lead_id",)),
    ),
    Spec(
        reject_lead,
        "manager",
        {"lead_id": K.ID, "reason": K.TEXT},
        lambda s: dict(lead_id=s.lead, reason="重复线索"),
        columns={"reason": "reject_reason"},
    ),
    # --- activities and issues ---
    Spec(
        create_activity,
        "rep",
        {
            "activity_type": K.CODE,
            "subject": K.TEXT,
            "planned_at": K.DATETIME,
            "project_id": K.ID,
            "customer_id": K.ID,
            "contact_id": K.ID,
            "status": K.CODE,
            "done_at": K.DATETIME,
            "notes": K.TEXT,
            "external_id": K.TEXT,
        },
        lambda s: dict(
            activity_type="visit",
            subject="技术交流",
            planned_at=TOMORROW_9,
            project_id=s.project,
            customer_id=None,
            contact_id=s.contact,
            status="planned",
            done_at=None,
            notes="带样机",
            external_id=None,
        ),
        with_input(ActivityInput),
    ),
    Spec(
        complete_activity,
        "rep",
        {"activity_id": K.ID, "done_at": K.DATETIME, "notes": K.TEXT},
        lambda s: dict(activity_id=s.activity, done_at=None, notes="客户有意向"),
    ),
    Spec(
        update_activity,
        "rep",
        {"activity_id": K.ID, "planned_at": K.DATETIME, "subject": K.TEXT, "notes": K.TEXT},
        lambda s: dict(activity_id=s.activity, planned_at=None, subject="改期", notes=None),
    ),
    Spec(
        create_issue,
        "rep",
        {"project_id": K.ID, "title": K.TEXT, "description": K.TEXT, "severity": K.CODE},
        lambda s: dict(project_id=s.project, title="资质", description="缺证书", severity="high"),
    ),
    Spec(
        resolve_issue,
        "rep",
        {"issue_id": K.ID, "resolution": K.TEXT},
        lambda s: dict(issue_id=s.issue, resolution="已协调"),
    ),
    # --- project links and quotes ---
    Spec(
        set_contact_role,
        "rep",
        {
            "project_id": K.ID,
            "contact_id": K.ID,
            "decision_role": K.CODE,
            "attitude": K.CODE,
            "notes": K.TEXT,
        },
        lambda s: dict(
            project_id=s.project,
            contact_id=s.contact,
            decision_role="influencer",
            attitude="supportive",
            notes="技术负责人",
        ),
    ),
    Spec(
        remove_contact_role,
        "rep",
        {"project_id": K.ID, "contact_id": K.ID},
        lambda s: dict(project_id=s.project, contact_id=s.contact),
    ),
    Spec(
        add_competitor,
        "rep",
        {
            "project_id": K.ID,
            "competitor_id": K.ID,
            "threat_level": K.CODE,
            "is_primary": K.FLAG,
            "quoted_amount": K.AMOUNT,
            "notes": K.TEXT,
        },
        lambda s: dict(
            project_id=s.project,
            competitor_id=s.competitor_free,
            threat_level="low",
            is_primary=True,
            quoted_amount="750000",
            notes="报价低",
        ),
    ),
    Spec(
        remove_competitor,
        "rep",
        {"project_id": K.ID, "competitor_id": K.ID},
        lambda s: dict(project_id=s.project, competitor_id=s.competitor),
    ),
    Spec(
        add_partner,
        "rep",
        {"project_id": K.ID, "partner_id": K.ID, "partner_role": K.CODE, "notes": K.TEXT},
        lambda s: dict(
            project_id=s.project, partner_id=s.partner, partner_role="consultant", notes="总包"
        ),
    ),
    Spec(
        remove_partner,
        "rep",
        {"project_id": K.ID, "partner_id": K.ID},
        lambda s: dict(project_id=s.project, partner_id=s.partner),
    ),
    Spec(
        create_quote,
        "rep",
        {
            "project_id": K.ID,
            "quote_date": K.DATE,
            "valid_until": K.DATE,
            "lines": quote_lines,
            "notes": K.TEXT,
        },
        lambda s: dict(
            project_id=s.project,
            quote_date=TODAY,
            valid_until=SOON,
            lines=[QuoteLineInput("FT-2900", 2, None, "0.05")],
            notes="含三年维保",
        ),
        with_input(QuoteInput),
    ),
    Spec(
        set_quote_status,
        "rep",
        {"quote_id": K.ID, "status": K.CODE},
        lambda s: dict(quote_id=s.quote, status="sent"),
    ),
    # --- projects ---
    Spec(
        create_project,
        "rep",
        {
            "name": K.TEXT,
            "customer_id": K.ID,
            "sales_mode": K.CODE,
            "expected_amount": K.AMOUNT,
            "expected_close_date": K.DATE,
            "industry": K.CODE,
            "budget_amount": K.AMOUNT,
            "description": K.TEXT,
            "owner_id": K.ID,
            "external_id": K.TEXT,
        },
        lambda s: dict(
            name="电厂DCS改造二期",
            customer_id=s.customer,
            sales_mode="project_type",
            expected_amount="1,200,000",
            expected_close_date=SOON,
            industry=None,
            budget_amount="1500000",
            description="二期工程",
            owner_id=None,
            external_id=None,
        ),
        with_input(ProjectInput),
    ),
    Spec(
        assign_owner,
        "manager",
        {
            "project_id": K.ID,
            "new_owner_id": K.ID,
            "expected_version": K.VERSION,
            "note": K.TEXT,
        },
        lambda s: dict(
            project_id=s.project, new_owner_id=s.org.rep2, expected_version=None, note="调整分工"
        ),
        fields_named=("owner_id",),
    ),
    Spec(
        move_stage,
        "rep",
        {"project_id": K.ID, "stage_code": K.CODE, "expected_version": K.VERSION, "note": K.TEXT},
        lambda s: dict(
            project_id=s.project,
            stage_code="si_presales_proposal",
            expected_version=None,
            note="方案已提交",
        ),
        fields_named=("stage",),
    ),
    Spec(
        change_forecast,
        "rep",
        {
            "project_id": K.ID,
            "expected_amount": K.AMOUNT,
            "expected_close_date": K.DATE,
            "expected_version": K.VERSION,
            "note": K.TEXT,
        },
        lambda s: dict(
            project_id=s.project,
            expected_amount="900000",
            expected_close_date=SOON,
            expected_version=None,
            note="客户压价",
        ),
    ),
    Spec(
        close_won,
        "rep",
        {
            "project_id": K.ID,
            "amount": K.AMOUNT,
            "signed_date": K.DATE,
            "contract_no": K.TEXT,
            "quote_id": K.ID,
            "lines": contract_lines,
            "notes": K.TEXT,
            "expected_version": K.VERSION,
        },
        lambda s: dict(
            project_id=s.project,
            amount="980000",
            signed_date=TODAY,
            contract_no="HT-2026-001",
            quote_id=None,
            lines=[LineInput(s.product, 2, "490000")],
            notes="首付30%",
            expected_version=None,
        ),
        with_input(CloseWonInput, ("project_id",), ("expected_version",)),
    ),
    Spec(
        close_lost,
        "rep",
        {
            "project_id": K.ID,
            "loss_reason": K.CODE,
            "note": K.TEXT,
            "closed_date": K.DATE,
            "expected_version": K.VERSION,
        },
        lambda s: dict(
            project_id=s.project,
            loss_reason="other",
            note="客户转向国产",
            closed_date=TODAY,
            expected_version=None,
        ),
    ),
    Spec(
        reopen,
        "manager",
        {"project_id": K.ID, "note": K.TEXT, "expected_version": K.VERSION},
        lambda s: dict(project_id=s.project_lost, note="客户重启招标", expected_version=None),
    ),
    Spec(
        add_member,
        "rep",
        {"project_id": K.ID, "user_id": K.ID, "member_role": K.CODE},
        lambda s: dict(project_id=s.project, user_id=s.org.manager, member_role="project_manager"),
    ),
    Spec(
        remove_member,
        "rep",
        {"project_id": K.ID, "user_id": K.ID},
        lambda s: dict(project_id=s.project, user_id=s.org.rep2),
    ),
    # --- reference data ---
    Spec(
        upsert_lookup,
        "admin",
        {
            "kind": K.CODE,
            "code": K.CODE,
            "name_zh": K.TEXT,
            "name_en": K.TEXT,
            "is_active": K.FLAG,
            "parent": K.CODE,
        },
        lambda s: dict(
            kind="department",
            code="east",
            name_zh="华东区",
            name_en="East Region",
            is_active=True,
            parent="industrial_it",
        ),
    ),
    Spec(
        upsert_lookup,
        "admin",
        {
            "kind": K.CODE,
            "code": K.CODE,
            "name_zh": K.TEXT,
            "name_en": K.TEXT,
            "category": K.CODE,
        },
        lambda s: dict(
            kind="loss_reason",
            code="price_too_high",
            name_zh="价格太高",
            name_en="Price far too high",
            category="price",
        ),
        label="reference.upsert:loss_reason",
    ),
    Spec(
        deactivate_lookup,
        "admin",
        {"kind": K.CODE, "code": K.CODE},
        lambda s: dict(kind="industry", code="education"),
    ),
    Spec(
        upsert_stage,
        "admin",
        {
            "sales_mode": K.CODE,
            "code": K.CODE,
            "name_zh": K.TEXT,
            "name_en": K.TEXT,
            "stage_order": K.INT,
            "default_probability": K.AMOUNT,
            "forecast_category": K.CODE,
            "is_won_stage": K.FLAG,
            "is_active": K.FLAG,
        },
        lambda s: dict(
            sales_mode="si_supply",
            code="si_negotiation",
            name_zh="商务洽谈",
            name_en="Negotiation",
            stage_order=5,
            default_probability="0.85",
            forecast_category="commit",
            is_won_stage=False,
            is_active=True,
        ),
    ),
    Spec(
        deactivate_stage,
        "admin",
        {"sales_mode": K.CODE, "code": K.CODE},
        lambda s: dict(sales_mode="si_supply", code="si_presales_proposal"),
    ),
    Spec(
        create_sales_mode_with_stages,
        "admin",
        {"code": K.CODE, "name_zh": K.TEXT, "name_en": K.TEXT, "stages": stage_list},
        lambda s: dict(
            code="tender",
            name_zh="招投标",
            name_en="Tender",
            stages=[
                StageInput("t_bid", "投标", "Bid", "0.3", "pipeline"),
                StageInput("t_won", "中标", "Won", "1", "closed", True),
            ],
        ),
    ),
    # --- expenses and reports ---
    Spec(create_expense, "rep", EXPENSE_KINDS, expense_form, with_input(ExpenseInput)),
    Spec(
        update_expense,
        "rep",
        {"expense_id": K.ID, **EXPENSE_KINDS},
        lambda s: dict(expense_id=s.expense, **expense_form(s)),
        with_input(ExpenseInput, ("expense_id",)),
    ),
    Spec(delete_expense, "rep", {"expense_id": K.ID}, lambda s: dict(expense_id=s.expense)),
    Spec(
        create_report,
        "rep",
        {"title": K.TEXT, "expense_ids": K.IDS},
        lambda s: dict(title="六月差旅", expense_ids=[s.expense]),
    ),
    Spec(
        add_to_report,
        "rep",
        {"report_id": K.ID, "expense_ids": K.IDS, "expected_version": K.VERSION},
        lambda s: dict(report_id=s.report_draft, expense_ids=[s.expense], expected_version=None),
    ),
    Spec(
        remove_from_report,
        "rep",
        {"report_id": K.ID, "expense_ids": K.IDS, "expected_version": K.VERSION},
        lambda s: dict(
            report_id=s.report_draft, expense_ids=[s.expense_in_draft], expected_version=None
        ),
    ),
    Spec(
        delete_report,
        "rep",
        {"report_id": K.ID, "expected_version": K.VERSION},
        lambda s: dict(report_id=s.report_draft, expected_version=None),
    ),
    Spec(
        submit_report,
        "rep",
        {"report_id": K.ID, "expected_version": K.VERSION},
        lambda s: dict(report_id=s.report_draft, expected_version=None),
    ),
    Spec(
        approve_report,
        "manager",
        {"report_id": K.ID, "comment": K.TEXT, "expected_version": K.VERSION},
        lambda s: dict(report_id=s.report_submitted, comment="同意", expected_version=None),
    ),
    Spec(
        reject_report,
        "manager",
        {"report_id": K.ID, "comment": K.TEXT, "expected_version": K.VERSION},
        lambda s: dict(report_id=s.report_submitted, comment="缺发票", expected_version=None),
    ),
    Spec(
        mark_paid,
        "finance",
        {"report_id": K.ID, "expected_version": K.VERSION},
        lambda s: dict(report_id=s.report_approved, expected_version=None),
    ),
    # The submission token every form sends: not a field, but input all the same.
    Spec(
        create_competitor,
        "rep",
        {"name": K.TEXT, "idempotency_key": K.SECRET},
        lambda s: dict(name="Emerson", idempotency_key="form-1"),
        label="idempotency_key",
    ),
]
SPEC_IDS = [spec.id for spec in SPECS]


def every_command() -> dict[str, Callable[..., Any]]:
    """Every `@command` in ingest/commands, found by importing each module."""
    found: dict[str, Callable[..., Any]] = {}
    for module_info in pkgutil.iter_modules(ingest.commands.__path__):
        module = importlib.import_module(f"ingest.commands.{module_info.name}")
        for value in vars(module).values():
            name = getattr(value, "command_name", None) if inspect.isfunction(value) else None
            if isinstance(name, str):
                found[name] = value
    return found


def test_every_command_has_a_hostile_spec() -> None:
    """A new command must come with its spec here, or this fails."""
    covered = {spec.command.command_name for spec in SPECS}  # type: ignore[attr-defined]
    assert set(every_command()) - covered == set()
    assert len(SPEC_IDS) == len(set(SPEC_IDS))


def test_every_spec_is_a_valid_call(hostile_store: HostileStore) -> None:
    """The baseline of each spec is accepted, so a hostile value is what a refusal is about."""
    for spec in SPECS:
        hostile_store.reset()
        scene = hostile_store.scene
        values = spec.valid(scene)
        actor = getattr(scene.org, spec.actor)
        spec.call(spec.command, hostile_store.engine, actor, values)


# --- the store: one scene, copied for every example ---------------------------------------


@dataclass
class HostileStore:
    engine: Engine
    scene: Scene
    template: Path
    path: Path
    dirty: bool = False  # something may have been written since the last reset

    def run(self, spec: Spec, drawn: tuple[dict[str, Any], dict[str, Any]]) -> str:
        """One example on the scene; a refusal writes nothing, so only an acceptance (or a
        crash) costs the next example a reset."""
        if self.dirty:
            self.reset()
        self.dirty = True
        outcome = run_example(self.engine, spec, self.scene, drawn)
        self.dirty = outcome != "refused"
        return outcome

    def reset(self) -> None:
        """Back to the scene: close the pool, copy the file over, drop the WAL."""
        self.dirty = False
        self.engine.dispose()
        for suffix in ("-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.template, self.path)


@pytest.fixture(scope="module")
def scene_template(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> tuple[Path, Scene]:
    path = tmp_path_factory.mktemp("hostile") / "scene.db"
    shutil.copyfile(sqlite_template, path)
    engine = get_engine(f"sqlite:///{path}")
    scene = build_scene(engine)
    with engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    engine.dispose()
    return path, scene


@pytest.fixture
def hostile_store(scene_template: tuple[Path, Scene], tmp_path: Path) -> Iterator[HostileStore]:
    template, scene = scene_template
    path = tmp_path / "crm.db"
    shutil.copyfile(template, path)
    store = HostileStore(get_engine(f"sqlite:///{path}"), scene, template, path)
    yield store
    store.engine.dispose()


# --- the property ---------------------------------------------------------------------------


def draw_call(
    data: st.DataObject, spec: Spec, scene: Scene
) -> tuple[dict[str, Any], dict[str, tuple[Kind, Any]]]:
    """The valid call with one or two fields replaced by hostile values: the values of the
    call, and the kind and value of every field the spec describes."""
    values = spec.valid(scene)
    names = data.draw(st.lists(st.sampled_from(list(spec.kinds)), min_size=1, max_size=2))
    for name in dict.fromkeys(names):
        kind = spec.kinds[name]
        strategy = hostile(kind, scene.ids()) if isinstance(kind, Kind) else kind(scene)
        values[name] = data.draw(strategy, label=name)
    given = {
        name: (kind if isinstance(kind, Kind) else Kind.FORMS, values[name])
        for name, kind in spec.kinds.items()
    }
    return values, given


def make_call(
    engine: Engine, spec: Spec, scene: Scene, values: dict[str, Any]
) -> Callable[[], Any]:
    actor = getattr(scene.org, spec.actor)

    def call() -> Any:
        if "idempotency_key" in spec.kinds:
            return spec.command(engine, actor, **values)
        return spec.call(spec.command, engine, actor, dict(values))

    return call


def run_example(
    engine: Engine, spec: Spec, scene: Scene, drawn: tuple[dict[str, Any], dict[str, Any]]
) -> str:
    values, given = drawn
    call = make_call(engine, spec, scene, values)
    return check_outcome(
        engine, call, given=given, known_fields=spec.known_fields(), columns=spec.columns
    )


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
@settings(
    max_examples=EXAMPLES_PER_SPEC,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
@given(data=st.data())
def test_hostile_input_is_refused_or_stored_as_given(
    hostile_store: HostileStore, spec: Spec, data: st.DataObject
) -> None:
    hostile_store.run(spec, draw_call(data, spec, hostile_store.scene))
    EXAMPLES[f"commands:{spec.id}"] += 1


# --- every field, the worst values: what random draws may miss --------------------------

WORST: dict[Kind, list[Any]] = {
    Kind.TEXT: ["x" * 10_000, "a\x00b", ["x"], "\u202eexe.pdf"],
    Kind.SECRET: ["x" * 10_000, ["x"] * 8],
    Kind.CODE: ["x" * 10_000, "power\x00", ["power"]],
    Kind.ID: [2**63, True, "1", [1]],
    Kind.IDS: [[2**63], "1", [[1]]],
    Kind.VERSION: [True, "1", 2**63],
    Kind.AMOUNT: [Decimal("sNaN"), float("inf"), "1e400", [1]],
    Kind.INT: [10**5000, "1e3", True],
    Kind.DATE: ["0001-01-01T00:00:00+01:00", dt.datetime.max, [1]],
    Kind.DATETIME: ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", [1]],
    Kind.FLAG: ["false", None],
    Kind.LIST: [None, "power", [["power"]]],
}


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_every_field_takes_the_worst(hostile_store: HostileStore, spec: Spec) -> None:
    """Each field of the valid call in turn gets each of the worst values of its kind."""
    scene = hostile_store.scene
    for name, kind in spec.kinds.items():
        for value in WORST.get(kind, []) if isinstance(kind, Kind) else [None, "x", [None]]:
            values = {**spec.valid(scene), name: value}
            given = {
                n: (k if isinstance(k, Kind) else Kind.FORMS, values[n])
                for n, k in spec.kinds.items()
            }
            hostile_store.run(spec, (values, given))
            EXAMPLES[f"worst:{spec.id}"] += 1


# --- PostgreSQL: column lengths and types are enforced there ------------------------------

PG_SPECS = [
    s
    for s in SPECS
    if s.id
    in {
        "customer.create",
        "contact.create",
        "user.add",
        "product.create",
        "competitor.create",
        "lead.create",
        "activity.create",
        "expense.create",
        "project.create",
        "quote.create",
        "target.set",
        "idempotency_key",
    }
]


@pytest.fixture(scope="module")
def pg_scene(pg_url: str) -> tuple[Engine, Scene]:
    engine = get_engine(pg_url)
    _reset_postgres(engine)
    return engine, build_scene(engine)


@pytest.mark.postgres
@pytest.mark.parametrize("spec", PG_SPECS, ids=[s.id for s in PG_SPECS])
@settings(
    max_examples=PG_EXAMPLES_PER_SPEC,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
@given(data=st.data())
def test_hostile_input_on_postgres(
    pg_scene: tuple[Engine, Scene], spec: Spec, data: st.DataObject
) -> None:
    """Without a reset between examples (a PostgreSQL copy costs too much): these commands
    create rows, so what an accepted example leaves behind does not change the next."""
    engine, scene = pg_scene
    drawn = draw_call(data, spec, scene)
    run_example(engine, spec, scene, drawn)
    EXAMPLES[f"commands-pg:{spec.id}"] += 1


# --- what the properties found: each of these crashed or was taken as something else -----

MODE_WITH = StageInput("zz_won", "赢单", "Won", "1", "closed", True)
FOUND: list[tuple[str, dict[str, Any], dict[str, str]]] = [
    # ids: out of BIGINT range (OverflowError on SQLite), of the wrong type (the driver's
    # binding error, or SQLAlchemy's for a dict), a bool taken as the row with id 1
    ("customer.promote", {"customer_id": 2**63}, {"customer_id": "not_found"}),
    ("customer.promote", {"customer_id": Decimal(1)}, {"customer_id": "not_found"}),
    ("customer.promote", {"customer_id": {"id": 1}}, {"customer_id": "not_found"}),
    ("lead.reject", {"lead_id": True}, {"lead_id": "not_found"}),
    ("project.remove_member", {"user_id": 2**63}, {"user_id": "not_member"}),
    ("project_competitor.remove", {"competitor_id": [1]}, {"competitor_id": "not_found"}),
    ("lead.update", {"owner_id": []}, {"owner_id": "not_found"}),
    ("expense_report.create", {"expense_ids": 1}, {"expense_ids": "malformed"}),
    ("expense_report.remove", {"expense_ids": [[1]]}, {"expense_ids": "not_found"}),
    ("project.close_won", {"quote_id": 2**63, "lines": []}, {"quote_id": "not_found"}),
    ("project.move_stage", {"expected_version": True}, {GENERAL: "stale"}),
    # text of the wrong type was stored as its str(); codes of the wrong type crashed
    ("competitor.create", {"name": ["ABB"]}, {"name": "expected_text"}),
    ("lead.create", {"contact_name": ["王工"]}, {"contact_name": "expected_text"}),
    ("lead.create", {"source": ["other"]}, {"source": "invalid_choice"}),
    ("project.move_stage", {"stage_code": ["si_negotiation"]}, {"stage": "invalid_choice"}),
    ("reference.deactivate", {"code": ("education",)}, {"code": "invalid_choice"}),
    # flags: bool("false") is True
    ("product.create", {"is_active": "false"}, {"is_active": "invalid_choice"}),
    ("project_competitor.set", {"is_primary": "no"}, {"is_primary": "invalid_choice"}),
    # lists of sub-forms that are not lists of forms
    ("quote.create", {"lines": None}, {"lines": "lines_required"}),
    ("quote.create", {"lines": "FT-2900"}, {"lines": "malformed"}),
    ("project.close_won", {"lines": [None]}, {"lines.0": "malformed"}),
    ("sales_mode.create_with_stages", {"stages": 3}, {"stages": "malformed"}),
    ("sales_mode.create_with_stages", {"stages": [None, MODE_WITH]}, {"stages.0": "malformed"}),
    ("user.add", {"password": ["x"] * 10}, {"password": "password_too_short"}),
    ("user.add", {"industries": None}, {"industries": "malformed"}),
    # a submission token the key table cannot hold or look up
    ("idempotency_key", {"idempotency_key": ["k"]}, {GENERAL: "malformed"}),
    ("idempotency_key", {"idempotency_key": "k" * 101}, {GENERAL: "malformed"}),
    # year 1 east of UTC has no UTC time (OverflowError)
    (
        "activity.create",
        {"planned_at": "0001-01-01T00:00:00+01:00"},
        {"planned_at": "not_a_datetime"},
    ),
]


@pytest.mark.parametrize(("spec_id", "hostile_values", "codes"), FOUND)
def test_what_the_properties_found(
    hostile_store: HostileStore, spec_id: str, hostile_values: dict[str, Any], codes: dict[str, str]
) -> None:
    spec = SPECS[SPEC_IDS.index(spec_id)]
    scene = hostile_store.scene
    values = {**spec.valid(scene), **hostile_values}
    before = fingerprint(hostile_store.engine)
    with pytest.raises(CommandError) as refused:
        make_call(hostile_store.engine, spec, scene, values)()
    assert refused.value.codes == codes
    assert fingerprint(hostile_store.engine) == before


# --- which hostile-looking text is text, and which is refused -----------------------------

KEPT = [
    ("name", "[点击领奖](http://evil.example/phish)"),
    ("name", "![x](http://e.example/a.png)"),
    ("name", '=HYPERLINK("http://evil.example","点我")'),
    ("name", "+1"),
    ("name", "-1+2"),
    ("name", "@SUM(A1:A9)"),
    ("name", "A&B <> C"),
    ("strengths", "第一行\n\t第二行\r\n第三行"),
    ("strengths", "从网页粘贴的\u200b文字\ufeff"),
]


@pytest.mark.parametrize(("field_name", "value"), KEPT)
def test_markdown_formulas_and_pasted_notes_are_kept_as_typed(
    hostile_store: HostileStore, field_name: str, value: str
) -> None:
    """Rendering and exports make these inert; the store keeps what the user typed."""
    values = {"name": "Emerson", "strengths": None, field_name: value}
    competitor_id = create_competitor(hostile_store.engine, hostile_store.scene.org.rep, **values)
    with hostile_store.engine.connect() as conn:
        stored = conn.execute(
            text(f"select {field_name} from competitors where id = :id"), {"id": competitor_id}
        ).scalar_one()
    assert stored == value.strip()


REFUSED = [
    ("name", "合同\u202efdp.exe", "bidi_control"),
    ("name", "\u2066admin\u2069", "bidi_control"),
    ("name", "Emerson\u200f", "bidi_control"),
    ("strengths", "好\u202e坏", "bidi_control"),
    ("name", "Sie\u200bmens", "invisible_chars"),
    ("name", "Emer\u00adson", "invisible_chars"),
    ("name", "第一行\n第二行", "line_break"),
    ("name", "a\tb", "line_break"),
    ("name", "a\rb", "line_break"),
    ("name", "a\x85b", "control_chars"),
    ("strengths", "\x1b[31m红字", "control_chars"),
]


@pytest.mark.parametrize(("field_name", "value", "code"), REFUSED)
def test_invisible_controls_are_refused_with_a_field_message(
    hostile_store: HostileStore, field_name: str, value: str, code: str
) -> None:
    values = {"name": "Emerson", "strengths": None, field_name: value}
    before = fingerprint(hostile_store.engine)
    with pytest.raises(CommandError) as refused:
        create_competitor(hostile_store.engine, hostile_store.scene.org.rep, **values)
    assert refused.value.codes == {field_name: code}
    assert all(refused.value.texts(locale)[field_name] for locale in ("zh_CN", "en"))
    assert fingerprint(hostile_store.engine) == before
