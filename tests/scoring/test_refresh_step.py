"""Scoring as a refresh step on a copy of the small company's warehouse: an incremental
refresh that changed no deal's features reads one fingerprint and stops; one that changed a
deal scores again with the kept model; the nightly full refresh retrains without repeating
a backtest that is a day old."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.dbt_runner import marts_path
from scoring.run import score_deals
from tests.support.company import AS_OF


@pytest.fixture
def warehouse(company, tmp_path: Path) -> Path:
    """The company's marts and scoring folder, copied: (build file path, marts path)."""
    source = company.warehouse.parent
    build = tmp_path / "build.duckdb"
    shutil.copyfile(marts_path(source / "build.duckdb"), marts_path(build))
    shutil.copytree(source / "scoring", tmp_path / "scoring")
    return build


def scores(marts: Path) -> list[tuple]:
    with duckdb.connect(str(marts), read_only=True) as con:
        return con.execute(
            "select project_id, win_probability from fct_deal_scores order by 1"
        ).fetchall()


def test_unchanged_features_skip_scoring_and_a_changed_deal_scores_again(warehouse) -> None:
    marts = marts_path(warehouse)
    before = scores(marts)
    unchanged = score_deals(marts, warehouse, as_of=AS_OF)
    assert unchanged.skipped and not unchanged.trained and not unchanged.backtested
    assert unchanged.line().startswith("score    unchanged")
    assert scores(marts) == before

    with duckdb.connect(str(marts)) as con:
        deal = con.execute(
            "select project_id from fct_deal_features where observed_on = ? "
            "and final_status = 'open' order by project_id limit 1",
            [AS_OF],
        ).fetchone()[0]
        # a competitor with a high threat appears on the deal (as an incremental build would
        # rewrite its rows, with a newer change)
        con.execute(
            "update fct_deal_features set competitor_count = competitor_count + 1, "
            "competitor_threat = 3, source_change_seq = source_change_seq + 1000000 "
            "where project_id = ?",
            [deal],
        )
    changed = score_deals(marts, warehouse, as_of=AS_OF)
    assert not changed.skipped and not changed.trained and not changed.backtested
    after = dict(scores(marts))
    assert after[deal] != dict(before)[deal]
    assert {p: s for p, s in after.items() if p != deal} == {p: s for p, s in before if p != deal}


def test_the_nightly_retrain_keeps_a_fresh_backtest(warehouse) -> None:
    marts = marts_path(warehouse)
    retrained = score_deals(marts, warehouse, as_of=AS_OF, retrain=True)
    assert retrained.trained and not retrained.backtested
    assert retrained.verdict["all"] in (True, False) and retrained.pooled
    # a week later the backtest is stale: the nightly refresh runs it again
    later = score_deals(marts, warehouse, as_of=AS_OF + dt.timedelta(days=7), retrain=True)
    assert later.backtested and later.trained
