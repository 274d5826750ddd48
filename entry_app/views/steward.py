"""正式客户: formal customers are entered only by data stewards; prospects that proved
real are promoted here."""

import streamlit as st

from entry_app import ui
from entry_app.forms.customer import customer_form, customer_table
from entry_app.queries import customers
from ingest.commands.customers import promote_customer
from web.forms import run_action, show_flash
from web.i18n import t

actor = ui.actor()
lang = ui.lang()
st.title(t("page.steward"))
ui.take_from_address("search", "steward.search", number=False, pager="steward")

customer_form(actor, "formal_create", formal=True)

st.subheader(t("customer.prospects"))
show_flash("promote")
search = st.text_input(t("common.search"), key="steward.search")
with ui.reading() as session:
    result = customers.customers(
        session, actor, lang, ui.list_request("steward", search=search, status="prospect")
    )
picked = customer_table(result.rows, key="steward.table", with_status=False)
ui.page_input("steward", result)
if (
    picked is not None
    and st.button(t("customer.promote"), key="steward.promote", type="primary")
    and run_action(actor, "promote", promote_customer, picked, success=t("customer.promoted"))
):
    st.rerun()
