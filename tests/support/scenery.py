"""A little of everything, made through the domain commands, so every page has rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine

from ingest.commands.catalog import ProductInput, create_product
from ingest.commands.customers import ContactInput, create_contact
from ingest.commands.expenses import ExpenseInput, create_expense, create_report, submit_report
from ingest.commands.leads import LeadInput, create_lead
from tests.support.factories import make_customer, make_project
from tests.support.org import Org


@dataclass
class Scenery:
    customer_id: int
    contact_id: int
    project_id: int
    lead_id: int
    expense_id: int
    report_id: int


def build(engine: Engine, org: Org) -> Scenery:
    customer_id = make_customer(engine, org.rep, "华北电力设计院")
    contact_id = create_contact(engine, org.rep, ContactInput(customer_id, "张工", title="总工"))
    project_id = make_project(engine, org.rep, customer_id, "si_supply", name="电厂DCS改造")
    lead_id = create_lead(
        engine, org.rep, LeadInput("东方石化", "phone_inquiry", contact_name="李经理")
    )
    create_product(
        engine, org.steward, ProductInput("FT-3000", "容错服务器", "FT server", "server", "250000")
    )
    expense_id = create_expense(
        engine,
        org.rep,
        ExpenseInput("travel", "1280.50", dt.date.today(), project_id=project_id),
    )
    report_id = create_report(engine, org.rep, "三月差旅", [expense_id])
    submit_report(engine, org.rep, report_id)
    return Scenery(customer_id, contact_id, project_id, lead_id, expense_id, report_id)
