"""AppTest: every dashboard page opens for every role without exceptions, shows what the
query module computes, keeps its filters in the URL and refuses what a role may not see."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboards.metrics import definitions
from ingest.commands.base import ROLES, Actor
from tests.support.company import APP, Company
from tests.support.signin import signed_in
from warehouse.queries import health, pipeline, win_loss
from warehouse.scope import PAGES, Filters, pages_for
from web import charts


@pytest.fixture(scope="module")
def users(company: Company) -> pd.DataFrame:
    with company.engine.connect() as conn:
        return pd.read_sql_table("users", conn)


def open_page(
    company: Company, user: pd.Series, page: str, *, lang: str = "zh_CN", **params: str
) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    signed_in(at, int(user.id), company.engine)
    for key, value in params.items():
        at.query_params[key] = value
    at.session_state["i18n.language"] = lang
    at.switch_page(f"views/{page}.py")
    return at.run()


def a_user(users: pd.DataFrame, role: str) -> pd.Series:
    return users[(users.role == role) & users.is_active].sort_values("id").iloc[0]


CASES = [(role, page) for role in ROLES for page in pages_for(role)]


@pytest.mark.parametrize(("role", "page"), CASES, ids=[f"{r}-{p}" for r, p in CASES])
def test_every_page_opens_for_every_role(company, users, role, page) -> None:
    at = open_page(company, a_user(users, role), page)
    assert not at.exception, at.exception
    assert len(at.metric) >= 4
    assert len(at.get("plotly_chart")) >= 1
    # a role that owns nothing (a data steward) gets empty tables, said as such
    assert len(at.dataframe) >= 1 or any(
        "No data" in c.value or "没有数据" in c.value for c in at.caption
    )


def test_the_navigation_lists_only_the_pages_a_role_may_open() -> None:
    assert pages_for("finance") == ("costs",)
    assert set(pages_for("rep")) == set(PAGES)


def test_the_kpis_show_the_query_module_numbers_under_url_filters(company, users) -> None:
    rep = a_user(users, "rep")
    actor = Actor(id=int(rep.id), role="rep")
    params = {"start": "2025-01-01", "end": "2026-06-30", "sales_mode": "si_supply"}
    at = open_page(company, rep, "win_loss", lang="en", **params)
    assert not at.exception
    assert at.query_params["sales_mode"] in ("si_supply", ["si_supply"])
    expected = win_loss.winloss_kpis(Filters.from_params(params), actor)
    shown = {m.label: m.value for m in at.metric}
    assert shown["Won"] == f"{expected['won_count']:,}"
    assert shown["Won amount"] == charts.money_text(expected["won_amount"], "en")
    assert shown["Win rate (count)"] == charts.rate_text(expected["win_rate_by_count"])
    # a different filter gives the numbers of that filter
    unfiltered = win_loss.winloss_kpis(Filters(), actor)
    assert unfiltered["won_count"] != expected["won_count"]


def test_kpi_help_is_the_dbt_metric_definition(company, users) -> None:
    at = open_page(company, a_user(users, "executive"), "win_loss", lang="en")
    helps = {m.label: m.help for m in at.metric}
    assert helps["Win rate (count)"] == definitions()["win_rate_by_count"]
    assert helps["Sales cycle (days)"] == definitions()["average_sales_cycle_days"]
    at = open_page(company, a_user(users, "executive"), "win_loss", lang="zh_CN")
    zh_help = {m.label: m.help for m in at.metric}["赢率（数量）"]
    assert definitions()["win_rate_by_count"] in zh_help


def test_a_rep_cannot_filter_their_way_into_another_reps_numbers(company, users) -> None:
    rep, other = users[(users.role == "rep") & users.is_active].sort_values("id").iloc[:2].iloc
    at = open_page(company, rep, "pipeline", lang="en", rep=str(int(other.id)))
    assert not at.exception
    # the other rep is not an option for this rep, so the URL value is dropped
    expected = pipeline.pipeline_kpis(Filters(), Actor(id=int(rep.id), role="rep"), 60)
    assert {m.label: m.value for m in at.metric}["Open projects"] == f"{expected['open_count']:,}"


def test_finance_cannot_open_a_sales_page(company, users) -> None:
    """Asking for the pipeline by its address lands finance on a page it may see."""
    at = open_page(company, a_user(users, "finance"), "pipeline", lang="en")
    assert not at.exception
    titles = [title.value for title in at.title]
    assert "Pipeline" not in titles
    assert titles == ["Costs"] or [e.value for e in at.error] == [
        "Your role may not open this page."
    ]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_in_english(company, users, page) -> None:
    at = open_page(company, a_user(users, "executive"), page, lang="en")
    assert not at.exception, at.exception
    assert at.title[0].value != ""
    assert all(m.label.isascii() for m in at.metric)


def test_decision_maker_mapping_on_deal_health_and_win_loss(company, users) -> None:
    executive = a_user(users, "executive")
    actor = Actor(id=int(executive.id), role="executive")
    at = open_page(company, executive, "health", lang="en")
    assert not at.exception
    expected = health.health_kpis(Filters(), actor, 30)["no_decision_maker_count"]
    assert expected > 0
    assert {m.label: m.value for m in at.metric}["No decision maker mapped"] == f"{expected:,}"

    at = AppTest.from_file(APP, default_timeout=120)
    signed_in(at, int(executive.id), company.engine)
    at.session_state["i18n.language"] = "en"
    at.session_state["win_loss.dimension"] = "decision_maker"
    at.switch_page("views/win_loss.py")
    at.run()
    assert not at.exception, at.exception
    by_maker = win_loss.win_rate_by(Filters(), actor, "decision_maker")
    assert sorted(by_maker.key.tolist()) == [False, True]
    charts_drawn = " ".join(chart.proto.spec for chart in at.get("plotly_chart"))
    # long labels are drawn in lines joined by Plotly's <br>
    charts_drawn = charts_drawn.replace("\\u003cbr\\u003e", " ").replace("<br>", " ")
    assert "Win rate by: Decision maker" in charts_drawn
    for label in ("Decision maker mapped", "No decision maker mapped"):
        assert f'"{label}"' in charts_drawn


def test_a_money_kpi_is_compact_on_its_card_and_exact_in_its_help(company, users) -> None:
    executive = a_user(users, "executive")
    expected = pipeline.pipeline_kpis(Filters(), Actor(id=int(executive.id), role="executive"), 60)
    open_amount = float(expected["open_amount"])
    for lang, label, unit, exact in (
        ("en", "Open pipeline", ("B", 1e9), "Exact figure: "),
        ("zh_CN", "在途金额", ("亿", 1e8), "精确值："),
    ):
        at = open_page(company, executive, "pipeline", lang=lang)
        card = {m.label: m for m in at.metric}[label]
        assert card.value.endswith(unit[0])
        assert abs(float(card.value[:-1]) * unit[1] - open_amount) <= 0.005 * open_amount
        assert f"{exact}{open_amount:,.2f}" in card.help
        assert definitions()["open_pipeline"] in card.help
