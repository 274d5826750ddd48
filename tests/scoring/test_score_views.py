"""The win score where readers see it: the score-weighted forecast beside the stage-weighted
one, deal health with each deal's score and signals, the forecast page's verdict; always
through the same row-level security as the rest of the dashboards."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest
from sqlalchemy import text

from ingest.commands.base import Actor
from orchestration import snapshots
from scoring.attributions import SIGNALS
from tests.support.company import reading
from warehouse import reader
from warehouse.queries import forecast
from warehouse.queries import health as health_queries
from warehouse.queries import scores as scores_queries
from warehouse.scope import Filters
from web.scores import score_line, signal_labels, verdict_note


@pytest.fixture(scope="module")
def scores(company) -> pd.DataFrame:
    con, _ = snapshots.connect_current(company.warehouse.parent)
    with con:
        return con.execute("select * from fct_deal_scores").df()


@pytest.fixture(scope="module")
def rep(company, scores) -> Actor:
    """The rep with the most open deals."""
    owner = int(scores["owner_id"].value_counts().idxmax())
    with company.engine.connect() as con:
        role, department = con.execute(
            text("select role, department_id from users where id = :id"), {"id": owner}
        ).one()
    assert role == "rep"
    return Actor(id=owner, role=role, department_id=department)


@pytest.fixture
def dashboards(company):
    with reading(company):
        yield
    reader.clear()


def test_a_rep_sees_the_score_weighted_forecast_of_their_own_deals_only(
    dashboards, scores, rep
) -> None:
    got = scores_queries.score_forecast(Filters(), rep)
    own = scores[scores["owner_id"] == rep.id]
    assert got["deal_count"] == len(own) < len(scores)
    assert got["scored_count"] == own["win_probability"].notna().sum()
    assert float(got["score_weighted_amount"]) == pytest.approx(
        float(own["score_weighted_amount"].sum()), abs=0.01
    )
    # the page's figure: the score where the backtest let it replace the stage baseline
    weighted = own["amount"].astype(float) * own["forecast_probability"]
    assert float(got["forecast_weighted_amount"]) == pytest.approx(weighted.sum(), abs=0.05)
    # the stage-weighted figure beside it is the forecast page's calibrated one
    assert (
        got["stage_weighted_amount"]
        == forecast.forecast_kpis(Filters(), rep)["calibrated_weighted_amount"]
    )


def test_deal_health_lists_each_deals_score_and_its_top_signals(dashboards, scores, rep) -> None:
    health = health_queries.deal_health(Filters(), rep, "en", 30, (), False, None)
    assert set(health["owner_id"]) == {rep.id}
    by_deal = scores.set_index("project_id")
    for row in health.head(20).itertuples():
        assert row.win_probability == pytest.approx(by_deal.loc[row.project_id, "win_probability"])
        assert row.signal_1 == by_deal.loc[row.project_id, "signal_1"]
    assert set(health["signal_1"].dropna()) <= set(SIGNALS)
    shown = signal_labels(health.head(5), ["signal_1", "signal_2", "signal_3"], "zh_CN")
    assert (
        shown["signal_1"]
        .isin(
            [
                "所处阶段",
                "商机年龄",
                "已完成活动数",
                "竞争对手",
                "行业",
                "决策人",
                "距预计签约日",
                "阶段停留天数",
                "金额（相对惯常）",
                "销售员赢率",
                "客户类型",
                "客户往来历史",
                "最近拜访",
                "阶段回退",
                "逾期活动",
                "预计签约日推迟",
                "已计划活动",
            ]
        )
        .all()
    )


def test_the_forecast_page_says_where_the_score_replaces_the_stage_baseline(dashboards) -> None:
    verdict = scores_queries.scoring_verdict("en")
    overall = verdict[verdict["sales_mode_code"] == "all"].iloc[0]
    note = verdict_note(verdict, "en")
    assert f"{overall['model_brier']:.3f}" in note
    assert f"{overall['stage_win_rate_brier']:.3f}" in note
    if overall["model_replaces_baseline"]:
        assert note.startswith("The forecast uses the win score in:")
    losing = verdict.assign(model_replaces_baseline=False)
    assert verdict_note(losing, "en").startswith("The win score did not beat")
    assert verdict_note(verdict.iloc[0:0], "en").startswith("Too few closed deals")
    curve = scores_queries.scoring_reliability()
    assert set(curve["method"]) == {overall["model_kind"], "stage_admin", "stage_win_rate"}


def test_the_workspace_reads_a_deals_score_within_the_readers_scope(
    dashboards, scores, rep
) -> None:
    own = scores[(scores["owner_id"] == rep.id) & scores["win_probability"].notna()].iloc[0]
    other = scores[(scores["owner_id"] != rep.id) & scores["win_probability"].notna()].iloc[0]
    got = scores_queries.deal_score(rep, int(own["project_id"]))
    assert got is not None
    assert got["win_probability"] == pytest.approx(own["win_probability"])
    assert [got[f"signal_{n}"] for n in (1, 2, 3)] == [own[f"signal_{n}"] for n in (1, 2, 3)]
    assert scores_queries.deal_score(rep, int(other["project_id"])) is None


def test_a_score_line_names_the_score_its_change_and_the_signals_direction() -> None:
    deal = SimpleNamespace(
        win_probability=0.624,
        score_change_week=0.05,
        signal_1="stage",
        signal_1_effect=0.2,
        signal_2="activity_recency",
        signal_2_effect=-0.08,
        signal_3="competitors",
        signal_3_effect=-0.03,
    )
    assert score_line(deal, "zh_CN") == (
        "赢单评分 62%（一周 +5%） · 所处阶段 ↑、最近拜访 ↓、竞争对手 ↓"
    )
    assert score_line(deal, "en") == (
        "Win score 62% (+5% in a week) · Stage ↑, Recent activity ↓, Competitors ↓"
    )
    new = SimpleNamespace(**{**vars(deal), "score_change_week": float("nan")})
    assert score_line(new, "en").startswith("Win score 62% · ")
    assert score_line(SimpleNamespace(win_probability=None), "en") is None
