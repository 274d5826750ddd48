"""The columns of fct_deal_features a model reads, and the labelled rows it learns from."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

NUMERIC = [
    "stage_order",
    "stage_probability",
    "days_in_stage",
    "age_days",
    "stage_moves_back",
    "close_date_pushes",
    "days_to_close",
    "log_amount",
    "amount_vs_rep_typical",
    "amount_vs_customer_typical",
    "activities_done",
    "activities_done_30d",
    "days_since_activity",
    "activities_planned",
    "activities_overdue",
    "contacts_mapped",
    "decision_makers_mapped",
    "competitor_count",
    "competitor_threat",
    "customer_past_wins",
    "customer_past_losses",
    "rep_win_rate",
]
CATEGORICAL = ["sales_mode_code", "stage_code", "customer_type", "industry_code"]
FEATURES = NUMERIC + CATEGORICAL
# A deal with no activity yet: as stale as it is old (never "0 days since").
NO_ACTIVITY_DAYS = 365

TABLE = "fct_deal_features"


def read_features(con: duckdb.DuckDBPyConnection, table: str = TABLE) -> pd.DataFrame:
    """Every observation (the backtest needs them all)."""
    return prepared(con.execute(f"select * from {table}").df())


def read_days(con: duckdb.DuckDBPyConnection, days: list[dt.date]) -> pd.DataFrame:
    """The observations of the given days only: what scoring reads on most refreshes."""
    return prepared(
        con.execute(f"select * from {TABLE} where observed_on in (select unnest(?))", [days]).df()
    )


def read_training(con: duckdb.DuckDBPyConnection, before: dt.date, max_deals: int) -> pd.DataFrame:
    """The observations a model trained on `before` learns from, of at most `max_deals`
    closed deals picked by a hash of their id (the same ones every night while history
    holds still), so that a large company's millions of rows never reach memory."""
    frame = con.execute(
        f"""
        with closed as (
            select distinct project_id from {TABLE}
            where final_status in ('won', 'lost') and closed_date < $before
        ),
        picked as (
            select project_id from closed order by hash(project_id), project_id limit $most
        )
        select * from {TABLE}
        where project_id in (select project_id from picked) and observed_on < $before
        """,
        {"before": before, "most": max_deals},
    ).df()
    return labelled(prepared(frame), before)


def prepared(frame: pd.DataFrame) -> pd.DataFrame:
    """Derived columns and fills: the same for training, backtest and scoring."""
    frame = frame.copy()
    for column in ("observed_on", "closed_date"):
        if column in frame:
            # objects even when every value is missing (pandas keeps datetime64 then)
            frame[column] = pd.to_datetime(frame[column]).dt.date.astype(object)
    amount = pd.to_numeric(frame["amount"], errors="coerce").fillna(0).clip(lower=0)
    frame["log_amount"] = np.log1p(amount.astype(float))
    for column in ("amount_vs_rep_typical", "amount_vs_customer_typical"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").fillna(1.0).clip(0, 20)
    age = pd.to_numeric(frame["age_days"], errors="coerce")
    frame["days_since_activity"] = (
        pd.to_numeric(frame["days_since_activity"], errors="coerce")
        .fillna(np.minimum(age.fillna(NO_ACTIVITY_DAYS), NO_ACTIVITY_DAYS))
        .astype(float)
    )
    frame["days_in_stage"] = pd.to_numeric(frame["days_in_stage"], errors="coerce").fillna(age)
    for column in NUMERIC:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float).fillna(0.0)
    for column in CATEGORICAL:
        frame[column] = frame[column].fillna("unknown").astype(str)
    return frame


def labelled(frame: pd.DataFrame, before: dt.date) -> pd.DataFrame:
    """Observations of deals that were closed before `before`, seen before it: what a
    model trained on that day could have learned from."""
    closed = frame["final_status"].isin(["won", "lost"])
    known = closed & (frame["closed_date"] < before) & (frame["observed_on"] < before)
    rows = frame[known].copy()
    rows["won"] = (rows["final_status"] == "won").astype(int)
    return rows


def open_on(frame: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """The deals open at the end of `day`, as they were known then."""
    return frame[frame["observed_on"] == day].copy()
