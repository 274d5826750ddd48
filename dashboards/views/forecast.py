"""Forecast: by close month and forecast category against targets, pipeline coverage,
calibrated vs stage-default probability, accuracy of past months' forecasts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import ui
from dashboards.reports.downloads import report_downloads
from warehouse.queries import forecast, scores
from web import charts
from web import scores as scoring
from web.i18n import t

ctx = ui.context("forecast")
f, actor, lang = ctx.filters, ctx.actor, ctx.lang
this_month = pd.Timestamp(ctx.freshness.as_of_date.replace(day=1))

kpis = forecast.forecast_kpis(f, actor)
scored = scores.score_forecast(f, actor)
ui.kpi_row(
    [
        ui.kpi(kpis, "forecast_amount", ui.money),
        ui.kpi(kpis, "forecast_weighted_amount", ui.money, metric="weighted_pipeline"),
        ui.kpi(kpis, "calibrated_weighted_amount", ui.money),
        ui.Kpi("score_weighted_amount", ui.money(scored["forecast_weighted_amount"])),
        ui.kpi(kpis, "target_amount", ui.money, metric="target_amount"),
        ui.kpi(kpis, "attainment", ui.rate, metric="attainment"),
        ui.kpi(kpis, "remaining_target_amount", ui.money, metric="remaining_target_amount"),
        ui.Kpi(
            "pipeline_coverage",
            ui.number(kpis["pipeline_coverage"], 2),
            metric="pipeline_coverage",
        ),
    ]
)
st.caption(t("dash.drill.hint"))

by_month = forecast.forecast_by_month(f, actor)
targets = forecast.targets_by_month(f, actor)
categories = {c: t(f"dash.forecast.{c}") for c in ("pipeline", "best_case", "commit")}
picked = ui.chart(
    charts.target_bars(
        by_month,
        targets[targets.period_month >= this_month],
        lang,
        t("dash.chart.forecast_month"),
        {"target": t("dash.series.target")},
        categories,
    ),
    "forecast.months",
)
left, right = st.columns(2)
with left:
    probabilities = forecast.forecast_probabilities(f, actor, lang)
    probabilities["stage"] = probabilities.stage_name
    picked_stages = ui.chart(
        charts.bars(
            probabilities,
            "stage",
            {
                "default_probability": t("dash.series.default_probability"),
                "calibrated_probability": t("dash.series.calibrated_probability"),
            },
            lang,
            t("dash.chart.probabilities"),
            key="stage_code",
            kind="rate",
        ),
        "forecast.probabilities",
    )
with right:
    accuracy = forecast.forecast_accuracy(f, actor)
    accuracy = accuracy[accuracy.forecast_month < this_month]
    ui.chart(
        charts.bars(
            accuracy.tail(18),
            "forecast_month",
            {
                "forecast_weighted_amount": t("dash.series.forecast_weighted"),
                "won_amount": t("dash.series.won"),
            },
            lang,
            t("dash.chart.accuracy"),
            key="forecast_month",
        ),
        "forecast.accuracy",
    )

left, right = st.columns(2)
with left:
    ui.chart(
        charts.reliability(
            scores.scoring_reliability(),
            {
                method: t(f"dash.series.{series}")
                for method, series in (
                    (scores.scoring_verdict(lang).model_kind.dropna().max(), "win_score"),
                    ("stage_admin", "default_probability"),
                    ("stage_win_rate", "calibrated_probability"),
                )
                if isinstance(method, str)
            },
            t("dash.chart.reliability"),
            (t("dash.axis.predicted_probability"), t("dash.axis.observed_win_rate")),
            t("dash.series.perfect_calibration"),
        ),
        "forecast.reliability",
    )
with right:
    st.info(scoring.verdict_note(scores.scoring_verdict(lang), lang))

chosen = ui.drill("month_category", picked) + ui.drill("stage_code", picked_stages)
ui.query_records("forecast_projects", forecast.forecast_records, f, actor, lang, chosen)
ui.records(targets, "forecast_targets", title=t("dash.series.target"))
ui.records(accuracy, "forecast_accuracy", title=t("dash.chart.accuracy"))
report_downloads(ctx, "sales_forecast")
