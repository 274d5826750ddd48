"""客户与联系人: the prospects a rep enters (formal customers are the data stewards'), and
the contacts of a customer."""

import streamlit as st

from entry_app import ui
from entry_app.forms.customer import customer_form, customer_table
from entry_app.queries import customers
from ingest.commands.customers import ContactInput, create_contact
from web.forms import EntryForm
from web.i18n import t

actor = ui.actor()
lang = ui.lang()
st.title(t("page.customers"))

with st.expander(t("customer.new")):
    customer_form(actor, "customer_create")

st.subheader(t("customer.list"))
filters = ui.list_filters(
    "customers", ["prospect", "formal"], "customer_status.", mine=actor.role == "rep"
)
with ui.reading() as session:
    result = customers.customers(session, actor, lang, filters)
picked = customer_table(result.rows, key="customers.table", with_status=True)
ui.page_input("customers", result)

choices = [(row["id"], row["name"]) for row in result.rows]
ids = [value for value, _ in choices]
customer_id = ui.choose(
    "customer.pick",
    choices,
    key="customers.pick",
    index=ids.index(picked) if picked in ids else (0 if ids else None),
)
if customer_id is None:
    st.stop()
st.subheader(t("contact.list"))
with ui.reading() as session:
    people = customers.contacts(session, actor, customer_id)
ui.table(
    people,
    {
        "name": "contact.name",
        "title": "contact.title",
        "phone": "contact.phone",
        "email": "contact.email",
    },
)
with EntryForm(f"contact_create_{customer_id}", heading="contact.new") as form:
    name = form.widget(st.text_input, "name", "contact.name")
    title = form.widget(st.text_input, "title", "contact.title")
    phone = form.widget(st.text_input, "phone", "contact.phone")
    email = form.widget(st.text_input, "email", "contact.email")
    submitted = form.submit()
if submitted:
    form.run(
        actor,
        create_contact,
        ContactInput(
            customer_id=customer_id,
            name=name,
            title=title or None,
            phone=phone or None,
            email=email or None,
        ),
        success=t("contact.created"),
    )
