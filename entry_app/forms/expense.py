"""The expense form: on the 费用 page against a project or customer the rep picks, in the
project workspace against that project."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from entry_app import ui
from ingest.commands.base import Actor
from ingest.commands.expenses import CATEGORIES, ExpenseInput, create_expense
from web.forms import EntryForm
from web.i18n import t


def expense_form(
    actor: Actor,
    name: str,
    *,
    title: str,
    date_key: str,
    project_id: int | None = None,
    projects: list[tuple[int, str]] | None = None,
    customers: list[tuple[int, str]] | None = None,
) -> None:
    """With `projects` (and `customers`) the rep picks what the expense hangs on; without,
    it hangs on `project_id`. `date_key` names the date's widget (each place keeps its own)."""
    customer_id = None
    with EntryForm(name, heading=title) as form:
        category = ui.form_choice(
            form,
            "category",
            "expense.category",
            [(c, t(f"expense_category_{c}")) for c in CATEGORIES],
        )
        amount = form.widget(st.text_input, "amount", "common.amount")
        incurred = st.date_input(
            t("expense.incurred_date"), value=dt.date.today(), key=form.key(date_key)
        )
        form.slot("incurred_date")
        if projects is not None:
            project_id, customer_id = ui.form_links(form, projects, customers, "expense")
        description = form.widget(st.text_input, "description", "common.description")
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
