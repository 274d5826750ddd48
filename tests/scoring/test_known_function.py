"""The model against the stage baselines on deals whose true win probability is known."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from scoring import attributions, baselines
from scoring.attributions import effects, importance
from scoring.backtest import (
    CALIBRATED,
    QUARTERS,
    best_kind,
    model_beats_baselines,
    quarter_starts,
    run_backtest,
)
from scoring.features import labelled
from scoring.metrics import calibration_gap, scores
from scoring.model import KINDS, train
from tests.scoring import synthetic

# How far a calibrated model's predictions may stray from the observed win rate, averaged
# over five probability bands and weighted by deals (sampling noise alone is about 0.02 on
# the ~1,000 deals held out here).
CALIBRATION_TOLERANCE = 0.05
CUT_OFF = dt.date(2026, 1, 1)


@pytest.fixture(scope="module")
def deals():
    return synthetic.deals()


@pytest.fixture(scope="module")
def held_out(deals):
    """The deals observed from the cut-off on, and the two stage baselines for them."""
    later = deals[deals["observed_on"] >= CUT_OFF]
    rates = baselines.stage_win_rates(labelled(deals, CUT_OFF))
    return later, {
        "stage_admin": baselines.admin_probability(later),
        "stage_win_rate": baselines.calibrated_probability(later, rates),
        "truth": later["true_probability"].to_numpy(),
    }


@pytest.mark.parametrize("kind", KINDS)
def test_model_beats_the_stage_baselines_and_stays_calibrated(deals, held_out, kind) -> None:
    later, reference = held_out
    model = train(labelled(deals, CUT_OFF), kind, CUT_OFF)
    won = (later["final_status"] == "won").to_numpy()
    predicted = model.predict(later)
    got = scores(won, predicted)
    admin = scores(won, reference["stage_admin"])
    win_rate = scores(won, reference["stage_win_rate"])
    truth = scores(won, reference["truth"])
    assert got.brier < win_rate.brier < admin.brier
    assert got.brier - truth.brier < 0.015  # close to the best any model could do
    assert got.auc > win_rate.auc + 0.05
    assert calibration_gap(won, predicted) <= CALIBRATION_TOLERANCE
    # nearer the true probability than the stage's win rate, deal by deal
    assert (
        np.abs(predicted - reference["truth"]).mean()
        < 0.5 * np.abs(reference["stage_win_rate"] - reference["truth"]).mean()
    )


def test_the_signals_that_drive_the_outcome_lead_the_attributions(deals) -> None:
    model = train(labelled(deals, CUT_OFF), "logistic", CUT_OFF)
    later = deals[deals["observed_on"] >= CUT_OFF]
    ranked = list(importance(effects(model, later)))
    assert set(ranked[:4]) == {"stage", "decision_makers", "activity_recency", "competitors"}
    # a signal with no part in the outcome moves scores by next to nothing
    assert importance(effects(model, later))["industry"] < 0.01


def test_rolling_backtest_scores_eight_quarters_and_the_model_beats_both_baselines(deals):
    tested = run_backtest(deals, dt.date(2026, 11, 27))
    starts = quarter_starts(dt.date(2026, 11, 27))
    assert len(starts) == QUARTERS and starts[0] == dt.date(2024, 10, 1)
    assert starts[-1] == dt.date(2026, 7, 1)
    assert not tested.skipped
    assert sorted(tested.predictions["quarter_start"].unique()) == starts
    kind = best_kind(tested)
    assert model_beats_baselines(tested, kind) == {"all": True, "m": True}
    pooled = {m: tested.pooled(m) for m in tested.methods}
    assert pooled[kind]["brier"] < pooled[CALIBRATED]["brier"] < pooled["stage_admin"]["brier"]
    assert pooled[kind]["log_loss"] < pooled[CALIBRATED]["log_loss"]
    assert pooled[kind]["auc"] > pooled[CALIBRATED]["auc"]
    curve = tested.reliability(kind)
    assert sum(row["deals"] for row in curve) == len(tested.predictions)
    assert all(
        abs(r["mean_predicted"] - r["observed_rate"]) < 0.15 for r in curve if r["deals"] >= 50
    )


def test_each_quarter_trains_only_on_deals_closed_before_it(deals) -> None:
    start = dt.date(2025, 1, 1)
    history = labelled(deals, start)
    assert (history["closed_date"] < start).all() and (history["observed_on"] < start).all()
    # deals observed in the quarter itself are never in its training rows
    assert not set(history["project_id"]) & set(deals[deals["observed_on"] == start]["project_id"])


@pytest.mark.parametrize("kind", KINDS)
def test_attributions_from_transformed_columns_equal_setting_each_signal_to_typical(
    deals, kind
) -> None:
    """The fast path (columns transformed once) gives exactly the plain occlusion effects."""
    model = train(labelled(deals, CUT_OFF), kind, CUT_OFF)
    sample = deals[deals["observed_on"] >= CUT_OFF].head(300)
    fast = attributions._transformed_effects(model, sample)
    plain = attributions._occlusion_effects(model, sample)
    assert np.abs(fast - plain).max() < 1e-9
