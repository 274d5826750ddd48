"""Win/loss: win rate by count and amount over time, loss reasons Pareto, by competitor,
rep, region, industry and customer type, sales cycle of won vs lost."""

from __future__ import annotations

import streamlit as st

from dashboards import ui
from warehouse.queries import win_loss
from warehouse.queries.win_loss import WIN_RATE_DIMENSIONS
from web import charts
from web.i18n import t

ctx = ui.context("win_loss")
f, actor, lang = ctx.filters, ctx.actor, ctx.lang

kpis = win_loss.winloss_kpis(f, actor)
ui.kpi_row(
    [
        ui.kpi(kpis, "won_count", metric="won_count"),
        ui.kpi(kpis, "lost_count"),
        ui.kpi(kpis, "won_amount", ui.money, metric="won_amount"),
        ui.kpi(kpis, "win_rate_by_count", ui.rate, metric="win_rate_by_count"),
        ui.kpi(kpis, "win_rate_by_amount", ui.rate, metric="win_rate_by_amount"),
        ui.kpi(kpis, "average_sales_cycle_days", ui.days, metric="average_sales_cycle_days"),
    ]
)
st.caption(t("dash.drill.hint"))

left, right = st.columns(2)
with left:
    trend = win_loss.win_rate_trend(f, actor)
    trend["month_key"] = trend.closed_month.astype(str)
    months = ui.chart(
        charts.lines(
            trend,
            "closed_month",
            {
                "win_rate_by_count": t("dash.series.win_rate_by_count"),
                "win_rate_by_amount": t("dash.series.win_rate_by_amount"),
            },
            lang,
            t("dash.chart.win_rate_trend"),
            money=False,
            key="month_key",
        ),
        "win_loss.trend",
    )
with right:
    reasons = win_loss.loss_reasons(f, actor, lang)
    picked_reasons = ui.chart(
        charts.pareto(
            reasons,
            lang,
            t("dash.chart.loss_reasons"),
            {
                "lost_count": t("dash.series.lost_count"),
                "cumulative_share": t("dash.series.cumulative_share"),
            },
        ),
        "win_loss.pareto",
    )

dimension = (
    st.segmented_control(
        t("dash.breakdown"),
        list(WIN_RATE_DIMENSIONS),
        format_func=lambda d: t(f"dash.dim.{d}"),
        default="rep",
        key="win_loss.dimension",
    )
    or "rep"
)
by = win_loss.win_rate_by(f, actor, dimension)
kind = {"region": "region", "industry": "industry", "customer_type": "customer_type"}
if dimension in kind:
    by["label"] = by.key.map(lambda c: ui.code_label(kind[dimension], c))
if dimension == "decision_maker":
    by["label"] = by.key.map(lambda k: t(f"dash.decision_maker.{ui.key_text(k)}"))
by["label"] = by.label.fillna(t("dash.none")).astype(str)
by["key"] = by.key.map(ui.key_text)
left, right = st.columns(2)
with left:
    picked_keys = ui.chart(
        charts.bars(
            by.head(30),
            "label",
            {
                "win_rate_by_count": t("dash.series.win_rate_by_count"),
                "win_rate_by_amount": t("dash.series.win_rate_by_amount"),
            },
            lang,
            f"{t('dash.chart.win_rate_by')}: {t(f'dash.dim.{dimension}')}",
            key="key",
            kind="rate",
        ),
        "win_loss.by",
    )
with right:
    cycle = win_loss.sales_cycle_by_outcome(f, actor)
    cycle["label"] = cycle.outcome.map(lambda o: t(f"dash.outcome.{o}"))
    picked_outcomes = ui.chart(
        charts.bars(
            cycle,
            "label",
            {
                "avg_sales_cycle_days": t("dash.kpi.average_sales_cycle_days"),
                "median_sales_cycle_days": t("dash.axis.days"),
            },
            lang,
            t("dash.chart.cycle"),
            key="outcome",
            kind="days",
        ),
        "win_loss.cycle",
    )

column = WIN_RATE_DIMENSIONS[dimension][0].removeprefix("w.")
picked = (
    ui.drill("closed_month", months)
    + ui.drill("loss_reason_code", picked_reasons)
    + ui.drill(column, picked_keys)
    + ui.drill("outcome", picked_outcomes)
)
ui.query_records("win_loss_projects", win_loss.winloss_records, f, actor, lang, picked)
