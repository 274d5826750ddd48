"""ws.tab.quotes: the project's quotes, their status, and a new quote."""

import datetime as dt

import streamlit as st

from entry_app import ui
from entry_app.workspace.context import Workspace
from ingest.commands.project_links import (
    QUOTE_STATUSES,
    QuoteInput,
    QuoteLineInput,
    create_quote,
    set_quote_status,
)
from web.forms import EntryForm
from web.i18n import t
from web.markdown import literal

QUOTE_LINES = 3


def show(ws: Workspace) -> None:
    for quote in ws.project["quotes"]:
        st.markdown(
            f"**{literal(quote['quote_no'])}** · {ui.when(quote['quote_date'])} · "
            f"{ui.label('quote_status', quote['status'])} · {ui.money(quote['total_amount'])}"
        )
        ui.table(
            quote["lines"],
            {
                "code": "common.code",
                "product": "ws.product",
                "quantity": "ws.quantity",
                "unit_price": "ws.unit_price",
                "discount_rate": "ws.discount",
                "line_amount": "common.amount",
            },
            formats={"unit_price": ui.money, "line_amount": ui.money},
        )
    if ws.project["can_work"] and ws.project["quotes"]:
        with EntryForm(f"quote_status_{ws.project_id}", heading="ws.quote_status") as form:
            quote_id = ui.form_choice(
                form,
                "quote_id",
                "ws.quote_no",
                [(q["id"], q["quote_no"]) for q in ws.project["quotes"]],
            )
            quote_status = ui.form_code_choice(
                form, "status", "common.status", QUOTE_STATUSES, "quote_status"
            )
            submitted = form.submit()
        if submitted:
            form.run(ws.actor, set_quote_status, quote_id, quote_status, success=t("common.saved"))
    if ws.can_work:
        product_choices = [
            (code, f"{code} · {name} · {ui.money(price)}") for code, name, price in ws.products
        ]
        with EntryForm(f"quote_{ws.project_id}", heading="ws.quote_new") as form:
            valid_until = form.widget(
                st.date_input,
                "valid_until",
                "ws.valid_until",
                value=dt.date.today() + dt.timedelta(days=30),
            )
            lines = []
            for n in range(QUOTE_LINES):
                columns = st.columns([4, 1, 2, 1])
                with columns[0]:
                    product = ui.choose(
                        "ws.product",
                        product_choices,
                        key=form.key(f"product_{n}"),
                        allow_none=True,
                    )
                quantity = columns[1].number_input(
                    t("ws.quantity"),
                    min_value=1,
                    value=1,
                    step=1,
                    key=form.key(f"quantity_{n}"),
                )
                price = columns[2].text_input(t("ws.unit_price"), key=form.key(f"price_{n}"))
                discount = columns[3].text_input(t("ws.discount"), key=form.key(f"discount_{n}"))
                form.slot(f"lines.{len(lines)}")
                if product is not None:
                    lines.append(
                        QuoteLineInput(
                            product=product,
                            quantity=quantity,
                            unit_price=price or None,
                            discount_rate=discount or 0,
                        )
                    )
            form.slot("lines")
            notes = form.widget(st.text_input, "notes", "common.notes")
            submitted = form.submit()
        if submitted:
            form.run(
                ws.actor,
                create_quote,
                QuoteInput(
                    project_id=ws.project_id,
                    valid_until=valid_until,
                    lines=lines,
                    notes=notes or None,
                ),
                success=t("ws.quote_saved"),
            )
