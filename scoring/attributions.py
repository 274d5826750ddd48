"""The signals that move one deal's score most.

A signal is one thing a rep recognises (the stage, the last visit, the decision makers…),
made of one or more feature columns. Its effect on a deal is the deal's score minus the
score it would have with that signal set to a typical deal's value (the training medians
and most common categories): the model's own answer, for any kind of model, in one batch
of predictions per signal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.features import FEATURES
from scoring.model import TrainedModel, one_thread

SIGNALS: dict[str, list[str]] = {
    "stage": ["stage_order", "stage_probability", "stage_code", "sales_mode_code"],
    "days_in_stage": ["days_in_stage"],
    "deal_age": ["age_days"],
    "stage_moves_back": ["stage_moves_back"],
    "close_date_pushes": ["close_date_pushes"],
    "days_to_close": ["days_to_close"],
    "amount": ["log_amount", "amount_vs_rep_typical", "amount_vs_customer_typical"],
    "activity_recency": ["days_since_activity", "activities_done_30d"],
    "activities_done": ["activities_done"],
    "activities_planned": ["activities_planned"],
    "activities_overdue": ["activities_overdue"],
    "decision_makers": ["contacts_mapped", "decision_makers_mapped"],
    "competitors": ["competitor_count", "competitor_threat"],
    "customer_history": ["customer_past_wins", "customer_past_losses"],
    "customer_type": ["customer_type"],
    "industry": ["industry_code"],
    "rep_win_rate": ["rep_win_rate"],
}
TOP = 3


# Deals per batch of predictions: (1 + signals) copies of each are predicted at once.
BATCH_DEALS = 5_000


def effects(model: TrainedModel, deals: pd.DataFrame) -> pd.DataFrame:
    """Per deal (rows as `deals`) and signal: how much the signal moves its score."""
    parts = [
        _batch_effects(model, deals.iloc[start : start + BATCH_DEALS])
        for start in range(0, len(deals), BATCH_DEALS)
    ]
    if not parts:
        return pd.DataFrame(columns=list(SIGNALS), dtype=float)
    return pd.concat(parts)


def _batch_effects(model: TrainedModel, deals: pd.DataFrame) -> pd.DataFrame:
    try:
        with one_thread():
            moved = _transformed_effects(model, deals)
    except AttributeError:  # a library version laid out otherwise: the plain way
        moved = _occlusion_effects(model, deals)
    return pd.DataFrame(moved.T, columns=list(SIGNALS), index=deals.index)


def _transformed_effects(model: TrainedModel, deals: pd.DataFrame) -> np.ndarray:
    """The same effects as `_occlusion_effects`, transforming the deals once per fold model:
    every column transform works on one feature at a time (clip, scale, one-hot), so setting
    a signal to the typical value is replacing its transformed columns with the typical
    deal's. Only the classifier and its calibration run once per signal."""
    typical = pd.DataFrame([model.reference])[FEATURES]
    per_fold = []
    for fold in model.estimator.calibrated_classifiers_:
        columns, classifier = fold.estimator[:-1], fold.estimator[-1]
        x = columns.transform(deals[FEATURES])
        x_typical = columns.transform(typical)[0]
        groups = _signal_columns(columns)
        blocks = [x]
        for signal in SIGNALS:
            changed = x.copy()
            changed[:, groups[signal]] = x_typical[groups[signal]]
            blocks.append(changed)
        scores = classifier.decision_function(np.vstack(blocks))
        per_fold.append(fold.calibrators[0].predict(scores).reshape(len(blocks), -1))
    predicted = np.clip(np.mean(per_fold, axis=0), 0, 1)
    return predicted[0] - predicted[1:]


def _signal_columns(columns) -> dict[str, list[int]]:
    """Per signal, the positions of its features' columns after the column transform."""
    transform = columns[-1] if hasattr(columns, "steps") else columns
    names = list(transform.get_feature_names_out())
    position = {}
    for feature in FEATURES:
        numeric = f"numbers__{feature}"
        if numeric in names:
            position[feature] = [names.index(numeric)]
        else:
            prefix = f"categories__{feature}_"
            position[feature] = [i for i, n in enumerate(names) if n.startswith(prefix)]
    return {
        signal: [i for feature in features for i in position[feature]]
        for signal, features in SIGNALS.items()
    }


def _occlusion_effects(model: TrainedModel, deals: pd.DataFrame) -> np.ndarray:
    copies = [deals]
    for columns in SIGNALS.values():
        typical = deals.copy()
        for column in columns:
            typical[column] = model.reference[column]
        copies.append(typical)
    predicted = model.predict(pd.concat(copies, ignore_index=True)).reshape(len(copies), -1)
    return predicted[0] - predicted[1:]


def top_signals(moved: pd.DataFrame, top: int = TOP) -> pd.DataFrame:
    """The `top` signals of each deal by size of effect: signal_1…, signal_1_effect…"""
    names = np.array(moved.columns)
    values = moved.to_numpy(dtype=float)
    order = np.argsort(-np.abs(values), axis=1, kind="stable")[:, :top]
    rows = np.arange(len(values))
    out = {}
    for rank in range(top):
        out[f"signal_{rank + 1}"] = names[order[:, rank]]
        out[f"signal_{rank + 1}_effect"] = np.round(values[rows, order[:, rank]], 4)
    return pd.DataFrame(out, index=moved.index)


def importance(moved: pd.DataFrame) -> dict[str, float]:
    """Mean absolute effect of each signal over the deals, largest first."""
    mean = moved.abs().mean().sort_values(ascending=False)
    return {signal: round(float(value), 4) for signal, value in mean.items()}
