"""The win score in words: where the forecast uses it (with the backtest's Brier scores that
decided it), and one deal's score, its change in a week and its top signals."""

from __future__ import annotations

from typing import Any

import pandas as pd

from web.dashboard_strings import TEXTS
from web.i18n import register, text

register(TEXTS)  # as dashboards.ui does: this module is also read outside the pages


def verdict_note(verdict: pd.DataFrame, lang: str) -> str:
    """One sentence from the verdict table (queries.scoring_verdict)."""
    overall = verdict[verdict["sales_mode_code"] == "all"]
    if overall.empty or pd.isna(overall["model_kind"].iloc[0]):
        return text("dash.scoring.none", lang)
    row = overall.iloc[0]
    briers = {
        "model": f"{row['model_brier']:.3f}",
        "admin": f"{row['stage_admin_brier']:.3f}",
        "rate": f"{row['stage_win_rate_brier']:.3f}",
    }
    modes = verdict[(verdict["sales_mode_code"] != "all") & verdict["model_replaces_baseline"]]
    if modes.empty:
        return text("dash.scoring.not_used", lang, **briers)
    if len(modes) == len(verdict) - 1:
        named = text("dash.scoring.all_modes", lang)
    else:
        named = ("、" if lang == "zh_CN" else ", ").join(
            str(name if isinstance(name, str) else code)
            for code, name in zip(modes["sales_mode_code"], modes["sales_mode_name"], strict=True)
        )
    return text("dash.scoring.used", lang, modes=named, **briers)


def signal_labels(frame: pd.DataFrame, columns: list[str], lang: str) -> pd.DataFrame:
    """The signal codes of a records table in the reader's language."""
    shown = frame.copy()
    for column in columns:
        if column in shown:
            shown[column] = [
                None if pd.isna(code) else text(f"dash.signal.{code}", lang)
                for code in shown[column]
            ]
    return shown


def score_line(deal: Any, lang: str) -> str | None:
    """ "Win score 62% (+5% in a week) · Stage ↑, Recent activity ↓, Competitors ↓" from a
    row with win_probability, score_change_week and signal_1…3 (with their effects);
    None for a deal without a score."""
    score = getattr(deal, "win_probability", None)
    if score is None or pd.isna(score):
        return None
    change = getattr(deal, "score_change_week", None)
    signals = []
    for n in (1, 2, 3):
        signal = getattr(deal, f"signal_{n}", None)
        if isinstance(signal, str):
            effect = getattr(deal, f"signal_{n}_effect", None)
            arrow = "" if effect is None or pd.isna(effect) else (" ↑" if effect >= 0 else " ↓")
            signals.append(text(f"dash.signal.{signal}", lang) + arrow)
    return text(
        "dash.score.line",
        lang,
        score=f"{float(score):.0%}",
        change=""
        if change is None or pd.isna(change)
        else text("dash.score.change", lang, change=f"{float(change):+.0%}"),
        signals=("、" if lang == "zh_CN" else ", ").join(signals),
    )
