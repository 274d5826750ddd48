"""ws.tab.expenses: expenses recorded against the project."""

import datetime as dt

import streamlit as st

from entry_app import ui
from entry_app.workspace.context import Workspace
from ingest.commands.expenses import CATEGORIES, ExpenseInput, create_expense
from web.forms import EntryForm
from web.i18n import t


def show(ws: Workspace) -> None:
    actor = ws.actor
    project = ws.project
    project_id = ws.project_id
    ui.table(
        project["expenses"],
        {
            "incurred_date": "expense.incurred_date",
            "category": "expense.category",
            "amount": "common.amount",
            "description": "common.description",
        },
        formats={
            "incurred_date": ui.when,
            "category": lambda v: t(f"expense_category_{v}"),
            "amount": ui.money,
        },
    )
    if project["can_work"]:
        with EntryForm(f"ws_expense_{project_id}") as form:
            st.markdown(f"**{t('ws.expense_new')}**")
            category = ui.choose(
                "expense.category",
                [(c, t(f"expense_category_{c}")) for c in CATEGORIES],
                key=form.key("category"),
            )
            form.slot("category")
            amount = st.text_input(t("common.amount"), key=form.key("amount"))
            form.slot("amount")
            incurred = st.date_input(
                t("expense.incurred_date"), value=dt.date.today(), key=form.key("date")
            )
            form.slot("incurred_date")
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
                    description=description or None,
                ),
                success=t("expense.saved"),
            )
