"""Pipeline: funnel by stage per sales mode, trend, changes between two dates, stuck and
overdue projects."""

from __future__ import annotations

import streamlit as st

from dashboards import ui
from warehouse.queries import pipeline
from web import charts
from web.i18n import t

ctx = ui.context("pipeline")
f, actor, lang = ctx.filters, ctx.actor, ctx.lang

stuck_days = st.sidebar.number_input(
    t("dash.option.stuck_days"), min_value=1, max_value=720, value=60, key="stuck_days"
)
kpis = pipeline.pipeline_kpis(f, actor, int(stuck_days))
ui.kpi_row(
    [
        ui.kpi(kpis, "open_count"),
        ui.kpi(kpis, "open_amount", ui.money, metric="open_pipeline"),
        ui.kpi(kpis, "weighted_amount", ui.money, metric="weighted_pipeline"),
        ui.kpi(kpis, "overdue_count"),
        ui.Kpi(
            "stuck_count",
            ui.number(kpis["stuck_count"]),
            help_params={"days": int(stuck_days)},
        ),
    ]
)
st.caption(t("dash.drill.hint"))

funnel = pipeline.pipeline_funnel(f, actor, lang)
stages = ui.chart(
    charts.funnel(
        funnel, lang, t("dash.chart.funnel"), {"open_amount": t("dash.series.open_amount")}
    ),
    "pipeline.funnel",
)

trend = pipeline.pipeline_trend(f, actor)
left, right = st.columns(2)
with left:
    ui.chart(
        charts.lines(
            trend,
            "snapshot_date",
            {
                "open_amount": t("dash.series.open_amount"),
                "weighted_amount": t("dash.series.weighted_amount"),
            },
            lang,
            t("dash.chart.trend"),
        ),
        "pipeline.trend",
    )
summary = pipeline.pipeline_change_summary(f, actor)
summary["change"] = summary.change_type.map(lambda c: t(f"dash.change.{c}"))
with right:
    changed = ui.chart(
        charts.bars(
            summary,
            "change",
            {"project_count": t("dash.axis.count")},
            lang,
            t("dash.chart.changes"),
            key="change_type",
            kind="count",
        ),
        "pipeline.changes",
    )

stuck = int(stuck_days)
by_stage = ui.drill("stage_code", stages)
ui.query_records(
    "pipeline_open_projects", pipeline.pipeline_records, f, actor, lang, stuck, by_stage
)
by_change = ui.drill("change_type", changed)
ui.query_records(
    "pipeline_changes",
    pipeline.pipeline_changes,
    f,
    actor,
    lang,
    by_change,
    title=t("dash.chart.changes"),
)
for flag, title in (("is_stuck", "dash.kpi.stuck_count"), ("is_overdue", "dash.kpi.overdue_count")):
    only = ((flag, ("true",)),)
    ui.query_records(
        f"pipeline_{flag}", pipeline.pipeline_records, f, actor, lang, stuck, only, title=t(title)
    )
