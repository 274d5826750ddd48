"""Each form's happy path and a refusal, checked against the store; input kept on error;
a repeated submit creates nothing twice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from ingest.commands.leads import LeadInput, create_lead
from ingest.store.models import (
    Activity,
    Competitor,
    Contact,
    Customer,
    Expense,
    ExpenseReport,
    Lead,
    LossReason,
    Project,
    ProjectCompetitor,
    ProjectStageHistory,
    Stage,
    Target,
    User,
)
from tests.support.app_widgets import count, errors, fill, one, submit, successes, widget
from tests.support.org import Org
from tests.support.scenery import build


def rep_in_workspace(app: Any, store: Engine, company: Org) -> tuple[Any, int]:
    """The rep on the workspace of the scenery's project, run once: the session and the
    project's id."""
    pid = build(store, company).project_id
    at = app(company.rep)
    at.session_state["workspace.project_id"] = pid
    at.switch_page("views/project.py").run()
    return at, pid


def test_lead_capture_refusal_keeps_input_then_saves_once(app, store: Engine, company: Org) -> None:
    at = app(company.rep, "views/leads.py")
    before = count(store, Lead)
    fill(at, "lead_create", company_name="", phone="abc")
    submit(at, "lead_create")
    shown = errors(at)
    assert any("This field is required" in text for text in shown)
    assert any("Enter a valid phone number" in text for text in shown)
    assert widget(at, "text_input", "lead_create", "phone").value == "abc"  # kept
    assert count(store, Lead) == before

    fill(at, "lead_create", company_name="东方石化", phone="010-88886666")
    submit(at, "lead_create")
    assert not at.exception
    assert any("Lead saved" in text for text in successes(at))
    lead = one(store, Lead, Lead.company_name == "东方石化")
    assert (lead.owner_id, lead.phone, lead.status) == (company.rep, "010-88886666", "new")
    assert widget(at, "text_input", "lead_create", "company_name").value == ""  # fresh form

    # The same values again (a double click, a resubmit after reload): nothing new.
    fill(at, "lead_create", company_name="东方石化", phone="010-88886666")
    submit(at, "lead_create")
    submit(at, "lead_create")
    assert count(store, Lead, Lead.company_name == "东方石化") == 1
    assert any("already saved" in element.value for element in at.info)


def test_manager_qualifies_a_lead_into_a_project_type_project(
    app, store: Engine, company: Org
) -> None:
    lead_id = create_lead(
        store,
        company.rep,
        LeadInput("华北水务集团", "design_institute", contact_name="王工", industry="power"),
    )
    at = app(company.manager, "views/qualify.py")
    at.selectbox(key="qualify.lead").set_value(lead_id).run()
    form = f"qualify_{lead_id}"
    fill(at, form, sales_mode="project_type", amount="")
    submit(at, form)
    assert any("This field is required" in text for text in errors(at))
    assert one(store, Lead, Lead.id == lead_id).status == "new"

    fill(at, form, amount="2,500,000")
    submit(at, form)
    assert not at.exception
    lead = one(store, Lead, Lead.id == lead_id)
    assert lead.status == "qualified"
    project = one(store, Project, Project.id == lead.converted_project_id)
    stage = one(store, Stage, Stage.id == project.stage_id)
    assert (project.owner_id, project.expected_amount) == (company.rep, Decimal("2500000.00"))
    assert stage.code == "pt_feasibility"


def test_manager_rejects_a_lead_only_with_a_reason(app, store: Engine, company: Org) -> None:
    lead_id = create_lead(store, company.rep, LeadInput("某公司", "web_search", phone="12345678"))
    at = app(company.manager, "views/qualify.py")
    submit(at, f"reject_{lead_id}")
    assert any("This field is required" in text for text in errors(at))
    fill(at, f"reject_{lead_id}", reason="预算不足，无项目")
    submit(at, f"reject_{lead_id}")
    lead = one(store, Lead, Lead.id == lead_id)
    assert (lead.status, lead.reject_reason) == ("rejected", "预算不足，无项目")


def test_workspace_stage_forecast_competitor_expense_issue(
    app, store: Engine, company: Org
) -> None:
    at, pid = rep_in_workspace(app, store, company)
    assert not at.exception

    fill(at, f"move_stage_{pid}", stage="si_proposal_delivered", note="方案已提交")
    submit(at, f"move_stage_{pid}")
    assert not at.exception
    project = one(store, Project, Project.id == pid)
    assert one(store, Stage, Stage.id == project.stage_id).code == "si_proposal_delivered"
    moves = (ProjectStageHistory.project_id == pid, ProjectStageHistory.change_type == "stage")
    assert count(store, ProjectStageHistory, *moves) == 1

    fill(at, f"forecast_{pid}", amount="-5")
    submit(at, f"forecast_{pid}")
    assert any("must not be negative" in text for text in errors(at))
    fill(at, f"forecast_{pid}", amount="1200000")
    submit(at, f"forecast_{pid}")
    assert one(store, Project, Project.id == pid).expected_amount == Decimal("1200000.00")

    at.session_state["workspace.tab"] = "Competitors & partners"  # only the open tab runs
    at.run()
    fill(at, f"competitor_{pid}", new_name="和利时", threat="high", primary=True)
    submit(at, f"competitor_{pid}")
    competitor = one(store, Competitor, Competitor.name == "和利时")
    link = one(store, ProjectCompetitor, ProjectCompetitor.project_id == pid)
    assert (link.competitor_id, link.threat_level, link.is_primary) == (competitor.id, "high", True)

    at.session_state["workspace.tab"] = "Expenses"
    at.run()
    fill(at, f"ws_expense_{pid}", category="meals", amount="12.345")
    submit(at, f"ws_expense_{pid}")
    assert any("at most two decimals" in text for text in errors(at))
    fill(at, f"ws_expense_{pid}", amount="356.00")
    submit(at, f"ws_expense_{pid}")
    assert count(store, Expense, Expense.project_id == pid, Expense.category == "meals") == 1

    at.session_state["workspace.tab"] = "Issues"
    at.run()
    fill(at, f"issue_{pid}", title="用户要求国产化")
    submit(at, f"issue_{pid}")
    at.session_state["workspace.tab"] = "Activities"
    at.run()
    fill(at, f"ws_activity_{pid}", subject="技术交流会")
    submit(at, f"ws_activity_{pid}")
    assert count(store, Activity, Activity.project_id == pid, Activity.status == "done") == 1


def test_close_lost_needs_a_reason(app, store: Engine, company: Org) -> None:
    at, pid = rep_in_workspace(app, store, company)
    at.button(key="ws.open_lost").click().run()
    submit(at, f"close_lost_{pid}")
    assert any("This field is required" in text for text in errors(at))
    assert one(store, Project, Project.id == pid).status == "open"
    fill(at, f"close_lost_{pid}", loss_reason="price_too_high", note="对手低价 15%")
    submit(at, f"close_lost_{pid}")
    project = one(store, Project, Project.id == pid)
    reason = one(store, LossReason, LossReason.id == project.loss_reason_id)
    assert (project.status, reason.code, project.loss_note) == (
        "lost",
        "price_too_high",
        "对手低价 15%",
    )


def test_close_won_generates_the_contract(app, store: Engine, company: Org) -> None:
    at, pid = rep_in_workspace(app, store, company)
    at.button(key="ws.open_won").click().run()
    fill(at, f"close_won_{pid}", amount="0")
    submit(at, f"close_won_{pid}")
    assert any("greater than 0" in text for text in errors(at))
    fill(at, f"close_won_{pid}", amount="980000")
    submit(at, f"close_won_{pid}")
    project = one(store, Project, Project.id == pid)
    assert project.status == "won"


def test_expense_report_submit_and_approvals_to_payment(app, store: Engine, company: Org) -> None:
    scenery = build(store, company)
    at = app(company.rep, "views/expenses.py")
    fill(at, "expense_create", category="transport", amount="88", project_id=scenery.project_id)
    submit(at, "expense_create")
    expense = one(store, Expense, Expense.category == "transport")
    assert expense.amount == Decimal("88.00") and expense.report_id is None

    at.switch_page("views/reports.py").run()
    submit(at, "report_create")
    assert any("This field is required" in text for text in errors(at))
    fill(at, "report_create", title="四月交通费", expense_ids=[expense.id])
    submit(at, "report_create")
    report = one(store, ExpenseReport, ExpenseReport.title == "四月交通费")
    assert report.status == "draft" and report.total_amount == Decimal("88.00")
    at.selectbox(key="reports.pick").set_value(report.id).run()
    at.button(key="reports.submit").click().run()
    assert one(store, ExpenseReport, ExpenseReport.id == report.id).status == "submitted"

    manager = app(company.manager, "views/approvals.py")
    manager.selectbox(key="approvals.pick").set_value(report.id).run()
    submit(manager, f"decide_{report.id}")  # the primary button approves
    assert one(store, ExpenseReport, ExpenseReport.id == report.id).status == "manager_approved"

    finance = app(company.finance, "views/approvals.py")
    finance.selectbox(key="approvals.pick").set_value(report.id).run()
    widget(finance, "button", f"decide_{report.id}", "reject").click().run()
    assert any("This field is required" in text for text in errors(finance))  # needs a comment
    assert one(store, ExpenseReport, ExpenseReport.id == report.id).status == "manager_approved"
    submit(finance, f"decide_{report.id}")
    assert one(store, ExpenseReport, ExpenseReport.id == report.id).status == "approved"
    finance.selectbox(key="approvals.pick").set_value(report.id).run()
    assert finance.get("download_button")  # the voucher
    finance.button(key="approvals.pay").click().run()
    assert one(store, ExpenseReport, ExpenseReport.id == report.id).status == "paid"


def test_steward_creates_formal_customers_and_promotes(app, store: Engine, company: Org) -> None:
    scenery = build(store, company)
    at = app(company.steward, "views/steward.py")
    submit(at, "formal_create")
    assert any("This field is required" in text for text in errors(at))
    fill(at, "formal_create", name="国家电网华北分部", industry="power", region="north_china")
    submit(at, "formal_create")
    assert one(store, Customer, Customer.name == "国家电网华北分部").status == "formal"
    assert one(store, Customer, Customer.id == scenery.customer_id).status == "prospect"


def test_rep_creates_prospect_and_contact(app, store: Engine, company: Org) -> None:
    at = app(company.rep, "views/customers.py")
    fill(at, "customer_create", name="南方电网", industry="power", region="south_china")
    submit(at, "customer_create")
    customer = one(store, Customer, Customer.name == "南方电网")
    assert (customer.status, customer.owner_id) == ("prospect", company.rep)
    at.selectbox(key="customers.pick").set_value(customer.id).run()
    form = f"contact_create_{customer.id}"
    fill(at, form, name="陈工", email="not-an-email")
    submit(at, form)
    assert any("valid email" in text for text in errors(at))
    fill(at, form, email="chen@example.com")
    submit(at, form)
    assert one(store, Contact, Contact.customer_id == customer.id).email == "chen@example.com"


def test_activity_plan_and_complete(app, store: Engine, company: Org) -> None:
    scenery = build(store, company)
    at = app(company.rep, "views/activities.py")
    fill(at, "activity_create", subject="", project_id=scenery.project_id)
    submit(at, "activity_create")
    assert any("This field is required" in text for text in errors(at))
    fill(at, "activity_create", subject="拜访张工")
    submit(at, "activity_create")
    activity = one(store, Activity, Activity.subject == "拜访张工")
    assert activity.status == "planned" and activity.project_id == scenery.project_id
    submit(at, "activity_complete")
    assert one(store, Activity, Activity.id == activity.id).status == "done"


def test_targets_and_admin_pages(app, store: Engine, company: Org) -> None:
    at = app(company.manager, "views/targets.py")
    fill(at, "target_set", user_id=company.rep, amount="")
    submit(at, "target_set")
    assert any("This field is required" in text for text in errors(at))
    fill(at, "target_set", amount="3000000")
    submit(at, "target_set")
    target = one(store, Target, Target.user_id == company.rep)
    assert target.amount == Decimal("3000000.00")
    assert target.period_month == dt.date.today().replace(day=1)

    admin = app(company.admin, "views/admin_users.py")
    fill(admin, "user_create", username="newrep", display_name="新销售", password="short")
    submit(admin, "user_create")
    assert any("at least 10 characters" in text for text in errors(admin))
    fill(admin, "user_create", password="long-enough-1")
    submit(admin, "user_create")
    created = one(store, User, User.username == "newrep")
    assert created.role == "rep" and created.must_change_password  # the admin's choice is temporary

    admin.switch_page("views/admin_reference.py").run()
    fill(admin, "lookup_loss_reason", code="Bad Code", name_zh="资质", name_en="Qualification")
    submit(admin, "lookup_loss_reason")
    assert any("lowercase" in text for text in errors(admin))
    fill(admin, "lookup_loss_reason", code="no_license", category="product_fit")
    submit(admin, "lookup_loss_reason")
    assert one(store, LossReason, LossReason.code == "no_license").category == "product_fit"


def test_import_page_dry_run_then_import(app, store: Engine, company: Org) -> None:
    from pathlib import Path

    from ingest.commands.users import UserInput, add_user

    for username, name in (("wangwei", "王伟"), ("lina", "李娜"), ("zhangmin", "张敏")):
        add_user(store, None, UserInput(username, name, "rep", "long-enough-1", department="north"))
    files = Path(__file__).resolve().parents[1] / "ingest" / "import_files"
    before = count(store, Customer)
    at = app(company.steward, "views/import_data.py")
    at.file_uploader(key="import.file").set_value(
        ("customers.csv", (files / "customers.csv").read_bytes(), "text/csv")
    )
    at.file_uploader(key="import.mapping").set_value(
        ("customers.yaml", (files / "customers.yaml").read_bytes(), "application/yaml")
    )
    at.button[0].click().run()
    assert not at.exception, at.exception
    report = at.code[0].value
    assert "Dry run, nothing written" in report and "would create 4" in report
    assert count(store, Customer) == before
    at.checkbox(key="import.dry_run").uncheck()
    at.button[0].click().run()
    assert "4 created" in at.code[0].value
    assert count(store, Customer) == before + 4
