"""The marts agree exactly with numbers computed independently from the operational store.

The small demo company is seeded, refreshed in full, and every key number is recomputed
from the store's own tables (orchestration.reconcile, never from dbt models). Then records
change through the domain commands, an incremental refresh runs, and everything is
compared again.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from ingest.commands.customers import CustomerInput, update_customer
from ingest.commands.expenses import ExpenseInput, create_expense, delete_expense
from ingest.commands.project_links import remove_contact_role, set_contact_role
from ingest.commands.projects import (
    CloseWonInput,
    change_forecast,
    close_lost,
    close_won,
    move_stage,
    reopen,
)
from ingest.commands.users import UserInput, add_user
from ingest.store.db import get_engine, read_session
from ingest.store.models import (
    Contact,
    Customer,
    CustomerType,
    Expense,
    Industry,
    Project,
    ProjectContact,
    Region,
    Stage,
)
from orchestration.reconcile import read_store, stage_visits
from orchestration.refresh import run_refresh
from tests.support.company import AS_OF, seeded_company
from tests.support.import_files import import_export
from tests.support.reconciliation import Company, compare_everything, mart


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Company]:
    """A copy of the small demo company (seed 7, refreshed in full as of AS_OF) that these
    tests may change: the dashboards' tests share the original."""
    root = tmp_path_factory.mktemp("company")
    shutil.copytree(seeded_company(tmp_path_factory).root, root, dirs_exist_ok=True)
    engine = get_engine(f"sqlite:///{root / 'crm.db'}")
    yield Company(engine, root / "warehouse" / "build.duckdb")
    engine.dispose()


def test_marts_reconcile_with_the_store(company) -> None:
    assert mart(company, "select count(*) from fct_opportunities")[0][0] > 5000
    compare_everything(company)


def test_changes_through_commands_reconcile_after_an_incremental_refresh(company) -> None:
    engine = company.engine
    with read_session(engine) as s:
        open_projects = s.scalars(
            select(Project).where(Project.status == "open").order_by(Project.id).limit(4)
        ).all()
        won = s.scalars(select(Project).where(Project.status == "won").order_by(Project.id)).first()
        loose_expense = s.scalars(
            select(Expense).where(Expense.report_id.is_(None)).order_by(Expense.id)
        ).first()
        next_stage = {
            p.id: s.scalars(
                select(Stage.code)
                .where(Stage.sales_mode_id == p.sales_mode_id, Stage.id != p.stage_id)
                .where(Stage.is_won_stage.is_(False))
                .order_by(Stage.stage_order.desc())
            ).first()
            for p in open_projects
        }
    first, second, third, fourth = open_projects
    move_stage(engine, None, first.id, next_stage[first.id])
    change_forecast(engine, None, second.id, expected_amount="2345678.90")
    close_won(engine, None, third.id, CloseWonInput(amount="888888.88", signed_date=AS_OF))
    close_lost(engine, None, fourth.id, "competitor_won", note="对手低价")
    reopen(engine, None, won.id, note="合同未生效，重新谈判")
    create_expense(
        engine,
        None,
        ExpenseInput(
            category="meals",
            amount="321.09",
            incurred_date=AS_OF,
            project_id=first.id,
            owner_id=first.owner_id,
        ),
    )
    if loose_expense is not None:
        delete_expense(engine, loose_expense.owner_id, loose_expense.id)
    # the customer of a project with expenses moves region: its lines follow
    with read_session(engine) as s:
        customer = s.get(Customer, first.customer_id)
        other_region = s.scalars(
            select(Region.code).where(Region.id != customer.region_id).order_by(Region.id)
        ).first()
        kept = {
            "name": customer.name,
            "customer_type": s.get(CustomerType, customer.customer_type_id).code,
            "industry": s.get(Industry, customer.industry_id).code,
            "status": customer.status,
        }
    update_customer(engine, None, first.customer_id, CustomerInput(**kept, region=other_region))
    # decision trees: the only decision maker of an open project is taken off (a tombstone),
    # and a contact of another one's customer is mapped as its decision maker
    with read_session(engine) as s:
        makers = select(ProjectContact).where(ProjectContact.decision_role == "decision_maker")
        lone = next(
            link
            for link in s.scalars(makers.join(Project).where(Project.status == "open"))
            if s.scalars(makers.where(ProjectContact.project_id == link.project_id)).all() == [link]
        )
        gone = (lone.project_id, lone.contact_id)
        contact = s.scalars(
            select(Contact.id).where(Contact.customer_id == second.customer_id).order_by(Contact.id)
        ).first()
    remove_contact_role(engine, None, *gone)
    set_contact_role(engine, None, second.id, contact, "decision_maker", "supportive")

    summary = run_refresh(as_of=str(AS_OF), engine=engine, warehouse=company.warehouse)

    assert not summary.full and 0 < summary.extracted.rows < 100
    assert mart(company, f"select status from fct_opportunities where project_id = {won.id}") == [
        ("open",)
    ]
    assert mart(company, f"select count(*) from fct_contracts where project_id = {won.id}") == [
        (0,)
    ]
    has_maker = "select has_decision_maker from fct_opportunities where project_id = "
    assert mart(company, has_maker + str(gone[0])) == [(False,)]
    assert mart(company, has_maker + str(second.id)) == [(True,)]
    compare_everything(company)


def test_deals_migrated_from_salesforce_and_hubspot_reconcile(company) -> None:
    """Exports of other CRMs bring lost deals without an amount (kept as 0), closed deals
    without an expected close date and deals without a creation date, in pipelines of
    their own: the dbt tests still pass and the marts still agree with the store."""
    engine = company.engine
    for username, name in (("hs_lina", "Li Na"), ("hs_wangwei", "Wang Wei")):
        add_user(
            engine,
            None,
            UserInput(username, name, "rep", "long-password-1", department="north"),
        )
    for data, mapping in (
        ("salesforce/User.csv", "salesforce_users"),
        ("salesforce/Account.csv", "salesforce_accounts"),
        ("salesforce/Opportunity.csv", "salesforce_opportunities"),
        ("hubspot/companies.csv", "hubspot_companies"),
        ("hubspot/deals.csv", "hubspot_deals"),
    ):
        report = import_export(engine, data, mapping)
        assert report.ok and report.written, report.text("en")

    run_refresh(as_of=str(AS_OF), engine=engine, warehouse=company.warehouse)

    lost = mart(
        company,
        "select count(*), sum(expected_amount) from fct_opportunities"
        " where status = 'lost' and sales_mode_code in ('salesforce', 'hubspot')",
    )
    assert lost == [(4, 0)]
    compare_everything(company)


def test_an_incremental_refresh_on_a_later_day_ages_the_open_visits(company) -> None:
    """Open projects' current visits grow older with the as-of date, without new entries."""
    later = AS_OF + dt.timedelta(days=3)
    run_refresh(as_of=str(later), engine=company.engine, warehouse=company.warehouse)
    actual_visits = mart(
        company,
        "select project_id, visit_number, stage_code, days_in_stage from fct_stage_transitions",
    )
    store = read_store(company.engine)
    expected = stage_visits(store, later)
    assert expected != stage_visits(store, AS_OF)  # open visits did age
    assert {(p, n): (s, d) for p, n, s, d in actual_visits} == expected
