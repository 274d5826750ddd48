"""费用: record a sales expense against a project (or a customer without one); the rep's
own expenses, newest first."""

import datetime as dt

import streamlit as st

from entry_app import ui
from entry_app.queries import expenses, reference
from ingest.commands.expenses import CATEGORIES, ExpenseInput, create_expense
from web.forms import EntryForm
from web.i18n import t

actor = ui.actor()
st.title(t("page.expenses"))

search = st.text_input(t("project.customer_search"), key="expenses.link_search")
with ui.reading() as session:
    projects = reference.project_options(session, actor, search)
    customers = reference.customer_options(session, actor, search)

with EntryForm("expense_create") as form:
    st.markdown(f"**{t('expense.new')}**")
    category = ui.choose(
        "expense.category",
        [(c, t(f"expense_category_{c}")) for c in CATEGORIES],
        key=form.key("category"),
    )
    form.slot("category")
    amount = st.text_input(t("common.amount"), key=form.key("amount"))
    form.slot("amount")
    incurred = st.date_input(
        t("expense.incurred_date"), value=dt.date.today(), key=form.key("incurred_date")
    )
    form.slot("incurred_date")
    project_id = ui.choose("expense.project", projects, key=form.key("project_id"), allow_none=True)
    form.slot("project_id")
    customer_id = ui.choose(
        "expense.customer", customers, key=form.key("customer_id"), allow_none=True
    )
    form.slot("customer_id")
    description = st.text_input(t("common.description"), key=form.key("description"))
    form.slot("description")
    submitted = form.submit()
if submitted:
    form.run(
        actor,
        create_expense,
        ExpenseInput(
            category=category,
            amount=amount,
            incurred_date=incurred,
            project_id=project_id,
            customer_id=None if project_id is not None else customer_id,
            description=description or None,
        ),
        success=t("expense.saved"),
    )

st.subheader(t("expense.list"))
unclaimed = st.toggle(t("expense.unclaimed"), key="expenses.unclaimed")
with ui.reading() as session:
    result = expenses.expenses(
        session, actor, unclaimed=unclaimed, offset=ui.page_offset("expenses")
    )
ui.table(
    result.rows,
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
ui.page_input("expenses", result)
