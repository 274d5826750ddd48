"""正式客户: formal customers are entered only by data stewards; prospects that proved
real are promoted here."""

import streamlit as st

from entry_app import ui
from entry_app.queries import customers, reference
from ingest.commands.customers import CustomerInput, create_customer, promote_customer
from web.forms import EntryForm, run_action, show_flash
from web.i18n import t

actor = ui.actor()
lang = ui.lang()
st.title(t("page.steward"))
ui.take_from_address("search", "steward.search", number=False, pager="steward")

with ui.reading() as session:
    types = reference.options(session, "customer_type", lang)
    industries = reference.options(session, "industry", lang)
    regions = reference.options(session, "region", lang)

with EntryForm("formal_create") as form:
    st.markdown(f"**{t('customer.new_formal')}**")
    name = st.text_input(t("customer.name"), key=form.key("name"))
    form.slot("name")
    customer_type = ui.choose("customer.customer_type", types, key=form.key("type"))
    form.slot("customer_type")
    industry = ui.choose("customer.industry", industries, key=form.key("industry"))
    form.slot("industry")
    region = ui.choose("customer.region", regions, key=form.key("region"))
    form.slot("region")
    city = st.text_input(t("customer.city"), key=form.key("city"))
    form.slot("city")
    address = st.text_input(t("customer.address"), key=form.key("address"))
    form.slot("address")
    phone = st.text_input(t("customer.phone"), key=form.key("phone"))
    form.slot("phone")
    submitted = form.submit()
if submitted:
    form.run(
        actor,
        create_customer,
        CustomerInput(
            name=name,
            customer_type=customer_type,
            industry=industry,
            region=region,
            status="formal",
            city=city or None,
            address=address or None,
            phone=phone or None,
        ),
        success=lambda customer_id: t("customer.created", id=customer_id),
    )

st.subheader(t("customer.prospects"))
show_flash("promote")
search = st.text_input(t("common.search"), key="steward.search")
with ui.reading() as session:
    result = customers.customers(
        session, actor, lang, search=search, status="prospect", offset=ui.page_offset("steward")
    )
picked = ui.table(
    result.rows,
    {
        "id": "common.id",
        "name": "customer.name",
        "customer_type": "customer.customer_type",
        "industry": "customer.industry",
        "region": "customer.region",
        "owner": "common.owner",
    },
    key="steward.table",
    selectable=True,
)
ui.page_input("steward", result)
if (
    picked is not None
    and st.button(t("customer.promote"), key="steward.promote", type="primary")
    and run_action(actor, "promote", promote_customer, picked, success=t("customer.promoted"))
):
    st.rerun()
