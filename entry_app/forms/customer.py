"""The customer form: a prospect on the 客户 page, a formal customer (with its address) on
the data stewards' page."""

from __future__ import annotations

from typing import Any

import streamlit as st

from entry_app import ui
from entry_app.queries import reference
from ingest.commands.base import Actor
from ingest.commands.customers import CustomerInput, create_customer
from web.forms import EntryForm
from web.i18n import t


def customer_table(rows: list[dict[str, Any]], *, key: str, with_status: bool) -> int | None:
    """A page of customers to pick one from (the id picked, or None); the stewards' list
    holds only prospects, so it leaves out the status (`with_status`)."""
    status = {"status": "common.status"} if with_status else {}
    return ui.table(
        rows,
        {
            "id": "common.id",
            "name": "customer.name",
            "customer_type": "customer.customer_type",
            "industry": "customer.industry",
            "region": "customer.region",
            **status,
            "owner": "common.owner",
        },
        formats={"status": ui.labelled("customer_status")},
        key=key,
        selectable=True,
    )


def customer_form(
    actor: Actor,
    name: str,
    *,
    formal: bool = False,
) -> None:
    """A prospect, or with `formal` a formal customer: titled, with an address, the first
    type preselected instead of the second."""
    lang = ui.lang()
    with ui.reading() as session:
        types = reference.options(session, "customer_type", lang)
        industries = reference.options(session, "industry", lang)
        regions = reference.options(session, "region", lang)
    with EntryForm(name, heading="customer.new_formal" if formal else None) as form:
        customer_name = form.widget(st.text_input, "name", "customer.name")
        customer_type = ui.form_choice(
            form,
            "type",
            "customer.customer_type",
            types,
            error_field="customer_type",
            index=0 if formal else 1,
        )
        industry = ui.form_choice(form, "industry", "customer.industry", industries)
        region = ui.form_choice(form, "region", "customer.region", regions)
        city = form.widget(st.text_input, "city", "customer.city")
        address = None
        if formal:
            address = form.widget(st.text_input, "address", "customer.address")
        phone = form.widget(st.text_input, "phone", "customer.phone")
        submitted = form.submit()
    if submitted:
        form.run(
            actor,
            create_customer,
            CustomerInput(
                name=customer_name,
                customer_type=customer_type,
                industry=industry,
                region=region,
                status="formal" if formal else "prospect",
                city=city or None,
                address=address or None,
                phone=phone or None,
            ),
            success=lambda customer_id: t("customer.created", id=customer_id),
        )
