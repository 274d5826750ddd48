"""费用: record a sales expense against a project (or a customer without one); the rep's
own expenses, newest first."""

import streamlit as st

from entry_app import ui
from entry_app.forms.expense import expense_form
from entry_app.queries import expenses
from web.i18n import t

actor = ui.actor()
st.title(t("page.expenses"))

projects, customers = ui.link_options(actor, "expenses")

expense_form(
    actor,
    "expense_create",
    title="expense.new",
    date_key="incurred_date",
    projects=projects,
    customers=customers,
)

st.subheader(t("expense.list"))
unclaimed = st.toggle(t("expense.unclaimed"), key="expenses.unclaimed")
with ui.reading() as session:
    result = expenses.expenses(session, actor, ui.list_request("expenses"), unclaimed=unclaimed)
ui.paged_table(
    "expenses",
    result,
    {
        "id": "common.id",
        "incurred_date": "expense.incurred_date",
        "category": "expense.category",
        "amount": "common.amount",
        "project": "expense.project",
        "customer": "project.customer",
        "description": "common.description",
        "report_no": "expense.report",
    },
    formats={
        "incurred_date": ui.when,
        "category": lambda v: t(f"expense_category_{v}"),
        "amount": ui.money,
    },
)
