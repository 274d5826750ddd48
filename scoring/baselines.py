"""The two stage baselines a model must beat: the admin's probability of the deal's stage,
and the stage's calibrated win rate (of the deals closed before the cut-off that were seen
in the stage, the share won; the admin's value where the stage has no such deal)."""

from __future__ import annotations

import numpy as np
import pandas as pd

KEYS = ["sales_mode_code", "stage_code"]


def admin_probability(deals: pd.DataFrame) -> np.ndarray:
    return deals["stage_probability"].to_numpy(dtype=float)


def stage_win_rates(labelled: pd.DataFrame) -> pd.DataFrame:
    """Per mode and stage, from labelled observations: deals seen there and the share won."""
    seen = labelled.drop_duplicates(["project_id", *KEYS])
    return seen.groupby(KEYS)["won"].agg(deals="count", win_rate="mean").reset_index()


def calibrated_probability(deals: pd.DataFrame, rates: pd.DataFrame) -> np.ndarray:
    joined = deals[KEYS].merge(rates, on=KEYS, how="left")
    return (
        joined["win_rate"]
        .fillna(deals["stage_probability"].reset_index(drop=True))
        .to_numpy(dtype=float)
    )
