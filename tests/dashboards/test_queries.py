"""The query module against an independent computation over the operational store.

Every KPI of every page, for an executive, a manager and a rep, under several filter
combinations: the dashboards (reading the published snapshot) and pandas (reading the
store's tables, see independent.py) must agree exactly — counts and amounts to the cent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import ui
from ingest.commands.base import Actor
from ingest.commands.projects import CloseWonInput, close_won
from ingest.store.db import changes_after, read_session
from ingest.store.models import utcnow
from orchestration.refresh import run_refresh
from tests.support import independent as ind
from tests.support.company import APP, AS_OF, Company
from tests.support.factories import first_open_project
from tests.support.signin import signed_in
from warehouse import reader
from warehouse.queries import (
    common,
    costs,
    forecast,
    options,
    pipeline,
    scorecard,
    velocity,
    win_loss,
)
from warehouse.queries import health as health_queries
from warehouse.queries import leads as leads_queries
from warehouse.scope import Filters, NotAllowed

STUCK_DAYS = 45
INACTIVE_DAYS = 30


@pytest.fixture(scope="module")
def store(company: Company) -> ind.Store:
    return ind.read_store(company.engine, AS_OF)


@pytest.fixture(scope="module")
def actors(store: ind.Store) -> dict[str, Actor]:
    """An executive, the manager with the largest team, and a rep of that team."""
    users = store.users
    executive = users[users.role == "executive"].iloc[0]
    teams = users[users.role == "rep"].groupby("manager_id").size()
    manager = users[users.id == int(teams.idxmax())].iloc[0]
    team = users[(users.manager_id == manager.id) & (users.role == "rep")]
    # the rep with the most projects, so their numbers are not trivially zero
    owned = store.projects.owner_id.value_counts()
    rep = team.loc[team.id.map(owned).fillna(0).idxmax()]
    return {
        row.role: Actor(id=int(row.id), role=row.role, department_id=int(row.department_id))
        for row in (executive, manager, rep)
    }


def filter_sets(store: ind.Store, actors: dict[str, Actor]) -> list[Filters]:
    rep = actors["rep"]
    department = store.users.set_index("id").department_code[rep.id]
    # the rep's most frequent region and industry, so every actor has rows to compare
    own = store.projects[store.projects.owner_id == rep.id]
    region, industry = own.region_code.mode()[0], own.industry_code.mode()[0]
    return [
        Filters(),
        Filters(start=dt.date(2026, 1, 1), end=dt.date(2026, 6, 30), region=region),
        Filters(
            start=dt.date(2025, 1, 1),
            end=AS_OF,
            sales_mode="si_supply",
            customer_type="end_user",
        ),
        Filters(start=dt.date(2024, 7, 1), end=dt.date(2025, 12, 31), industry=industry),
        Filters(start=dt.date(2025, 6, 1), end=AS_OF, department=department, rep=rep.id),
    ]


ROLES = ("executive", "manager", "rep")
CASES = [(role, n) for role in ROLES for n in range(5)]


@pytest.fixture(params=CASES, ids=[f"{r}-filters{n}" for r, n in CASES])
def case(request, store, actors) -> tuple[ind.Store, Actor, Filters]:
    role, n = request.param
    return store, actors[role], filter_sets(store, actors)[n]


def test_the_cases_are_not_trivial(store, actors) -> None:
    """A filter set that matches nothing would prove nothing."""
    for role in ROLES:
        for f in filter_sets(store, actors):
            assert ind.closed(store, actors[role], f).shape[0] > 0, (role, f)
    # the demo maps a decision maker on some projects and not on others, open and closed
    executive = actors["executive"]
    assert set(ind.win_rate_by_decision_maker(store, executive, Filters())) == {True, False}
    open_count = int((store.projects.status == "open").sum())
    assert 0 < len(ind.unmapped_open_projects(store, executive, Filters())) < open_count


def test_pipeline(case) -> None:
    store, actor, f = case
    assert pipeline.pipeline_kpis(f, actor, STUCK_DAYS) == ind.pipeline(store, actor, f, STUCK_DAYS)
    funnel = pipeline.pipeline_funnel(f, actor, "zh_CN")
    got = {
        (r.sales_mode_code, r.stage_code): (
            r.project_count,
            ind.money(r.open_amount),
            ind.money(r.weighted_amount),
        )
        for r in funnel.itertuples()
        if r.project_count
    }
    assert got == ind.funnel(store, actor, f)
    trend = {
        r.snapshot_date.date(): (
            r.project_count,
            ind.money(r.open_amount),
            ind.money(r.weighted_amount),
        )
        for r in pipeline.pipeline_trend(f, actor).itertuples()
    }
    assert trend == ind.pipeline_trend(store, actor, f) and trend
    changes = pipeline.pipeline_changes(f, actor, "en", (), None)
    assert dict(zip(changes.project_id, changes.change_type, strict=True)) == (
        ind.pipeline_changes(store, actor, f)
    )
    records = pipeline.pipeline_records(f, actor, "en", STUCK_DAYS, (), None)
    expected = ind.pipeline(store, actor, f, STUCK_DAYS)
    assert len(records) == expected["open_count"]
    assert int(records.is_stuck.sum()) == expected["stuck_count"]


def test_win_loss(case) -> None:
    store, actor, f = case
    assert win_loss.winloss_kpis(f, actor) == ind.win_loss(store, actor, f)
    reasons = win_loss.loss_reasons(f, actor, "en")
    assert {
        r.loss_reason_code: (r.lost_count, ind.money(r.lost_amount)) for r in reasons.itertuples()
    } == ind.loss_reasons(store, actor, f)
    trend = win_loss.win_rate_trend(f, actor)
    expected = ind.win_loss(store, actor, f)
    assert int(trend.won_count.sum()) == expected["won_count"]
    assert ind.total(trend.won_amount) == expected["won_amount"]
    by_rep = win_loss.win_rate_by(f, actor, "rep")
    closed = ind.closed(store, actor, f)
    assert {int(r.key): (r.won_count, r.lost_count) for r in by_rep.itertuples()} == {
        int(owner): (int((g.status == "won").sum()), int((g.status == "lost").sum()))
        for owner, g in closed.groupby("owner_id")
    }
    by_maker = win_loss.win_rate_by(f, actor, "decision_maker")
    expected_by_maker = ind.win_rate_by_decision_maker(store, actor, f)
    assert {
        bool(r.key): (r.won_count, r.lost_count, ind.money(r.won_amount), ind.money(r.lost_amount))
        for r in by_maker.itertuples()
    } == expected_by_maker
    for r in by_maker.itertuples():
        won, lost, won_amount, lost_amount = expected_by_maker[bool(r.key)]
        assert r.win_rate_by_count == pytest.approx(won / (won + lost), abs=5e-5)
        if won_amount + lost_amount:
            share = float(won_amount / (won_amount + lost_amount))
            assert r.win_rate_by_amount == pytest.approx(share, abs=5e-5)


def test_velocity(case) -> None:
    store, actor, f = case
    assert velocity.velocity_kpis(f, actor) == ind.velocity(store, actor, f)
    by_stage = velocity.velocity_by_stage(f, actor, "en")
    assert {
        (r.sales_mode_code, r.stage_code): (r.reached_count, r.converted_count)
        for r in by_stage.itertuples()
        if r.reached_count
    } == ind.conversion(store, actor, f)


def test_forecast(case) -> None:
    store, actor, f = case
    kpis = forecast.forecast_kpis(f, actor)
    kpis.pop("calibrated_weighted_amount")  # the calibration model is the mart's own
    assert kpis == ind.forecast(store, actor, f)


def test_costs(case) -> None:
    store, actor, f = case
    assert costs.cost_kpis(f, actor) == ind.costs(store, actor, f)
    table = costs.customer_costs(f, actor, None)
    assert {
        int(r.customer_id): (
            ind.money(r.expense_amount),
            ind.money(r.contract_amount),
            r.won_count,
            r.lost_count,
            ind.money(r.lost_expense_amount),
        )
        for r in table.itertuples()
    } == ind.customer_costs(store, actor, f)
    projects = costs.project_costs(f, actor, (), None)
    lines = ind.expenses(store, actor, f)
    lines = lines[lines.project_id.notna()]
    assert {
        int(r.project_id): ind.money(r.period_expense_amount) for r in projects.itertuples()
    } == {int(p): ind.total(g.amount) for p, g in lines.groupby("project_id")}


def test_leads(case) -> None:
    store, actor, f = case
    leads = ind.leads(store, actor, f)
    assert leads_queries.lead_kpis(f, actor) == ind.lead_counts(leads)
    by_source = leads_queries.leads_by_source(f, actor)
    assert {
        r.source_code: (r.lead_count, r.qualified_count, r.rejected_count)
        for r in by_source.itertuples()
    } == {
        source: (len(g), int((g.status == "qualified").sum()), int((g.status == "rejected").sum()))
        for source, g in leads.groupby("source_code")
    }


def test_scorecard(case) -> None:
    store, actor, f = case
    card = scorecard.rep_scorecard(f, actor).set_index("employee_id")
    closed = ind.closed(store, actor, f)
    won = closed[closed.status == "won"]
    for owner, g in won.groupby("owner_id"):
        assert ind.money(card.won_amount[owner]) == ind.total(g.amount)
    assert int(card.won_count.sum()) == len(won)
    done = ind.activities_done(store, actor, f)
    for employee in card.index:
        assert card.activity_count[employee] == done.get(employee, 0)


def test_deal_health(case) -> None:
    store, actor, f = case
    kpis = health_queries.health_kpis(f, actor, INACTIVE_DAYS)
    expected = ind.health_flags(store, actor, f, INACTIVE_DAYS)
    assert {flag: kpis[f"{flag}_count"] for flag in expected} == expected
    assert kpis["open_count"] == ind.pipeline(store, actor, f, STUCK_DAYS)["open_count"]
    # the records of one warning are exactly the projects raising it
    health = health_queries.deal_health(
        f, actor, "en", INACTIVE_DAYS, ("close_date_passed",), False, None
    )
    assert len(health) == expected["close_date_passed"]
    unmapped = health_queries.deal_health(
        f, actor, "en", INACTIVE_DAYS, ("no_decision_maker",), False, None
    )
    assert set(unmapped.project_id) == ind.unmapped_open_projects(store, actor, f)
    assert (unmapped.decision_maker_count == 0).all() and unmapped.flag_count.min() >= 1


# --- row-level security ---------------------------------------------------------------------


def test_a_rep_sees_only_their_own_records(store, actors) -> None:
    rep = actors["rep"]
    owned = set(store.projects[store.projects.owner_id == rep.id].project_id)
    f = Filters()
    for frame in (
        pipeline.pipeline_records(f, rep, "en", 60, (), None),
        win_loss.winloss_records(f, rep, "en", (), None),
        forecast.forecast_records(f, rep, "en", (), None),
        velocity.velocity_records(f, rep, "en", (), None),
        costs.project_costs(f, rep, (), None),
        health_queries.deal_health(f, rep, "en", 30, (), False, None),
    ):
        assert set(frame.project_id) <= owned
        assert len(frame) > 0
    assert set(scorecard.rep_scorecard(f, rep).employee_id) == {rep.id}
    assert {name for _, name in options.filter_options(rep)["rep"]} == set(
        store.users[store.users.id == rep.id].display_name
    )
    # asking for another rep's numbers gives nothing rather than their numbers
    other = int(store.projects[store.projects.owner_id != rep.id].owner_id.iloc[0])
    assert win_loss.winloss_kpis(replace(f, rep=other), rep)["closed_count"] == 0


def test_a_manager_sees_their_team_and_an_executive_everyone(store, actors) -> None:
    team = ind.people(store, actors["manager"])
    f = Filters()
    manager_rows = pipeline.pipeline_records(f, actors["manager"], "en", 60, (), None)
    owners = store.projects.set_index("project_id").owner_id
    assert set(manager_rows.project_id.map(owners)) <= team
    assert len(pipeline.pipeline_records(f, actors["executive"], "en", 60, (), None)) == int(
        (store.projects.status == "open").sum()
    )


def test_finance_sees_every_cost_and_nothing_else(store) -> None:
    finance_user = store.users[store.users.role == "finance"].iloc[0]
    finance = Actor(id=int(finance_user.id), role="finance")
    everyone = Actor(id=None, role="admin")
    assert costs.cost_kpis(Filters(), finance) == costs.cost_kpis(Filters(), everyone)
    for fn in (
        pipeline.pipeline_kpis,
        win_loss.winloss_kpis,
        forecast.forecast_kpis,
        leads_queries.lead_kpis,
        velocity.velocity_kpis,
    ):
        with pytest.raises(NotAllowed):
            fn(Filters(), finance)


def test_drill_downs_and_limits_narrow_the_records(store, actors) -> None:
    executive, f = actors["executive"], Filters()
    everything = win_loss.winloss_records(f, executive, "en", (), None)
    assert len(win_loss.winloss_records(f, executive, "en")) == min(
        len(everything), common.RECORDS_LIMIT
    )
    lost = win_loss.winloss_records(f, executive, "en", (("outcome", ("lost",)),), None)
    assert len(lost) == int((store.projects.status == "lost").sum())
    month = str(everything.closed_month.iloc[0])
    both = (("outcome", ("lost",)), ("closed_month", (month,)))
    narrowed = win_loss.winloss_records(f, executive, "en", both, None)
    assert set(narrowed.closed_month) == {month} and set(narrowed.outcome) == {"lost"}
    with pytest.raises(ValueError):
        win_loss.winloss_records(f, executive, "en", (("amount; drop table x", ("1",)),), None)
    # a bar of the decision-maker breakdown drills into exactly its projects
    by_maker = win_loss.win_rate_by(f, executive, "decision_maker")
    unmapped = by_maker[~by_maker.key.astype(bool)].iloc[0]
    drilled = win_loss.winloss_records(
        f, executive, "en", (("has_decision_maker", (ui.key_text(unmapped.key),)),), None
    )
    assert len(drilled) == unmapped.won_count + unmapped.lost_count > 0
    assert not drilled.has_decision_maker.any()


def test_whole_history_answers_from_the_marts_equal_the_counted_ones(
    store, actors, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An executive's unfiltered view reads per-stage and per-customer totals from marts;
    counted again from every stage visit and expense line, every column is the same."""
    executive, f = actors["executive"], Filters()
    from_marts = (
        velocity.velocity_by_stage(f, executive, "en"),
        costs.customer_costs(f, executive, None),
    )
    kpis_from_marts = velocity.velocity_kpis(f, executive)
    monkeypatch.setattr(common, "whole_history", lambda f, scope: False)
    reader.clear()
    counted = (
        velocity.velocity_by_stage(f, executive, "en"),
        costs.customer_costs(f, executive, None),
    )
    assert kpis_from_marts == velocity.velocity_kpis(f, executive)
    reader.clear()  # no answer counted this way stays cached for the tests after this one
    for marts, lines in zip(from_marts, counted, strict=True):
        assert len(marts) > 0
        pd.testing.assert_frame_equal(marts, lines, check_dtype=False)
    by_stage = from_marts[0]
    kpis = ind.velocity(store, executive, f)
    assert int(by_stage.finished_visit_count.sum()) == kpis["finished_visit_count"]
    assert int(by_stage.total_days.sum()) == kpis["total_days"]
    assert int(by_stage.slipped_back_count.sum()) == kpis["slipped_back_count"]


def test_win_rates_added_up_from_the_monthly_mart_equal_the_counted_ones(
    store, actors, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a period, win rates add up mart_win_rates' monthly rows; for every actor and
    a dimension filter they equal the rates counted over every closed project."""
    region = store.projects[store.projects.owner_id == actors["rep"].id].region_code.mode()[0]
    asked = [(actor, f) for actor in actors.values() for f in (Filters(), Filters(region=region))]

    def answers() -> list[pd.DataFrame]:
        return [
            frame
            for actor, f in asked
            for frame in (
                win_loss.win_rate_trend(f, actor),
                *(
                    win_loss.win_rate_by(f, actor, d)
                    for d in ("rep", "region", "sales_mode", "decision_maker")
                ),
            )
        ]

    from_mart = answers()
    monkeypatch.setattr(win_loss, "_whole_months", lambda f: False)
    reader.clear()
    counted = answers()
    reader.clear()  # no answer counted this way stays cached for the tests after this one
    assert sum(len(frame) for frame in from_mart) > 0
    for mart, lines in zip(from_mart, counted, strict=True):
        pd.testing.assert_frame_equal(mart, lines, check_dtype=False)


# --- freshness -----------------------------------------------------------------------------


def freshness_caption(company: Company, actor: Actor) -> str:
    """The line under a dashboard's title: the snapshot's date and what it does not show."""
    at = signed_in(AppTest.from_file(APP, default_timeout=120), actor.id, company.engine)
    at.switch_page("views/win_loss.py")
    at.run()
    return next(c.value for c in at.caption if "数据截至" in c.value)


def test_a_new_publish_is_picked_up_by_the_next_query(company, store, actors) -> None:
    """Runs last: it changes the store. The cached answer of the old snapshot must not
    survive the publish."""
    rep = actors["rep"]
    f = Filters()
    before = common.freshness()
    kpis_before = win_loss.winloss_kpis(f, rep)
    project = first_open_project(company.engine, rep.id)
    assert "已包含全部已保存的变更" in freshness_caption(company, rep)
    saving = utcnow()
    close_won(
        company.engine, rep.id, project.id, CloseWonInput(amount="123456.78", signed_date=AS_OF)
    )
    with read_session(company.engine) as s:
        count, first_saved = changes_after(s, before.change_seq)
    assert count == 1 and saving <= first_saved <= utcnow()
    assert "尚有 1 项已保存的变更未显示，最早一项保存于 0 分钟前" in freshness_caption(company, rep)
    run_refresh(as_of=str(AS_OF), engine=company.engine, warehouse=company.warehouse)

    after = common.freshness()
    with read_session(company.engine) as s:
        assert changes_after(s, after.change_seq) == (0, None)
    assert after.version == before.version + 1 and after.change_seq > before.change_seq
    kpis_after = win_loss.winloss_kpis(f, rep)
    assert kpis_after["won_count"] == kpis_before["won_count"] + 1
    assert kpis_after["won_amount"] == kpis_before["won_amount"] + ind.money("123456.78")
    assert kpis_after == ind.win_loss(ind.read_store(company.engine, AS_OF), rep, f)
