"""Pipeline: funnel by stage per sales mode, trend, changes between two dates, stuck and
overdue projects."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, queries, ui
from entry_app.i18n import t

ctx = ui.context("pipeline")
f, actor, lang = ctx.filters, ctx.actor, ctx.lang

stuck_days = st.sidebar.number_input(
    t("dash.option.stuck_days"), min_value=1, max_value=720, value=60, key="stuck_days"
)
kpis = queries.pipeline_kpis(f, actor, int(stuck_days))
ui.kpi_row(
    [
        ui.Kpi("open_count", ui.number(kpis["open_count"])),
        ui.Kpi("open_amount", ui.money(kpis["open_amount"]), metric="open_pipeline"),
        ui.Kpi("weighted_amount", ui.money(kpis["weighted_amount"]), metric="weighted_pipeline"),
        ui.Kpi("overdue_count", ui.number(kpis["overdue_count"])),
        ui.Kpi(
            "stuck_count",
            ui.number(kpis["stuck_count"]),
            help_params={"days": int(stuck_days)},
        ),
    ]
)
st.caption(t("dash.drill.hint"))

funnel = queries.pipeline_funnel(f, actor, lang)
stages = ui.chart(
    charts.funnel(
        funnel, lang, t("dash.chart.funnel"), {"open_amount": t("dash.series.open_amount")}
    ),
    "pipeline.funnel",
)

trend = queries.pipeline_trend(f, actor)
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
changes = queries.pipeline_changes(f, actor, lang)
changes["change"] = changes.change_type.map(lambda c: t(f"dash.change.{c}"))
summary = (
    changes.groupby(["change_type", "change"], as_index=False)
    .agg(project_count=("project_id", "count"), amount_after=("amount_after", "sum"))
    .sort_values("project_count", ascending=False)
)
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

records = queries.pipeline_records(f, actor, lang, int(stuck_days))
ui.records(ui.drill(records, "stage_code", stages), "pipeline_open_projects")
ui.records(
    ui.drill(changes.drop(columns=["change"]), "change_type", changed),
    "pipeline_changes",
    title=t("dash.chart.changes"),
)
ui.records(
    records[records.is_stuck | records.is_overdue],
    "pipeline_stuck_overdue",
    title=t("dash.chart.stuck"),
)
