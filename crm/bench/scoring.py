"""`crm bench scoring`: the backtest, the model against both stage baselines, the signals
that matter and what scoring costs, from the published snapshot (read only)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pandas as pd

from crm.bench.common import write_figures
from orchestration import snapshots
from scoring.attributions import effects, importance, top_signals
from scoring.backtest import ALL_MODES, BASELINES, best_kind, model_beats_baselines, run_backtest
from scoring.features import labelled, read_features
from scoring.model import train


def run_scoring_bench(out: str | None = None, warehouse: Path | None = None) -> list[str]:
    con, snapshot = snapshots.connect_current(warehouse)
    with con:
        frame = read_features(con)
    as_of = dt.date.fromisoformat(snapshot.as_of_date)
    figures: dict = {
        "snapshot": snapshot.version,
        "as_of_date": snapshot.as_of_date,
        "feature_rows": len(frame),
        "deals": int(frame["project_id"].nunique()),
        "seconds": {},
    }
    began = time.perf_counter()
    tested = run_backtest(frame, as_of)
    figures["seconds"]["backtest"] = round(time.perf_counter() - began, 2)
    figures["quarters"] = sorted(str(q) for q in tested.predictions["quarter_start"].unique())
    figures["skipped_quarters"] = tested.skipped
    if tested.predictions.empty:
        figures["verdict"] = "no quarter could be backtested"
        return _write(figures, out)
    kind = best_kind(tested)
    figures["model_kind"] = kind
    figures["pooled"] = {m: _plain(tested.pooled(m)) for m in tested.methods}
    figures["per_quarter"] = [
        _plain(row)
        for row in tested.metrics()
        if row["quarter_start"] is not None and row["sales_mode_code"] == ALL_MODES
    ]
    figures["model_replaces_baseline"] = model_beats_baselines(tested, kind)
    figures["reliability"] = {m: tested.reliability(m) for m in (kind, *BASELINES)}

    began = time.perf_counter()
    model = train(labelled(frame, as_of + dt.timedelta(days=1)), kind, as_of)
    figures["seconds"]["train"] = round(time.perf_counter() - began, 2)
    figures["calibration"] = model.calibration
    now = frame[(frame["observed_on"] == as_of) & (frame["final_status"] == "open")]
    began = time.perf_counter()
    model.predict(now)
    moved = effects(model, now)
    top_signals(moved)
    figures["seconds"]["score_and_explain"] = round(time.perf_counter() - began, 2)
    figures["open_deals"] = len(now)
    figures["signal_importance"] = importance(moved)
    return _write(figures, out)


def _plain(row: dict) -> dict:
    return {k: (str(v) if isinstance(v, dt.date) else v) for k, v in row.items()}


def _write(figures: dict, out: str | None) -> list[str]:
    path = write_figures(out, "scoring", figures, indent=2, ensure_ascii=False, default=str)
    return [*summary_lines(figures), f"figures written to {path}"]


def summary_lines(figures: dict) -> list[str]:
    lines = [
        f"backtest {len(figures['quarters'])} quarters, {figures['deals']:,} deals "
        f"({figures['seconds']['backtest']:.1f} s)"
    ]
    if "pooled" not in figures:
        return [*lines, figures.get("verdict", "")]
    table = pd.DataFrame(figures["pooled"]).T[["deals", "brier", "log_loss", "auc"]]
    lines += table.to_string().splitlines()
    used = [m for m, wins in figures["model_replaces_baseline"].items() if wins]
    lines.append(
        f"model {figures['model_kind']} ({figures['calibration']}) "
        + (
            f"replaces the stage baseline in: {', '.join(used)}"
            if used
            else "keeps out of the forecast"
        )
    )
    top = list(figures["signal_importance"])[:5]
    lines.append(f"signals that matter most: {', '.join(top)}")
    lines.append(
        f"train {figures['seconds']['train']:.1f} s, score and explain "
        f"{figures['open_deals']:,} open deals {figures['seconds']['score_and_explain']:.1f} s"
    )
    return lines
