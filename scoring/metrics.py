"""How well probabilities predicted outcomes: Brier score, log loss, AUC, reliability."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

RELIABILITY_BINS = 10
# A probability of exactly 0 or 1 that turns out wrong would make log loss infinite.
EPSILON = 1e-6


@dataclass(frozen=True)
class Scores:
    deals: int
    won: int
    brier: float
    log_loss: float
    auc: float | None  # None when one outcome is missing: AUC needs both

    def as_dict(self) -> dict:
        return {
            "deals": self.deals,
            "won": self.won,
            "brier": round(self.brier, 4),
            "log_loss": round(self.log_loss, 4),
            "auc": None if self.auc is None else round(self.auc, 4),
        }


def scores(outcome: np.ndarray, probability: np.ndarray) -> Scores:
    outcome = np.asarray(outcome, dtype=int)
    probability = np.clip(np.asarray(probability, dtype=float), EPSILON, 1 - EPSILON)
    both = len(set(outcome.tolist())) == 2
    return Scores(
        deals=len(outcome),
        won=int(outcome.sum()),
        brier=float(brier_score_loss(outcome, probability)),
        log_loss=float(log_loss(outcome, probability, labels=[0, 1])),
        auc=float(roc_auc_score(outcome, probability)) if both else None,
    )


def reliability(
    outcome: np.ndarray, probability: np.ndarray, bins: int = RELIABILITY_BINS
) -> list[dict]:
    """Per probability band (tenths): how many deals, the mean predicted and the share won."""
    outcome = np.asarray(outcome, dtype=float)
    probability = np.asarray(probability, dtype=float)
    band = np.minimum((probability * bins).astype(int), bins - 1)
    rows = []
    for b in range(bins):
        inside = band == b
        if inside.any():
            rows.append(
                {
                    "bin": b,
                    "bin_low": b / bins,
                    "bin_high": (b + 1) / bins,
                    "deals": int(inside.sum()),
                    "mean_predicted": float(probability[inside].mean()),
                    "observed_rate": float(outcome[inside].mean()),
                }
            )
    return rows


def calibration_gap(outcome: np.ndarray, probability: np.ndarray, bins: int = 5) -> float:
    """Expected calibration error: the deal-weighted mean |predicted − observed| over bands."""
    rows = reliability(outcome, probability, bins)
    total = sum(r["deals"] for r in rows)
    return sum(r["deals"] * abs(r["mean_predicted"] - r["observed_rate"]) for r in rows) / total
