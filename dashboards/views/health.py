"""Deal health: open projects flagged — no activity for N days, close date passed, stuck in
a stage longer than its usual duration, competitor present — with each one's win score, its
change in a week and the three signals that move it most."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import ui
from warehouse.queries import health, scores
from warehouse.queries.health import HEALTH_FLAGS
from web import charts
from web import scores as scoring
from web.i18n import t

ctx = ui.context("health")
f, actor, lang = ctx.filters, ctx.actor, ctx.lang

inactive_days = st.sidebar.number_input(
    t("dash.option.inactive_days"), min_value=1, max_value=365, value=30, key="inactive_days"
)
kpis = health.health_kpis(f, actor, int(inactive_days))
days = {"days": int(inactive_days)}
ui.kpi_row(
    [
        ui.Kpi("flagged_count", ui.share(kpis["flagged_count"], kpis["open_count"])),
        ui.Kpi("flagged_amount", ui.money(kpis["flagged_amount"])),
        *[
            ui.Kpi(f"{flag}_count", ui.number(kpis[f"{flag}_count"]), help_params=days)
            for flag in HEALTH_FLAGS
        ],
    ]
)
st.caption(t("dash.drill.hint"))

counts = pd.DataFrame(
    {
        "flag": list(HEALTH_FLAGS),
        "label": [t(f"dash.flag.{flag}") for flag in HEALTH_FLAGS],
        "project_count": [kpis[f"{flag}_count"] for flag in HEALTH_FLAGS],
    }
)
picked = ui.chart(
    charts.bars(
        counts,
        "label",
        {"project_count": t("dash.axis.count")},
        lang,
        t("dash.chart.health"),
        key="flag",
        kind="count",
    ),
    "health.flags",
)
only_flagged = st.toggle(t("dash.option.only_flagged"), value=True, key="health.only_flagged")
flags = tuple(sorted(picked))
if flags:
    st.info(t("dash.drill.active", what=", ".join(t(f"dash.flag.{p}") for p in flags)))
ui.records(
    scoring.signal_labels(
        health.deal_health(f, actor, lang, int(inactive_days), flags, only_flagged),
        [f"signal_{n}" for n in range(1, scores.SCORE_SIGNALS + 1)],
        lang,
    ),
    "deal_health",
    everything=lambda: health.deal_health(
        f, actor, lang, int(inactive_days), flags, only_flagged, None
    ),
)
