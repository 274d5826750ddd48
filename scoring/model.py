"""The candidate classifiers and their calibration.

Both candidates see the same columns: numbers standardised, categories one-hot. The
calibration is fitted on folds split by deal, since one deal gives several observations
and a fold must not learn a deal it is then asked about.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from scoring.features import CATEGORICAL, FEATURES, NUMERIC

KINDS = ("logistic", "gradient_boosting")
# Isotonic calibration needs enough deals to draw a step function without overfitting;
# below this, Platt's sigmoid (two parameters) is the safer choice.
ISOTONIC_MIN_DEALS = 400
MIN_DEALS_PER_OUTCOME = 10
CALIBRATION_FOLDS = 3


# The most deals one fit learns from: a sample of this size calibrates as well as all of
# them, and keeps a fit to about a second on the large profile.
MAX_TRAINING_DEALS = 8_000


class NotEnoughHistory(ValueError):
    """Too few closed deals (of either outcome) to learn from."""


class ClipToHistory(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Numbers held within the 1st-99th percentile of the training rows: a signal at a level
    history never showed (a habit new this month, a data-entry slip) cannot move a score
    further than history supports."""

    def fit(self, x, y=None):
        values = np.asarray(x, dtype=float)
        self.n_features_in_ = values.shape[1]
        if hasattr(x, "columns"):  # named columns keep their names (attributions read them)
            self.feature_names_in_ = np.asarray(x.columns, dtype=object)
        self.low_ = np.nanpercentile(values, 1, axis=0)
        self.high_ = np.nanpercentile(values, 99, axis=0)
        return self

    def transform(self, x):
        return np.clip(np.asarray(x, dtype=float), self.low_, self.high_)


def classifier(kind: str) -> Pipeline:
    columns = ColumnTransformer(
        [
            (
                "numbers",
                Pipeline([("clip", ClipToHistory()), ("scale", StandardScaler())]),
                NUMERIC,
            ),
            (
                "categories",
                OneHotEncoder(handle_unknown="ignore", min_frequency=5, sparse_output=False),
                CATEGORICAL,
            ),
        ]
    )
    if kind == "logistic":
        model = LogisticRegression(C=0.5, max_iter=2000)
    elif kind == "gradient_boosting":
        model = HistGradientBoostingClassifier(
            max_iter=80,
            learning_rate=0.1,
            max_leaf_nodes=15,
            l2_regularization=1.0,
            min_samples_leaf=30,
            random_state=0,
        )
    else:
        raise ValueError(f"unknown model kind {kind!r}")
    return Pipeline([("columns", columns), ("model", model)])


@dataclass
class TrainedModel:
    kind: str
    calibration: str  # "isotonic" or "sigmoid" (Platt)
    estimator: CalibratedClassifierCV
    trained_before: object  # the cut-off day: every deal it learned from closed before it
    deals: int
    rows: int
    reference: dict  # per feature, the value an attribution compares a deal with

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        if frame.empty:
            return np.zeros(0)
        with one_thread():
            return self.estimator.predict_proba(frame[FEATURES])[:, 1]


def one_thread():
    """Fits this size run several times faster on one thread than on a machine's shared
    cores (the thread pools of NumPy and of the boosting oversubscribe them)."""
    return threadpool_limits(1)


def sampled(rows: pd.DataFrame, max_deals: int = MAX_TRAINING_DEALS) -> pd.DataFrame:
    """All observations of at most `max_deals` deals, drawn the same way every time."""
    deals = np.sort(rows["project_id"].unique())
    if len(deals) <= max_deals:
        return rows
    keep = np.random.default_rng(0).choice(deals, size=max_deals, replace=False)
    return rows[rows["project_id"].isin(keep)]


def train(rows: pd.DataFrame, kind: str, trained_before: object = None) -> TrainedModel:
    """A calibrated classifier on labelled observations (features.labelled)."""
    rows = sampled(rows)
    outcomes = rows.groupby("project_id")["won"].first()
    if min(int(outcomes.sum()), int((1 - outcomes).sum())) < MIN_DEALS_PER_OUTCOME:
        raise NotEnoughHistory(
            f"{int(outcomes.sum())} won and {int((1 - outcomes).sum())} lost deals: "
            f"at least {MIN_DEALS_PER_OUTCOME} of each are needed"
        )
    method = "isotonic" if len(outcomes) >= ISOTONIC_MIN_DEALS else "sigmoid"
    folds = list(
        GroupKFold(n_splits=CALIBRATION_FOLDS).split(
            rows[FEATURES], rows["won"], groups=rows["project_id"]
        )
    )
    estimator = CalibratedClassifierCV(classifier(kind), method=method, cv=folds)
    with one_thread():
        estimator.fit(rows[FEATURES], rows["won"])
    return TrainedModel(
        kind=kind,
        calibration=method,
        estimator=estimator,
        trained_before=trained_before,
        deals=len(outcomes),
        rows=len(rows),
        reference=reference_values(rows),
    )


def reference_values(rows: pd.DataFrame) -> dict:
    """A typical deal: the median of each number, the most common of each category."""
    reference = {column: float(rows[column].median()) for column in NUMERIC}
    reference.update({column: rows[column].mode().iloc[0] for column in CATEGORICAL})
    return reference
