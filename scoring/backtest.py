"""Rolling-origin backtest: for each of the last quarters, train on the deals closed before
it began, score the deals open on its first day, and compare with how they closed.

Deals still open on the as-of day have no outcome yet and are left out of the comparison.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from scoring import baselines
from scoring.features import labelled, open_on
from scoring.metrics import reliability, scores
from scoring.model import KINDS, NotEnoughHistory, train

QUARTERS = 8
ADMIN = "stage_admin"
CALIBRATED = "stage_win_rate"
BASELINES = (ADMIN, CALIBRATED)
ALL_MODES = "all"


def quarter_starts(as_of: dt.date, count: int = QUARTERS) -> list[dt.date]:
    """The first days of the `count` quarters before the one holding `as_of`, oldest first
    (the current quarter has too few outcomes yet)."""
    first = dt.date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
    starts = []
    for _ in range(count):
        month = first.month - 3
        first = dt.date(first.year - (month < 1), (month - 1) % 12 + 1, 1)
        starts.append(first)
    return starts[::-1]


@dataclass
class Backtest:
    """Every scored deal of every quarter, with each method's probability."""

    predictions: pd.DataFrame  # quarter_start, project_id, sales_mode_code, won, <method>…
    methods: list[str]
    skipped: dict[str, str] = field(default_factory=dict)  # quarter → why not scored
    _metrics: list[dict] | None = field(default=None, repr=False)

    def metrics(self) -> list[dict]:
        """Per quarter (and pooled, quarter_start None), mode (and all) and method."""
        if self._metrics is None:
            self._metrics = self._compute_metrics()
        return self._metrics

    def _compute_metrics(self) -> list[dict]:
        rows = []
        frame = self.predictions
        if frame.empty:
            return rows
        for quarter, in_quarter in [(None, frame), *frame.groupby("quarter_start")]:
            for mode, part in [(ALL_MODES, in_quarter), *in_quarter.groupby("sales_mode_code")]:
                for method in self.methods:
                    got = scores(part["won"], part[method])
                    rows.append(
                        {"quarter_start": quarter, "sales_mode_code": mode, "method": method}
                        | got.as_dict()
                    )
        return rows

    def pooled(self, method: str, mode: str = ALL_MODES) -> dict:
        for row in self.metrics():
            if (row["quarter_start"], row["sales_mode_code"], row["method"]) == (
                None,
                mode,
                method,
            ):
                return row
        raise KeyError((method, mode))

    def reliability(self, method: str) -> list[dict]:
        return reliability(self.predictions["won"], self.predictions[method])


def run_backtest(
    frame: pd.DataFrame,
    as_of: dt.date,
    kinds: tuple[str, ...] = KINDS,
    quarters: int = QUARTERS,
) -> Backtest:
    parts, skipped = [], {}
    for start in quarter_starts(as_of, quarters):
        deals = open_on(frame, start)
        deals = deals[deals["final_status"].isin(["won", "lost"])]
        history = labelled(frame, start)
        if deals.empty:
            skipped[start.isoformat()] = "no deal open on its first day has closed"
            continue
        scored = pd.DataFrame(
            {
                "quarter_start": start,
                "project_id": deals["project_id"].to_numpy(),
                "sales_mode_code": deals["sales_mode_code"].to_numpy(),
                "won": (deals["final_status"] == "won").astype(int).to_numpy(),
                ADMIN: baselines.admin_probability(deals),
                CALIBRATED: baselines.calibrated_probability(
                    deals, baselines.stage_win_rates(history)
                ),
            }
        )
        try:
            for kind in kinds:
                scored[kind] = train(history, kind, start).predict(deals)
        except NotEnoughHistory as why:
            skipped[start.isoformat()] = str(why)
            continue
        parts.append(scored)
    columns = ["quarter_start", "project_id", "sales_mode_code", "won", *BASELINES, *kinds]
    predictions = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    return Backtest(predictions, [*BASELINES, *kinds], skipped)


def best_kind(backtest: Backtest, kinds: tuple[str, ...] = KINDS) -> str:
    """The candidate with the lowest pooled Brier score."""
    return min(kinds, key=lambda kind: backtest.pooled(kind)["brier"])


def model_beats_baselines(backtest: Backtest, kind: str) -> dict[str, bool]:
    """Per sales mode (and all): does the model's Brier score beat both baselines there?"""
    verdict = {}
    modes = [ALL_MODES, *sorted(backtest.predictions["sales_mode_code"].unique())]
    for mode in modes:
        model = backtest.pooled(kind, mode)["brier"]
        verdict[mode] = all(model < backtest.pooled(b, mode)["brier"] for b in BASELINES)
    return verdict
