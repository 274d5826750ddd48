"""Scoring as a refresh step: after dbt has built fct_deal_features, before publishing.

A full refresh trains the model again (on every deal closed before the as-of day) and, when
the last backtest is a week old or from another quarter, backtests the candidates again and
keeps the better. Every refresh then scores the deals open on the as-of day, unless neither
the features nor the model changed since the last scoring (an incremental refresh that
changed no deal): then it reads one row and stops.

The tables written into the marts (and so published with them):
  fct_deal_scores         one row per open deal of fct_forecast: score, change in a week,
                          top three signals, and the probability the forecast uses
  mart_scoring_backtest   Brier, log loss, AUC per quarter (null: pooled), mode and method
  mart_scoring_reliability  predicted against observed per probability band and method
  mart_scoring_verdict    per mode: does the model beat both stage baselines on Brier?
  mart_signal_importance  mean effect of each signal over the open deals
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from scoring import store
from scoring.attributions import effects, importance, top_signals
from scoring.backtest import (
    ALL_MODES,
    BASELINES,
    Backtest,
    best_kind,
    model_beats_baselines,
    run_backtest,
)
from scoring.features import TABLE, read_days, read_features, read_training
from scoring.model import MAX_TRAINING_DEALS, NotEnoughHistory, train

BACKTEST_MAX_AGE_DAYS = 7
# What the last scoring read: the features' fingerprint and the model's version.
STATE_FILE = "scored.json"
SCORES = "fct_deal_scores"
BACKTEST = "mart_scoring_backtest"
RELIABILITY = "mart_scoring_reliability"
VERDICT = "mart_scoring_verdict"
IMPORTANCE = "mart_signal_importance"
FALLBACK_KIND = "logistic"


@dataclass
class ScoringSummary:
    skipped: bool = False  # nothing changed since the last scoring
    trained: bool = False
    backtested: bool = False
    scored: int = 0
    model_kind: str | None = None
    model_version: str | None = None
    no_model_reason: str | None = None
    verdict: dict[str, bool] = field(default_factory=dict)
    pooled: dict[str, dict] = field(default_factory=dict)  # method → pooled metrics
    calibration_gap: float | None = None
    seconds: float = 0.0

    def line(self) -> str:
        if self.skipped:
            what = "unchanged"
        elif self.model_kind is None:
            what = f"no model ({self.no_model_reason})"
        else:
            done = ["trained"] if self.trained else []
            done += ["backtested"] if self.backtested else []
            what = f"{self.scored:,} deals, {self.model_kind}" + (
                f" ({', '.join(done)})" if done else ""
            )
        return f"score    {what}  ({self.seconds:.1f} s)"


def score_deals(
    marts: Path,
    build: Path,
    *,
    as_of: dt.date | None = None,
    retrain: bool = False,
    backtest: bool | None = None,
) -> ScoringSummary:
    """Score the open deals in `marts` (the marts' database file) with the model kept beside
    `build`; `backtest` True/False forces/forbids the backtest (None: when stale)."""
    began = time.perf_counter()
    with duckdb.connect(str(marts)) as con:
        summary = _score(con, build, as_of, retrain, backtest)
    summary.seconds = time.perf_counter() - began
    return summary


def _score(
    con: duckdb.DuckDBPyConnection,
    build: Path,
    as_of: dt.date | None,
    retrain: bool,
    backtest: bool | None,
) -> ScoringSummary:
    summary = ScoringSummary()
    fingerprint = json.dumps(
        [
            str(v)
            for v in con.execute(
                f"select count(*), max(source_change_seq), max(built_as_of) from {TABLE}"
            ).fetchone()
        ]
    )
    saved = store.load(build)
    if (
        not retrain
        and not backtest
        and saved is not None
        and {SCORES, VERDICT} <= _tables(con)
        and _state(build) == {"features": fingerprint, "model": saved.version}
    ):
        summary.skipped = True
        summary.model_kind, summary.model_version = saved.model.kind, saved.version
        summary.verdict, summary.pooled = _verdict(con), _pooled(con)
        summary.calibration_gap = _calibration_gap(con, saved.model.kind)
        return summary

    as_of = as_of or _built_as_of(con)
    _restore_backtest(con, build)
    if backtest is None:
        backtest = (retrain or saved is None) and _backtest_is_stale(con, as_of)
    if backtest:
        tested = run_backtest(read_features(con), as_of)
        _keep_backtest(build, tested, as_of)
        _restore_backtest(con, build)
        summary.backtested = True
    kind = _chosen_kind(con) or (saved.model.kind if saved else FALLBACK_KIND)

    if retrain or saved is None or saved.model.kind != kind:
        try:
            after = as_of + dt.timedelta(days=1)
            model = train(read_training(con, after, MAX_TRAINING_DEALS), kind, as_of)
            saved = store.save(build, model, kind_chosen_on=str(as_of))
            summary.trained = True
        except NotEnoughHistory as why:
            saved = None
            summary.no_model_reason = str(why)
            store.model_path(build).unlink(missing_ok=True)

    summary.verdict = _verdict(con)
    summary.pooled = _pooled(con)
    frame = read_days(con, [as_of, as_of - dt.timedelta(days=7)])
    moved = _effects(frame, as_of, saved)
    scores = _scores(frame, as_of, saved, moved)
    summary.scored = int(scores["win_probability"].notna().sum()) if len(scores) else 0
    if saved is not None:
        summary.model_kind, summary.model_version = saved.model.kind, saved.version
        summary.calibration_gap = _calibration_gap(con, saved.model.kind)
    _write_scores(con, scores, as_of, saved)
    _replace(con, IMPORTANCE, _importance(moved))
    state = {"features": fingerprint, "model": saved.version if saved else None}
    (store.scoring_dir(build) / STATE_FILE).write_text(json.dumps(state))
    return summary


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        name
        for (name,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'main'"
        ).fetchall()
    }


def _state(build: Path) -> dict | None:
    try:
        return json.loads((store.scoring_dir(build) / STATE_FILE).read_text())
    except (FileNotFoundError, ValueError):
        return None


def _built_as_of(con: duckdb.DuckDBPyConnection) -> dt.date:
    day = con.execute(f"select max(built_as_of) from {TABLE}").fetchone()[0]
    return day or dt.date.today()


def _backtest_is_stale(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> bool:
    if VERDICT not in _tables(con):
        return True
    row = con.execute(f"select max(backtested_on) from {VERDICT}").fetchone()
    last = row[0] if row else None
    if last is None:
        return True
    quarter = (as_of.year, (as_of.month - 1) // 3)
    return (as_of - last).days >= BACKTEST_MAX_AGE_DAYS or quarter != (
        last.year,
        (last.month - 1) // 3,
    )


def _restore_backtest(con: duckdb.DuckDBPyConnection, build: Path) -> None:
    """The last backtest's tables into the marts: a full build starts a new marts file, and
    the backtest (the costly part) is kept beside the model to outlive it."""
    folder = store.scoring_dir(build)
    with _transaction(con):
        for name in (BACKTEST, RELIABILITY, VERDICT):
            kept = folder / f"{name}.parquet"
            if kept.exists():
                con.execute(
                    f"create or replace table {name} as select * from read_parquet(?)",
                    [str(kept)],
                )


def _keep_backtest(build: Path, tested: Backtest, as_of: dt.date) -> None:
    metrics = pd.DataFrame(
        tested.metrics(),
        columns=[
            "quarter_start",
            "sales_mode_code",
            "method",
            "deals",
            "won",
            "brier",
            "log_loss",
            "auc",
        ],
    )
    reliability = pd.DataFrame(
        [
            {"method": method} | row
            for method in tested.methods
            for row in tested.reliability(method)
        ],
        columns=[
            "method",
            "bin",
            "bin_low",
            "bin_high",
            "deals",
            "mean_predicted",
            "observed_rate",
        ],
    )
    kinds = [m for m in tested.methods if m not in BASELINES]
    chosen = best_kind(tested, tuple(kinds)) if len(tested.predictions) else None
    verdict_rows = []
    if chosen:
        for mode, wins in model_beats_baselines(tested, chosen).items():
            row = {"sales_mode_code": mode, "model_kind": chosen, "model_replaces_baseline": wins}
            for method in [chosen, *BASELINES]:
                row[f"{'model' if method == chosen else method}_brier"] = tested.pooled(
                    method, mode
                )["brier"]
            row["deals"] = tested.pooled(chosen, mode)["deals"]
            verdict_rows.append(row)
    verdict = pd.DataFrame(
        verdict_rows,
        columns=[
            "sales_mode_code",
            "model_kind",
            "model_replaces_baseline",
            "model_brier",
            "stage_admin_brier",
            "stage_win_rate_brier",
            "deals",
        ],
    )
    for frame in (metrics, reliability, verdict):
        frame["backtested_on"] = as_of
    metrics["quarter_start"] = pd.to_datetime(metrics["quarter_start"]).dt.date
    if not chosen:  # keep the day of the attempt: without a verdict the table is empty
        verdict = pd.DataFrame(
            [{"sales_mode_code": ALL_MODES, "model_replaces_baseline": False}],
            columns=verdict.columns,
        )
        verdict["backtested_on"] = as_of
    metrics = metrics.astype(
        {"sales_mode_code": "string", "method": "string", "deals": "Int64", "won": "Int64"}
        | dict.fromkeys(("brier", "log_loss", "auc"), "Float64")
    )
    reliability = reliability.astype(
        {"method": "string", "bin": "Int64", "deals": "Int64"}
        | dict.fromkeys(("bin_low", "bin_high", "mean_predicted", "observed_rate"), "Float64")
    )
    verdict = verdict.astype(
        {"sales_mode_code": "string", "model_kind": "string", "deals": "Int64"}
        | {"model_replaces_baseline": "boolean"}
        | dict.fromkeys(("model_brier", "stage_admin_brier", "stage_win_rate_brier"), "Float64")
    )
    folder = store.scoring_dir(build)
    for name, frame in ((BACKTEST, metrics), (RELIABILITY, reliability), (VERDICT, verdict)):
        partial = folder / f".{name}.parquet.partial"
        frame.to_parquet(partial, index=False)
        os.replace(partial, folder / f"{name}.parquet")


def _chosen_kind(con: duckdb.DuckDBPyConnection) -> str | None:
    if VERDICT not in _tables(con):
        return None
    row = con.execute(f"select max(model_kind) from {VERDICT}").fetchone()
    return row[0] if row else None


def _verdict(con: duckdb.DuckDBPyConnection) -> dict[str, bool]:
    if VERDICT not in _tables(con):
        return {}
    rows = con.execute(
        f"select sales_mode_code, model_replaces_baseline from {VERDICT} "
        "where model_kind is not null"
    ).fetchall()
    return {mode: bool(wins) for mode, wins in rows}


def _pooled(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    if BACKTEST not in _tables(con):
        return {}
    rows = con.execute(
        f"select method, deals, won, brier, log_loss, auc from {BACKTEST} "
        f"where quarter_start is null and sales_mode_code = '{ALL_MODES}'"
    ).fetchall()
    keys = ("deals", "won", "brier", "log_loss", "auc")
    return {method: dict(zip(keys, values, strict=True)) for method, *values in rows}


def _calibration_gap(con: duckdb.DuckDBPyConnection, kind: str) -> float | None:
    """The deal-weighted gap between predicted and observed over the backtest's bands."""
    if RELIABILITY not in _tables(con):
        return None
    rows = con.execute(
        f"select deals, mean_predicted, observed_rate from {RELIABILITY} where method = ?",
        [kind],
    ).fetchall()
    total = sum(r[0] for r in rows)
    if not total:
        return None
    return round(sum(n * abs(p - o) for n, p, o in rows) / total, 4)


def _open_now(frame: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    return frame[(frame["observed_on"] == as_of) & (frame["final_status"] == "open")]


def _effects(frame: pd.DataFrame, as_of: dt.date, saved: store.Saved | None) -> pd.DataFrame | None:
    now = _open_now(frame, as_of)
    return effects(saved.model, now) if saved is not None and len(now) else None


def _importance(moved: pd.DataFrame | None) -> pd.DataFrame:
    ranked = importance(moved) if moved is not None else {}
    return pd.DataFrame(
        {
            "signal": list(ranked),
            "mean_abs_effect": np.array(list(ranked.values()), dtype=float),
            "rank": np.arange(1, len(ranked) + 1),
        }
    )


def _scores(
    frame: pd.DataFrame,
    as_of: dt.date,
    saved: store.Saved | None,
    moved: pd.DataFrame | None,
) -> pd.DataFrame:
    """Per deal open on the as-of day: its score, the week before, its top three signals."""
    now = _open_now(frame, as_of)
    columns = ["project_id", "win_probability", "win_probability_week_ago"] + [
        f"signal_{i}{suffix}" for i in (1, 2, 3) for suffix in ("", "_effect")
    ]
    if saved is None or moved is None:
        return pd.DataFrame(columns=columns)
    model = saved.model
    week_ago = frame[
        (frame["observed_on"] == as_of - dt.timedelta(days=7))
        & frame["project_id"].isin(now["project_id"])
    ]
    scores = pd.DataFrame(
        {"project_id": now["project_id"].to_numpy(), "win_probability": model.predict(now)}
    )
    before = pd.DataFrame(
        {
            "project_id": week_ago["project_id"].to_numpy(),
            "win_probability_week_ago": model.predict(week_ago),
        }
    )
    scores = scores.merge(before, on="project_id", how="left")
    signals = top_signals(moved).reset_index(drop=True)
    return pd.concat([scores, signals], axis=1)[columns]


def _write_scores(
    con: duckdb.DuckDBPyConnection,
    scores: pd.DataFrame,
    as_of: dt.date,
    saved: store.Saved | None,
) -> None:
    """Every deal of the forecast, scored or not: the forecast's probability is the model's
    only in the modes where the backtest found it better than both stage baselines."""
    verdict = _verdict(con)
    replaces = pd.DataFrame(
        {"sales_mode_code": list(verdict), "model_replaces_baseline": list(verdict.values())},
        columns=["sales_mode_code", "model_replaces_baseline"],
    )
    everywhere = bool(verdict.get(ALL_MODES, False))
    scores = scores.astype({"win_probability": float, "win_probability_week_ago": float})
    with _transaction(con):
        con.register("new_scores", scores)
        con.register("mode_verdicts", replaces)
        con.execute(
            f"""
            create or replace table {SCORES} as
            select
                f.project_id,
                cast(? as date) as scored_on,
                f.owner_id,
                f.department_code,
                f.region_code,
                f.industry_code,
                f.customer_type,
                f.sales_mode_code,
                f.stage_code,
                f.forecast_month,
                f.amount,
                cast(f.probability as double) as stage_probability,
                cast(f.calibrated_probability as double) as stage_win_rate,
                round(s.win_probability, 4) as win_probability,
                round(s.win_probability_week_ago, 4) as win_probability_week_ago,
                round(s.win_probability - s.win_probability_week_ago, 4) as score_change_week,
                coalesce(cast(v.model_replaces_baseline as boolean), ?)
                and s.win_probability is not null as model_in_forecast,
                case
                    when
                        coalesce(cast(v.model_replaces_baseline as boolean), ?)
                        and s.win_probability is not null
                        then round(s.win_probability, 4)
                    else cast(f.calibrated_probability as double)
                end as forecast_probability,
                cast(f.amount * s.win_probability as decimal(18, 2)) as score_weighted_amount,
                cast(f.calibrated_weighted_amount as decimal(18, 2)) as stage_weighted_amount,
                cast(s.signal_1 as varchar) as signal_1,
                round(cast(s.signal_1_effect as double), 4) as signal_1_effect,
                cast(s.signal_2 as varchar) as signal_2,
                round(cast(s.signal_2_effect as double), 4) as signal_2_effect,
                cast(s.signal_3 as varchar) as signal_3,
                round(cast(s.signal_3_effect as double), 4) as signal_3_effect,
                cast(? as varchar) as model_kind,
                cast(? as varchar) as model_version
            from fct_forecast as f
            left join new_scores as s on f.project_id = s.project_id
            left join mode_verdicts as v on f.sales_mode_code = cast(v.sales_mode_code as varchar)
            order by f.project_id
            """,
            [
                as_of,
                everywhere,
                everywhere,
                saved.model.kind if saved else None,
                saved.version if saved else None,
            ],
        )
        con.unregister("new_scores")
        con.unregister("mode_verdicts")


def _replace(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    con.register("replacement", frame)
    con.execute(f"create or replace table {name} as select * from replacement")
    con.unregister("replacement")


class _transaction:
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def __enter__(self) -> None:
        self.con.execute("begin transaction")

    def __exit__(self, kind, value, traceback) -> None:
        self.con.execute("commit" if kind is None else "rollback")
