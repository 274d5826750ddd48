"""Rep scorecard: attainment, win rate, cycle, activity, against the team."""

from __future__ import annotations

import streamlit as st

from dashboards import ui
from warehouse.queries import scorecard
from web import charts
from web.i18n import t

ctx = ui.context("scorecard")
f, actor, lang = ctx.filters, ctx.actor, ctx.lang

card = scorecard.rep_scorecard(f, actor)
team = scorecard.scorecard_team(card)
ui.kpi_row(
    [
        ui.Kpi("attainment", ui.rate(team.get("attainment")), metric="attainment"),
        ui.Kpi(
            "win_rate_by_count",
            ui.rate(team.get("win_rate_by_count")),
            metric="win_rate_by_count",
        ),
        ui.Kpi(
            "average_sales_cycle_days",
            ui.number(team.get("average_sales_cycle_days"), 1),
            metric="average_sales_cycle_days",
        ),
        ui.Kpi("activity_count", ui.number(team.get("activity_count"), 1)),
        ui.Kpi("won_amount", ui.money(team.get("won_amount")), metric="won_amount"),
    ]
)
st.caption(t("dash.team_average") + " · " + t("dash.drill.hint"))
labels = {"value": t("dash.series.attainment"), "average": t("dash.team_average")}
left, right = st.columns(2)
with left:
    picked = ui.chart(
        charts.with_average(
            card,
            "employee_name",
            "attainment",
            team.get("attainment"),
            t("dash.chart.scorecard"),
            labels,
            key="employee_id",
        ),
        "scorecard.attainment",
    )
with right:
    picked |= ui.chart(
        charts.with_average(
            card,
            "employee_name",
            "win_rate_by_count",
            team.get("win_rate_by_count"),
            t("dash.chart.scorecard_win"),
            {**labels, "value": t("dash.series.win_rate")},
            key="employee_id",
        ),
        "scorecard.win_rate",
    )
ui.drill("employee_id", picked)
shown = card[card.employee_id.astype(str).isin(picked)] if picked else card
ui.records(shown, "rep_scorecard", title=t("dash.table.scorecard"))
