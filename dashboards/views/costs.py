"""Costs: customer expense table, project expense report (budget vs spent vs contract),
cost of lost deals by reason and competitor, expense categories."""

from __future__ import annotations

import streamlit as st

from dashboards import ui
from dashboards.reports.downloads import report_downloads
from warehouse.queries import costs
from web import charts
from web.i18n import t

ctx = ui.context("costs")
f, actor, lang = ctx.filters, ctx.actor, ctx.lang

kpis = costs.cost_kpis(f, actor)
ui.kpi_row(
    [
        ui.kpi(kpis, "expense_amount", ui.money),
        ui.kpi(kpis, "contract_amount", ui.money),
        ui.kpi(kpis, "cost_to_revenue_ratio", ui.rate),
        ui.kpi(kpis, "lost_project_expense_amount", ui.money),
        ui.kpi(kpis, "over_budget_count"),
    ]
)
st.caption(t("dash.drill.hint"))

categories = costs.expense_categories(f, actor)
wide = categories.pivot_table(
    index="month", columns="category", values="expense_amount", aggfunc="sum", fill_value=0
).reset_index()
wide["month_key"] = wide.month.astype(str)
left, right = st.columns(2)
with left:
    picked_months = ui.chart(
        charts.bars(
            wide,
            "month",
            {c: t(f"dash.category.{c}") for c in categories.category.unique()},
            lang,
            t("dash.chart.categories"),
            key="month_key",
            stacked=True,
        ),
        "costs.categories",
    )
lost = costs.lost_deal_costs(f, actor, lang)
by_reason = (
    lost.groupby(["loss_reason_code", "loss_reason_name"], as_index=False)
    .agg(lost_count=("lost_count", "sum"), expense_amount=("expense_amount", "sum"))
    .sort_values("expense_amount", ascending=False)
)
with right:
    picked_reasons = ui.chart(
        charts.bars(
            by_reason,
            "loss_reason_name",
            {"expense_amount": t("dash.series.expense")},
            lang,
            t("dash.chart.lost_costs"),
            key="loss_reason_code",
        ),
        "costs.lost",
    )

# the chart's top 20 are the table's first rows: one query serves both
top = costs.project_costs(f, actor).head(20).copy()
top["label"] = top.project_name.str.slice(0, 18)
picked_projects = ui.chart(
    charts.bars(
        top,
        "label",
        {
            "budget_amount": t("dash.series.budget"),
            "total_expense_amount": t("dash.series.spent"),
            "contract_amount": t("dash.series.contract"),
        },
        lang,
        t("dash.chart.project_costs"),
        key="project_id",
    ),
    "costs.projects",
)

customers = costs.customer_costs(f, actor)
for column, kind in (("region_code", "region"), ("customer_type", "customer_type")):
    customers[column] = customers[column].map(lambda c, k=kind: ui.code_label(k, c))
ui.records(
    customers,
    "customer_costs",
    title=t("dash.table.customer_costs"),
    everything=lambda: costs.customer_costs(f, actor, None),
)
by_project = ui.drill("project_id", picked_projects)
ui.query_records(
    "project_costs", costs.project_costs, f, actor, by_project, title=t("dash.table.project_costs")
)
reasons = set(picked_reasons)
ui.records(
    lost[lost.loss_reason_code.isin(reasons)] if reasons else lost,
    "lost_deal_costs",
    title=t("dash.table.lost_costs"),
)
by_month = ui.drill("month", picked_months)
ui.query_records("expenses", costs.expense_records, f, actor, by_month)
report_downloads(ctx, "project_costs", "customer_costs")
