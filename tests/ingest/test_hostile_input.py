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
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, text

import ingest.commands
from ingest.commands.activities import ActivityInput, create_activity, create_issue
from ingest.commands.base import GENERAL, CommandError
from ingest.commands.catalog import ProductInput, create_competitor, create_partner, create_product
from ingest.commands.customers import ContactInput, CustomerInput
from ingest.commands.expenses import (
    ExpenseInput,
    approve_report,
    create_expense,
    create_report,
    submit_report,
)
from ingest.commands.leads import LeadInput, QualifyInput, create_lead
from ingest.commands.project_links import (
    QuoteInput,
    QuoteLineInput,
    add_competitor,
    add_partner,
    create_quote,
    set_contact_role,
)
from ingest.commands.projects import CloseWonInput, LineInput, ProjectInput
from ingest.commands.reference_admin import StageInput
from ingest.commands.users import UserInput
from ingest.store.db import get_engine
from tests.support.factories import add_member, make_contact, make_customer, make_project
from tests.support.hostile import EXAMPLES, Kind, check_outcome, fingerprint, hostile, repeatable
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
    add_member(engine, project, org.rep2, "sales")
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


# A field's kind (what hostile values it gets: a Kind, a strategy built on the scene, or
# FIXED, none: it keeps its valid value) and its value in the valid call.
FieldKind = Kind | Callable[[Scene], st.SearchStrategy[Any]] | None
Field = tuple[FieldKind, Any]
FIXED = None


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


# Every command by its name (`@command`'s `command_name`, the name a spec gives).
COMMANDS = every_command()


@dataclass(frozen=True)
class Spec:
    name: str  # the command's name
    actor: str  # the Org attribute of who calls it
    form: Callable[[Scene], dict[str, Field]]  # every field once: its kind and valid value
    call: Call = keywords
    label: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # field → column it is stored in
    fields_named: tuple[str, ...] = ()  # error fields beyond the parameters and form fields

    @property
    def command(self) -> Callable[..., Any]:
        return COMMANDS[self.name]

    @property
    def id(self) -> str:
        return self.label or self.name

    def valid(self, scene: Scene) -> dict[str, Any]:
        """The valid call on the scene."""
        return {name: value for name, (_, value) in self.form(scene).items()}

    def kinds(self, scene: Scene) -> dict[str, FieldKind]:
        """The kind of every field a hostile value may replace."""
        return {name: kind for name, (kind, _) in self.form(scene).items() if kind is not FIXED}

    def known_fields(self, scene: Scene) -> set[str]:
        names = set(self.kinds(scene)) | set(self.fields_named)
        for parameter in inspect.signature(self.command.body).parameters.values():  # type: ignore[attr-defined]
            names.add(parameter.name)
            if is_dataclass(parameter.annotation):
                names.update(f.name for f in fields(parameter.annotation))
        return names


def without_key(values: dict[str, Field]) -> dict[str, Field]:
    """The form fields an update ignores: `external_id` of customers, contacts and products
    (the import key is set when an import creates the row and no form changes it)."""
    return {name: value for name, value in values.items() if name != "external_id"}


def customer_fields(s: Scene) -> dict[str, Field]:
    return {
        "name": (K.TEXT, "华北电力设计院"),
        "customer_type": (K.CODE, "end_user"),
        "industry": (K.CODE, "power"),
        "region": (K.CODE, "north_china"),
        "status": (K.CODE, "prospect"),
        "owner_id": (K.ID, None),
        "city": (K.TEXT, "北京"),
        "address": (K.TEXT, "西城区南礼士路"),
        "phone": (K.TEXT, "010-6841 2233"),
        "notes": (K.TEXT, "老客户"),
        "external_id": (K.TEXT, None),
    }


def contact_fields(s: Scene) -> dict[str, Field]:
    return {
        "customer_id": (K.ID, s.customer),
        "name": (K.TEXT, "赵工"),
        "title": (K.TEXT, "总工"),
        "phone": (K.TEXT, "138 0000 1111"),
        "email": (K.TEXT, "zhao@example.com"),
        "notes": (K.TEXT, None),
        "external_id": (K.TEXT, None),
    }


def product_fields(s: Scene) -> dict[str, Field]:
    return {
        "code": (K.TEXT, "FT-4900"),
        "name_zh": (K.TEXT, "容错服务器 4900"),
        "name_en": (K.TEXT, "ftServer 4900"),
        "category": (K.CODE, "server"),
        "list_price": (K.AMOUNT, "350,000.00"),
        "is_active": (K.FLAG, True),
        "external_id": (K.TEXT, None),
    }


def lead_fields(s: Scene) -> dict[str, Field]:
    return {
        "company_name": (K.TEXT, "沧州石化"),
        "source": (K.CODE, "industry_news"),
        "contact_name": (K.TEXT, "孙工"),
        "phone": (K.TEXT, "0317-1234567"),
        "industry": (K.CODE, "petrochemical"),
        "region": (K.CODE, "north_china"),
        "customer_id": (K.ID, None),
        "description": (K.TEXT, "扩建项目"),
        "owner_id": (K.ID, None),
        "external_id": (K.TEXT, None),
    }


def expense_fields(s: Scene) -> dict[str, Field]:
    return {
        "category": (K.CODE, "meals"),
        "amount": (K.AMOUNT, "88.00"),
        "incurred_date": (K.DATE, TODAY),
        "project_id": (K.ID, s.project),
        "customer_id": (K.ID, None),
        "description": (K.TEXT, "客户午餐"),
        "external_id": (K.TEXT, None),
        "owner_id": (K.ID, None),
    }


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
    Spec("customer.create", "rep", customer_fields, with_input(CustomerInput)),
    Spec(
        "customer.update",
        "rep",
        lambda s: {
            "customer_id": (K.ID, s.customer),
            "expected_version": (K.VERSION, None),
            **without_key(customer_fields(s)),
        },
        with_input(CustomerInput, ("customer_id",), ("expected_version",)),
    ),
    Spec("customer.promote", "steward", lambda s: {"customer_id": (K.ID, s.customer)}),
    Spec("contact.create", "rep", contact_fields, with_input(ContactInput)),
    Spec(
        "contact.update",
        "rep",
        lambda s: {
            "contact_id": (K.ID, s.contact),
            **without_key(contact_fields(s)),
            # a contact stays with the customer it was created for
            "customer_id": (FIXED, s.customer),
        },
        with_input(ContactInput, ("contact_id",)),
    ),
    # --- users ---
    Spec(
        "user.add",
        "admin",
        lambda s: {
            "username": (K.TEXT, "xiaoli"),
            "display_name": (K.TEXT, "李小利"),
            "role": (K.CODE, "rep"),
            "password": (K.SECRET, "long-password"),
            "department": (K.CODE, "north"),
            "region": (K.CODE, "north_china"),
            "manager_id": (K.ID, s.org.manager),
            "email": (K.TEXT, "xiaoli@example.com"),
            "locale": (K.CODE, "zh_CN"),
            "industries": (K.LIST, ["power"]),
            "external_id": (K.TEXT, None),
        },
        with_input(UserInput),
    ),
    Spec("user.disable", "admin", lambda s: {"user_id": (K.ID, s.org.rep2)}),
    Spec(
        "user.set_password",
        "rep",
        lambda s: {"user_id": (K.ID, s.org.rep), "password": (K.SECRET, "another-long-password")},
    ),
    Spec(
        "user.set_locale",
        "rep",
        lambda s: {"user_id": (K.ID, s.org.rep), "locale": (K.CODE, "en")},
    ),
    Spec(
        "target.set",
        "manager",
        lambda s: {
            "period_month": (K.DATE, SOON),
            "amount": (K.AMOUNT, "500000"),
            "user_id": (K.ID, s.org.rep),
            "department": (K.CODE, None),
        },
    ),
    # --- products, competitors, partners ---
    Spec("product.create", "steward", product_fields, with_input(ProductInput)),
    Spec(
        "product.update",
        "steward",
        lambda s: {"product_id": (K.ID, s.product), **without_key(product_fields(s))},
        with_input(ProductInput, ("product_id",)),
    ),
    Spec(
        "competitor.create",
        "rep",
        lambda s: {"name": (K.TEXT, "Honeywell"), "strengths": (K.TEXT, "DCS 市场占有率高")},
    ),
    Spec(
        "partner.create",
        "rep",
        lambda s: {"name": (K.TEXT, "华南设计院"), "partner_type": (K.CODE, "design_institute")},
    ),
    Spec(
        "competitor.deactivate",
        "admin",
        lambda s: {"competitor_id": (K.ID, s.competitor_free)},
    ),
    Spec("partner.deactivate", "admin", lambda s: {"partner_id": (K.ID, s.partner)}),
    # --- leads ---
    Spec("lead.create", "rep", lead_fields, with_input(LeadInput)),
    Spec(
        "lead.update",
        "rep",
        lambda s: {"lead_id": (K.ID, s.lead), **lead_fields(s)},
        with_input(LeadInput, ("lead_id",)),
    ),
    Spec(
        "lead.qualify",
        "manager",
        lambda s: {
            "lead_id": (K.ID, s.lead),
            "name": (K.TEXT, "宏泰电厂改造"),
            "sales_mode": (K.CODE, "si_supply"),
            "expected_amount": (K.AMOUNT, "800000"),
            "expected_close_date": (K.DATE, SOON),
            "industry": (K.CODE, "power"),
            "owner_id": (K.ID, None),
            "customer_type": (K.CODE, "end_user"),
            "region": (K.CODE, None),
            "budget_amount": (K.AMOUNT, None),
            "description": (K.TEXT, "预算已批"),
        },
        with_input(QualifyInput, ("lead_id",)),
    ),
    Spec(
        "lead.reject",
        "manager",
        lambda s: {"lead_id": (K.ID, s.lead), "reason": (K.TEXT, "重复线索")},
        columns={"reason": "reject_reason"},
    ),
    # --- activities and issues ---
    Spec(
        "activity.create",
        "rep",
        lambda s: {
            "activity_type": (K.CODE, "visit"),
            "subject": (K.TEXT, "技术交流"),
            "planned_at": (K.DATETIME, TOMORROW_9),
            "project_id": (K.ID, s.project),
            "customer_id": (K.ID, None),
            "contact_id": (K.ID, s.contact),
            "status": (K.CODE, "planned"),
            "done_at": (K.DATETIME, None),
            "notes": (K.TEXT, "带样机"),
            "external_id": (K.TEXT, None),
        },
        with_input(ActivityInput),
    ),
    Spec(
        "activity.complete",
        "rep",
        lambda s: {
            "activity_id": (K.ID, s.activity),
            "done_at": (K.DATETIME, None),
            "notes": (K.TEXT, "客户有意向"),
        },
    ),
    Spec(
        "activity.update",
        "rep",
        lambda s: {
            "activity_id": (K.ID, s.activity),
            "planned_at": (K.DATETIME, None),
            "subject": (K.TEXT, "改期"),
            "notes": (K.TEXT, None),
        },
    ),
    Spec(
        "project_issue.create",
        "rep",
        lambda s: {
            "project_id": (K.ID, s.project),
            "title": (K.TEXT, "资质"),
            "description": (K.TEXT, "缺证书"),
            "severity": (K.CODE, "high"),
        },
    ),
    Spec(
        "project_issue.resolve",
        "rep",
        lambda s: {"issue_id": (K.ID, s.issue), "resolution": (K.TEXT, "已协调")},
    ),
    # --- project links and quotes ---
    Spec(
        "project_contact.set",
        "rep",
        lambda s: {
            "project_id": (K.ID, s.project),
            "contact_id": (K.ID, s.contact),
            "decision_role": (K.CODE, "influencer"),
            "attitude": (K.CODE, "supportive"),
            "notes": (K.TEXT, "技术负责人"),
        },
    ),
    Spec(
        "project_contact.remove",
        "rep",
        lambda s: {"project_id": (K.ID, s.project), "contact_id": (K.ID, s.contact)},
    ),
    Spec(
        "project_competitor.set",
        "rep",
        lambda s: {
            "project_id": (K.ID, s.project),
            "competitor_id": (K.ID, s.competitor_free),
            "threat_level": (K.CODE, "low"),
            "is_primary": (K.FLAG, True),
            "quoted_amount": (K.AMOUNT, "750000"),
            "notes": (K.TEXT, "报价低"),
        },
    ),
    Spec(
        "project_competitor.remove",
        "rep",
        lambda s: {"project_id": (K.ID, s.project), "competitor_id": (K.ID, s.competitor)},
    ),
    Spec(
        "project_partner.set",
        "rep",
        lambda s: {
            "project_id": (K.ID, s.project),
            "partner_id": (K.ID, s.partner),
            "partner_role": (K.CODE, "consultant"),
            "notes": (K.TEXT, "总包"),
        },
    ),
    Spec(
        "project_partner.remove",
        "rep",
        lambda s: {"project_id": (K.ID, s.project), "partner_id": (K.ID, s.partner)},
    ),
    Spec(
        "quote.create",
        "rep",
        lambda s: {
            "project_id": (K.ID, s.project),
            "quote_date": (K.DATE, TODAY),
            "valid_until": (K.DATE, SOON),
            "lines": (quote_lines, [QuoteLineInput("FT-2900", 2, None, "0.05")]),
            "notes": (K.TEXT, "含三年维保"),
        },
        with_input(QuoteInput),
    ),
    Spec(
        "quote.set_status",
        "rep",
        lambda s: {"quote_id": (K.ID, s.quote), "status": (K.CODE, "sent")},
    ),
    # --- projects ---
    Spec(
        "project.create",
        "rep",
        lambda s: {
            "name": (K.TEXT, "电厂DCS改造二期"),
            "customer_id": (K.ID, s.customer),
            "sales_mode": (K.CODE, "project_type"),
            "expected_amount": (K.AMOUNT, "1,200,000"),
            "expected_close_date": (K.DATE, SOON),
            "industry": (K.CODE, None),
            "budget_amount": (K.AMOUNT, "1500000"),
            "description": (K.TEXT, "二期工程"),
            "owner_id": (K.ID, None),
            "external_id": (K.TEXT, None),
        },
        with_input(ProjectInput),
    ),
    Spec(
        "project.assign_owner",
        "manager",
        lambda s: {
            "project_id": (K.ID, s.project),
            "new_owner_id": (K.ID, s.org.rep2),
            "expected_version": (K.VERSION, None),
            "note": (K.TEXT, "调整分工"),
        },
        fields_named=("owner_id",),
    ),
    Spec(
        "project.move_stage",
        "rep",
        lambda s: {
            "project_id": (K.ID, s.project),
            "stage_code": (K.CODE, "si_presales_proposal"),
            "expected_version": (K.VERSION, None),
            "note": (K.TEXT, "方案已提交"),
        },
        fields_named=("stage",),
    ),
    Spec(
        "project.change_forecast",
        "rep",
        lambda s: {
            "project_id": (K.ID, s.project),
            "expected_amount": (K.AMOUNT, "900000"),
            "expected_close_date": (K.DATE, SOON),
            "expected_version": (K.VERSION, None),
            "note": (K.TEXT, "客户压价"),
        },
    ),
    Spec(
        "project.close_won",
        "rep",
        lambda s: {
            "project_id": (K.ID, s.project),
            "amount": (K.AMOUNT, "980000"),
            "signed_date": (K.DATE, TODAY),
            "contract_no": (K.TEXT, "HT-2026-001"),
            "quote_id": (K.ID, None),
            "lines": (contract_lines, [LineInput(s.product, 2, "490000")]),
            "notes": (K.TEXT, "首付30%"),
            "expected_version": (K.VERSION, None),
        },
        with_input(CloseWonInput, ("project_id",), ("expected_version",)),
    ),
    Spec(
        "project.close_lost",
        "rep",
        lambda s: {
            "project_id": (K.ID, s.project),
            "loss_reason": (K.CODE, "other"),
            "note": (K.TEXT, "客户转向国产"),
            "closed_date": (K.DATE, TODAY),
            "expected_version": (K.VERSION, None),
        },
    ),
    Spec(
        "project.reopen",
        "manager",
        lambda s: {
            "project_id": (K.ID, s.project_lost),
            "note": (K.TEXT, "客户重启招标"),
            "expected_version": (K.VERSION, None),
        },
    ),
    Spec(
        "project.add_member",
        "rep",
        lambda s: {
            "project_id": (K.ID, s.project),
            "user_id": (K.ID, s.org.manager),
            "member_role": (K.CODE, "project_manager"),
        },
    ),
    Spec(
        "project.remove_member",
        "rep",
        lambda s: {"project_id": (K.ID, s.project), "user_id": (K.ID, s.org.rep2)},
    ),
    # --- reference data ---
    Spec(
        "reference.upsert",
        "admin",
        lambda s: {
            "kind": (K.CODE, "department"),
            "code": (K.CODE, "east"),
            "name_zh": (K.TEXT, "华东区"),
            "name_en": (K.TEXT, "East Region"),
            "is_active": (K.FLAG, True),
            "parent": (K.CODE, "industrial_it"),
        },
    ),
    Spec(
        "reference.upsert",
        "admin",
        lambda s: {
            "kind": (K.CODE, "loss_reason"),
            "code": (K.CODE, "price_too_high"),
            "name_zh": (K.TEXT, "价格太高"),
            "name_en": (K.TEXT, "Price far too high"),
            "category": (K.CODE, "price"),
        },
        label="reference.upsert:loss_reason",
    ),
    Spec(
        "reference.deactivate",
        "admin",
        lambda s: {"kind": (K.CODE, "industry"), "code": (K.CODE, "education")},
    ),
    Spec(
        "stage.upsert",
        "admin",
        lambda s: {
            "sales_mode": (K.CODE, "si_supply"),
            "code": (K.CODE, "si_negotiation"),
            "name_zh": (K.TEXT, "商务洽谈"),
            "name_en": (K.TEXT, "Negotiation"),
            "stage_order": (K.INT, 5),
            "default_probability": (K.AMOUNT, "0.85"),
            "forecast_category": (K.CODE, "commit"),
            "is_won_stage": (K.FLAG, False),
            "is_active": (K.FLAG, True),
        },
    ),
    Spec(
        "stage.deactivate",
        "admin",
        lambda s: {"sales_mode": (K.CODE, "si_supply"), "code": (K.CODE, "si_presales_proposal")},
    ),
    Spec(
        "sales_mode.create_with_stages",
        "admin",
        lambda s: {
            "code": (K.CODE, "tender"),
            "name_zh": (K.TEXT, "招投标"),
            "name_en": (K.TEXT, "Tender"),
            "stages": (
                stage_list,
                [
                    StageInput("t_bid", "投标", "Bid", "0.3", "pipeline"),
                    StageInput("t_won", "中标", "Won", "1", "closed", True),
                ],
            ),
        },
    ),
    # --- expenses and reports ---
    Spec("expense.create", "rep", expense_fields, with_input(ExpenseInput)),
    Spec(
        "expense.update",
        "rep",
        lambda s: {"expense_id": (K.ID, s.expense), **expense_fields(s)},
        with_input(ExpenseInput, ("expense_id",)),
    ),
    Spec("expense.delete", "rep", lambda s: {"expense_id": (K.ID, s.expense)}),
    Spec(
        "expense_report.create",
        "rep",
        lambda s: {"title": (K.TEXT, "六月差旅"), "expense_ids": (K.IDS, [s.expense])},
    ),
    Spec(
        "expense_report.add",
        "rep",
        lambda s: {
            "report_id": (K.ID, s.report_draft),
            "expense_ids": (K.IDS, [s.expense]),
            "expected_version": (K.VERSION, None),
        },
    ),
    Spec(
        "expense_report.remove",
        "rep",
        lambda s: {
            "report_id": (K.ID, s.report_draft),
            "expense_ids": (K.IDS, [s.expense_in_draft]),
            "expected_version": (K.VERSION, None),
        },
    ),
    Spec(
        "expense_report.delete",
        "rep",
        lambda s: {"report_id": (K.ID, s.report_draft), "expected_version": (K.VERSION, None)},
    ),
    Spec(
        "expense_report.submit",
        "rep",
        lambda s: {"report_id": (K.ID, s.report_draft), "expected_version": (K.VERSION, None)},
    ),
    Spec(
        "expense_report.approve",
        "manager",
        lambda s: {
            "report_id": (K.ID, s.report_submitted),
            "comment": (K.TEXT, "同意"),
            "expected_version": (K.VERSION, None),
        },
    ),
    Spec(
        "expense_report.reject",
        "manager",
        lambda s: {
            "report_id": (K.ID, s.report_submitted),
            "comment": (K.TEXT, "缺发票"),
            "expected_version": (K.VERSION, None),
        },
    ),
    Spec(
        "expense_report.pay",
        "finance",
        lambda s: {"report_id": (K.ID, s.report_approved), "expected_version": (K.VERSION, None)},
    ),
    # The submission token every form sends: not a field, but input all the same.
    Spec(
        "competitor.create",
        "rep",
        lambda s: {"name": (K.TEXT, "Emerson"), "idempotency_key": (K.SECRET, "form-1")},
        label="idempotency_key",
    ),
]
SPEC_IDS = [spec.id for spec in SPECS]


def test_every_command_has_a_hostile_spec() -> None:
    """A new command must come with its spec here, or this fails."""
    covered = {spec.name for spec in SPECS}
    assert set(COMMANDS) - covered == set()
    assert covered - set(COMMANDS) == set()  # and every spec names a command there is
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
    kinds = spec.kinds(scene)
    names = data.draw(st.lists(st.sampled_from(list(kinds)), min_size=1, max_size=2))
    for name in dict.fromkeys(names):
        kind = kinds[name]
        strategy = hostile(kind, scene.ids()) if isinstance(kind, Kind) else kind(scene)
        values[name] = data.draw(strategy, label=name)
    return values, given_values(spec, scene, values)


def given_values(spec: Spec, scene: Scene, values: dict[str, Any]) -> dict[str, tuple[Kind, Any]]:
    """The kind and value of every field the spec describes (a list of sub-forms: FORMS)."""
    return {
        name: (kind if isinstance(kind, Kind) else Kind.FORMS, values[name])
        for name, kind in spec.kinds(scene).items()
    }


def make_call(
    engine: Engine, spec: Spec, scene: Scene, values: dict[str, Any]
) -> Callable[[], Any]:
    actor = getattr(scene.org, spec.actor)

    def call() -> Any:
        if "idempotency_key" in spec.kinds(scene):
            return spec.command(engine, actor, **values)
        return spec.call(spec.command, engine, actor, dict(values))

    return call


def run_example(
    engine: Engine, spec: Spec, scene: Scene, drawn: tuple[dict[str, Any], dict[str, Any]]
) -> str:
    values, given = drawn
    call = make_call(engine, spec, scene, values)
    return check_outcome(
        engine, call, given=given, known_fields=spec.known_fields(scene), columns=spec.columns
    )


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
@repeatable(EXAMPLES_PER_SPEC)
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
    for name, kind in spec.kinds(scene).items():
        for value in WORST.get(kind, []) if isinstance(kind, Kind) else [None, "x", [None]]:
            values = {**spec.valid(scene), name: value}
            hostile_store.run(spec, (values, given_values(spec, scene, values)))
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
@repeatable(PG_EXAMPLES_PER_SPEC)
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
