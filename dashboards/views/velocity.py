"""Stage velocity: days in each stage and stage-to-stage conversion, per sales mode."""

from __future__ import annotations

import streamlit as st

from dashboards import ui
from warehouse.queries import velocity
from web import charts
from web.i18n import t

ctx = ui.context("velocity")
f, actor, lang = ctx.filters, ctx.actor, ctx.lang

kpis = velocity.velocity_kpis(f, actor)
ui.kpi_row(
    [
        ui.kpi(kpis, "finished_visit_count"),
        ui.kpi(kpis, "avg_days_in_stage", ui.days),
        ui.kpi(kpis, "slipped_back_count"),
        ui.kpi(kpis, "average_sales_cycle_days", ui.days, metric="average_sales_cycle_days"),
    ]
)
st.caption(t("dash.drill.hint"))

stages = velocity.velocity_by_stage(f, actor, lang)
stages["stage"] = stages.sales_mode_name + " · " + stages.stage_name
stages["key"] = stages.stage_code
left, right = st.columns(2)
with left:
    by_days = ui.chart(
        charts.bars(
            stages[~stages.is_won_stage],
            "stage",
            {
                "avg_days_in_stage": t("dash.kpi.avg_days_in_stage"),
                "median_days_in_stage": t("dash.axis.days"),
            },
            lang,
            t("dash.chart.days_in_stage"),
            key="key",
            kind="days",
        ),
        "velocity.days",
    )
with right:
    by_conversion = ui.chart(
        charts.bars(
            stages[~stages.is_won_stage],
            "stage",
            {"conversion_rate": t("dash.chart.conversion")},
            lang,
            t("dash.chart.conversion"),
            key="key",
            kind="rate",
        ),
        "velocity.conversion",
    )
ui.records(stages.drop(columns=["stage", "key"]), "velocity_stages", title=t("dash.page.velocity"))
by_stage = ui.drill("stage_code", by_days | by_conversion)
ui.query_records("velocity_visits", velocity.velocity_records, f, actor, lang, by_stage)
