"""The home page is each role's cockpit: the items it shows are those an independent query
of the store finds for that user (and never another rep's), each links to where it is
worked with the record chosen there, and an activity is marked done in place."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import pytest
from sqlalchemy import Engine, text

from ingest.commands.activities import ActivityInput, create_activity
from ingest.commands.expenses import (
    ExpenseInput,
    approve_report,
    create_expense,
    create_report,
    submit_report,
)
from ingest.commands.leads import LeadInput, create_lead
from ingest.commands.targets import set_target
from ingest.store.db import write_session
from ingest.store.models import Activity, ImportRun
from tests.support.app_widgets import one, shown, successes
from tests.support.factories import make_customer, make_project
from tests.support.org import Org
from tests.support.scenery import build
from web import charts, numbers

TODAY = dt.date.today()
QUARTER_START = dt.date(TODAY.year, 3 * ((TODAY.month - 1) // 3) + 1, 1)


@dataclass
class World:
    rep_activities: list[int]  # due today or overdue, the rep's
    rep_later: int  # the rep's, planned next week: not due
    rep2_due: int  # another rep's, due today


def plan(engine: Engine, owner: int, project_id: int, subject: str, when: dt.datetime) -> int:
    return create_activity(
        engine,
        owner,
        ActivityInput("call", subject, planned_at=when, project_id=project_id),
    )


@pytest.fixture
def world(store: Engine, company: Org) -> World:
    """Scenery (rep's project, lead, submitted form, a prospect), plus: activities of two
    reps, targets, a second rep's lead and forms at each of finance's steps."""
    scenery = build(store, company)
    midnight = dt.datetime.combine(TODAY, dt.time())
    overdue = plan(
        store, company.rep, scenery.project_id, "逾期回访", midnight - dt.timedelta(days=2)
    )
    due = plan(
        store, company.rep, scenery.project_id, "今日拜访", midnight + dt.timedelta(hours=10)
    )
    later = plan(
        store, company.rep, scenery.project_id, "下周演示", midnight + dt.timedelta(days=8)
    )
    other_project = make_project(
        store, company.rep2, name="水厂项目", expected_close_date=QUARTER_START
    )
    rep2_due = plan(store, company.rep2, other_project, "别人的行动", midnight)
    # this quarter: the rep's project closes in it; targets for its first two months
    make_project(
        store,
        company.rep,
        name="本季度项目",
        expected_amount=Decimal("600000.00"),
        expected_close_date=QUARTER_START + dt.timedelta(days=20),
    )
    for months, amount in ((0, "500000"), (1, "700000")):
        month = (QUARTER_START + dt.timedelta(days=31 * months)).replace(day=1)
        set_target(store, company.manager, month, amount, user_id=company.rep)
    set_target(store, company.manager_b, QUARTER_START, "999999", user_id=company.rep_b)
    create_lead(store, company.rep2, LeadInput("南方水务", "phone_inquiry", contact_name="钱工"))
    create_lead(store, company.rep_b, LeadInput("别队的线索", "phone_inquiry", contact_name="孙工"))
    # rep2's forms: one approved by the manager (finance approves), one by finance (to pay)
    for title, steps in (("待财务审批", 1), ("待支付", 2)):
        expense = create_expense(
            store, company.rep2, ExpenseInput("travel", "300", TODAY, project_id=other_project)
        )
        report = create_report(store, company.rep2, title, [expense])
        submit_report(store, company.rep2, report)
        approve_report(store, company.manager, report)
        if steps == 2:
            approve_report(store, company.finance, report)
    with write_session(store) as session:
        session.add(
            ImportRun(
                file_name="客户.csv",
                checksum="0" * 64,
                entity="customers",
                chunk_size=500,
                status="done",
                rows_committed=1234,
            )
        )
    return World([overdue, due], later, rep2_due)


def rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params))


def links(at) -> list[tuple[str, dict[str, list[str]], str]]:
    """(page, query, label) of every page link on the page."""
    return [
        (link.proto.page, parse_qs(link.proto.query_string), link.proto.label)
        for link in at.get("page_link")
    ]


def ids_linked(at, page: str, param: str) -> set[int]:
    return {int(query[param][0]) for target, query, _ in links(at) if target == page}


def done_buttons(at) -> set[int]:
    return {
        int(button.key.rsplit(".", 1)[1])
        for button in at.button
        if button.key and button.key.startswith("home.done.")
    }


def tomorrow_midnight() -> dt.datetime:
    return dt.datetime.combine(TODAY + dt.timedelta(days=1), dt.time())


def test_the_rep_cockpit_shows_the_reps_own_items(app, store, company, world) -> None:
    at = app(company.rep)
    assert not at.exception, at.exception
    # greeted by the display name, no second language switch or sign-out on the page
    assert at.subheader[0].value == "Welcome, rep"
    assert "home.language" not in at.session_state and "home.sign_out" not in at.session_state
    assert [r.key for r in at.radio] == ["i18n.switcher"]

    due = rows(
        store,
        "select id from activities where owner_id = :rep and status = 'planned'"
        " and planned_at < :until order by planned_at",
        rep=company.rep,
        until=tomorrow_midnight(),
    )
    assert done_buttons(at) == {r.id for r in due} == set(world.rep_activities)
    assert world.rep_later not in done_buttons(at) and world.rep2_due not in done_buttons(at)
    # each activity opens its project's workspace
    project_of = dict(rows(store, "select id, project_id from activities"))
    assert ids_linked(at, "project", "project") == {project_of[i] for i in world.rep_activities}
    assert any("Overdue" in label for _, _, label in links(at))

    waiting = rows(
        store,
        "select id from leads where owner_id = :rep and status = 'new'",
        rep=company.rep,
    )
    assert ids_linked(at, "leads", "lead") == {r.id for r in waiting}

    pipeline = rows(
        store,
        "select coalesce(sum(expected_amount), 0) from projects where owner_id = :rep"
        " and status = 'open' and expected_close_date between :start and :end",
        rep=company.rep,
        start=QUARTER_START,
        end=(QUARTER_START + dt.timedelta(days=92)).replace(day=1) - dt.timedelta(days=1),
    )[0][0]
    target = rows(
        store,
        "select sum(amount) from targets where user_id = :rep and period_month >= :start",
        rep=company.rep,
        start=QUARTER_START,
    )[0][0]
    metrics = {m.label: m.value for m in at.metric}
    helps = {m.label: m.help for m in at.metric}
    # compact on the card, exact in its help
    assert metrics["Pipeline closing this quarter"] == numbers.money(pipeline, "en")
    assert f"{Decimal(str(pipeline)):,.2f}" in helps["Pipeline closing this quarter"]
    assert metrics["Target this quarter"] == "1.2M"
    assert f"{Decimal(str(target)):,.2f}" == "1,200,000.00"
    assert "1,200,000.00" in helps["Target this quarter"]
    coverage = Decimal(str(pipeline)) / Decimal(str(target))
    assert metrics["Coverage"] == charts.rate_text(coverage.quantize(Decimal("0.0001")))
    # no snapshot published yet: said politely, no error
    assert any("not published yet" in shown(info.value) for info in at.info)
    assert not at.error


def test_an_activity_is_marked_done_in_place(app, store, company, world) -> None:
    at = app(company.rep)
    overdue = world.rep_activities[0]
    at.button(key=f"home.done.{overdue}").click().run()
    assert not at.exception, at.exception
    assert one(store, Activity, Activity.id == overdue).status == "done"
    assert "Activity done" in successes(at)
    assert done_buttons(at) == {world.rep_activities[1]}
    assert at.title[0].value == "Home"  # still on the cockpit


def test_the_manager_cockpit_shows_the_team_queue(app, store, company, world) -> None:
    at = app(company.manager)
    assert not at.exception, at.exception
    team = (company.manager, company.rep, company.rep2)
    queue = rows(
        store,
        f"select id from leads where status = 'new' and owner_id in {team}",
    )
    assert ids_linked(at, "qualify", "lead") == {r.id for r in queue}
    forms = rows(
        store,
        "select r.id from expense_reports as r join users as u on u.id = r.owner_id"
        " where r.status = 'submitted' and u.manager_id = :manager",
        manager=company.manager,
    )
    assert ids_linked(at, "approvals", "report") == {r.id for r in forms}
    assert forms  # the scenery's submitted form
    team_target = rows(
        store,
        f"select sum(amount) from targets where user_id in {team} and period_month >= :start",
        start=QUARTER_START,
    )[0][0]
    card = {m.label: m for m in at.metric}["Target this quarter"]
    assert card.value == numbers.money(team_target, "en")
    assert f"{Decimal(str(team_target)):,.2f}" in card.help
    # the other team's lead is not the manager's to qualify
    other = rows(store, "select id from leads where owner_id = :rep", rep=company.rep_b)
    assert not ids_linked(at, "qualify", "lead") & {r.id for r in other}


def test_the_finance_cockpit_splits_approving_and_paying(app, store, company, world) -> None:
    at = app(company.finance, lang="zh_CN")
    assert not at.exception, at.exception
    by_status = {
        status: {
            r.id for r in rows(store, "select id from expense_reports where status = :s", s=status)
        }
        for status in ("manager_approved", "approved")
    }
    headings = [h.value for h in at.subheader]
    assert "待审批的报销单 (1)" in headings and "待支付的报销单 (1)" in headings
    linked = [int(q["report"][0]) for page, q, _ in links(at) if page == "approvals"]
    assert linked == [*by_status["manager_approved"], *by_status["approved"]]


def test_the_steward_cockpit_lists_prospects_and_imports(app, store, company, world) -> None:
    at = app(company.steward)
    assert not at.exception, at.exception
    prospects = rows(store, "select name from customers where status = 'prospect'")
    searched = [q["search"][0] for page, q, _ in links(at) if page == "steward"]
    assert sorted(searched) == sorted(r.name for r in prospects)
    imports = [label for page, _, label in links(at) if page == "import_data"]
    assert len(imports) == 1 and "1,234 rows" in imports[0] and "done" in imports[0]


def test_the_executive_cockpit_waits_for_a_snapshot(app, company, world) -> None:
    at = app(company.executive)
    assert not at.exception, at.exception
    assert "Company headline KPIs" in [h.value for h in at.subheader]
    assert any("not published yet" in shown(info.value) for info in at.info)


def test_a_rep_never_sees_another_reps_items(app, store, company, world) -> None:
    at = app(company.rep2)
    assert done_buttons(at) == {world.rep2_due}
    mine = rows(
        store, "select id from leads where owner_id = :r and status = 'new'", r=company.rep2
    )
    assert ids_linked(at, "leads", "lead") == {r.id for r in mine}
    assert not done_buttons(at) & set(world.rep_activities)
    others = rows(store, "select id from leads where owner_id != :r", r=company.rep2)
    assert not ids_linked(at, "leads", "lead") & {r.id for r in others}


def test_a_cockpit_link_opens_the_record_chosen(app, store, company, world) -> None:
    manager = app(company.manager)
    report = next(iter(ids_linked(manager, "approvals", "report")))
    leads = ids_linked(manager, "qualify", "lead")
    assert len(leads) == 2
    lead = min(leads)  # not the queue's first (the newest): chosen by the link
    manager.query_params["report"] = str(report)
    manager.switch_page("views/approvals.py").run()
    assert not manager.exception, manager.exception
    assert manager.selectbox(key="approvals.pick").value == report
    assert "report" not in manager.query_params  # the user may pick another now

    manager.query_params["lead"] = str(lead)
    manager.switch_page("views/qualify.py").run()
    assert manager.selectbox(key="qualify.lead").value == lead
    assert manager.selectbox(key="qualify.lead").options[0] != manager.selectbox(
        key="qualify.lead"
    ).format_func(lead)

    rep = app(company.rep)
    lead = next(iter(ids_linked(rep, "leads", "lead")))
    rep.query_params["lead"] = str(lead)
    rep.switch_page("views/leads.py").run()
    assert not rep.exception, rep.exception
    assert rep.selectbox(key="leads.edit_pick").value == lead


def test_no_prospect_of_the_steward_unlinked(app, store, company, world) -> None:
    """A second prospect shows up on the next visit: the list follows the store."""
    make_customer(store, company.rep2, "新的潜在客户")
    at = app(company.steward)
    searched = {q["search"][0] for page, q, _ in links(at) if page == "steward"}
    assert "新的潜在客户" in searched
