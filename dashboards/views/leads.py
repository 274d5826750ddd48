"""Leads: volume and conversion by source, time to qualify."""

from __future__ import annotations

import streamlit as st

from dashboards import ui
from warehouse.queries import leads
from web import charts
from web.i18n import t

ctx = ui.context("leads")
f, actor, lang = ctx.filters, ctx.actor, ctx.lang
ui.not_applicable("region", "industry", "customer_type", "sales_mode")

kpis = leads.lead_kpis(f, actor)
ui.kpi_row(
    [
        ui.kpi(kpis, "lead_count"),
        ui.kpi(kpis, "qualified_count"),
        ui.kpi(kpis, "rejected_count"),
        ui.kpi(kpis, "conversion_rate", ui.rate),
        ui.kpi(kpis, "avg_days_to_qualify", ui.days),
    ]
)
st.caption(t("dash.drill.hint"))

sources = leads.leads_by_source(f, actor)
sources["source"] = sources.source_code.map(lambda c: ui.code_label("source", c))
trend = leads.lead_trend(f, actor)
monthly = trend.groupby("month", as_index=False)[["lead_count", "qualified_count"]].sum()
monthly["month_key"] = monthly.month.astype(str)
counts = {"lead_count": t("dash.series.leads"), "qualified_count": t("dash.series.qualified")}
left, right = st.columns(2)
with left:
    picked = ui.chart(
        charts.bars(
            sources,
            "source",
            counts,
            lang,
            t("dash.chart.lead_sources"),
            key="source_code",
            kind="count",
        ),
        "leads.sources",
    )
with right:
    picked_months = ui.chart(
        charts.bars(
            monthly,
            "month",
            counts,
            lang,
            t("dash.chart.lead_trend"),
            key="month_key",
            kind="count",
        ),
        "leads.trend",
    )
ui.records(sources.drop(columns=["source"]), "lead_sources", title=t("dash.chart.lead_sources"))
chosen = ui.drill("source_code", picked) + ui.drill("month", picked_months)
ui.query_records("leads", leads.lead_records, f, actor, chosen)
