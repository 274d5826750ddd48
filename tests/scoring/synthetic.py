"""Deals whose true win probability is a known function of their signals.

Each deal is observed once, on a quarter's first day, and closes within that quarter, so a
model trained before a quarter has seen every earlier outcome. The admin's stage
probabilities are plausible but off, as a hand-set table is; the stage alone explains part
of the outcome, the decision makers, the last visit and the competitors the rest.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from scoring.features import prepared

STAGES = {  # stage_order → (code, admin probability)
    1: ("s1", 0.10),
    2: ("s2", 0.25),
    3: ("s3", 0.50),
    4: ("s4", 0.60),
    5: ("s5", 0.80),
}
QUARTERS = [dt.date(2024 + q // 4, 3 * (q % 4) + 1, 1) for q in range(12)]  # 2024Q1…2026Q4


def true_logit(deals: pd.DataFrame) -> np.ndarray:
    return (
        -2.2
        + 0.45 * deals["stage_order"]
        + 0.9 * np.minimum(deals["decision_makers_mapped"], 2)
        - 0.05 * deals["days_since_activity"]
        - 0.6 * deals["competitor_threat"]
        + 0.8
    ).to_numpy(dtype=float)


def true_probability(deals: pd.DataFrame) -> np.ndarray:
    return 1 / (1 + np.exp(-true_logit(deals)))


def deals(count: int = 2400, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    stage_order = rng.integers(1, 6, count)
    observed_on = np.array(QUARTERS)[rng.integers(0, len(QUARTERS), count)]
    frame = pd.DataFrame(
        {
            "project_id": np.arange(1, count + 1),
            "observed_on": observed_on,
            "owner_id": rng.integers(1, 20, count),
            "sales_mode_code": "m",
            "stage_code": [STAGES[s][0] for s in stage_order],
            "stage_order": stage_order,
            "stage_probability": [STAGES[s][1] for s in stage_order],
            "customer_type": rng.choice(["end_user", "integrator"], count),
            "industry_code": rng.choice(["power", "water", "rail"], count),  # no effect
            "days_in_stage": rng.integers(1, 90, count),
            "age_days": rng.integers(10, 300, count),
            "stage_moves_back": rng.integers(0, 2, count),
            "close_date_pushes": rng.integers(0, 3, count),
            "days_to_close": rng.integers(-30, 120, count),
            "amount": rng.lognormal(13, 1, count),
            "amount_vs_rep_typical": rng.lognormal(0, 0.5, count),
            "amount_vs_customer_typical": rng.lognormal(0, 0.5, count),
            "activities_done": rng.integers(0, 30, count),
            "activities_done_30d": rng.integers(0, 6, count),
            "days_since_activity": rng.integers(0, 60, count),
            "activities_planned": rng.integers(0, 3, count),
            "activities_overdue": rng.integers(0, 3, count),
            "contacts_mapped": rng.integers(0, 4, count),
            "decision_makers_mapped": rng.integers(0, 3, count),
            "competitor_count": rng.integers(0, 3, count),
            "competitor_threat": rng.integers(0, 4, count),
            "customer_past_wins": rng.integers(0, 3, count),
            "customer_past_losses": rng.integers(0, 3, count),
            "rep_win_rate": rng.uniform(0.2, 0.6, count),
        }
    )
    frame["true_probability"] = true_probability(frame)
    won = rng.uniform(size=count) < frame["true_probability"]
    frame["final_status"] = np.where(won, "won", "lost")
    frame["closed_date"] = [
        day + dt.timedelta(days=int(d))
        for day, d in zip(observed_on, rng.integers(20, 85, count), strict=True)
    ]
    return prepared(frame)
