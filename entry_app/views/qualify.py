"""线索认定: the manager's queue of new leads — qualify one into a sales project assigned by
industry (the suggestion is preselected), or reject it with a reason."""

import datetime as dt

import streamlit as st

from entry_app import ui
from entry_app.queries import leads, reference
from ingest.commands.leads import QualifyInput, qualify_lead, reject_lead
from web.forms import EntryForm
from web.i18n import t

actor = ui.actor()
lang = ui.lang()
st.title(t("page.qualify"))
ui.take_from_address("lead", "qualify.lead", pager="queue")

with ui.reading() as session:
    queue = leads.lead_queue(session, actor, lang, ui.list_request("queue"))
st.subheader(t("qualify.queue"))
ui.paged_table(
    "queue",
    queue,
    {
        "id": "common.id",
        "company_name": "lead.company_name",
        "contact_name": "lead.contact_name",
        "phone": "lead.phone",
        "source": "lead.source",
        "industry": "lead.industry",
        "owner": "common.owner",
        "created_at": "common.created_at",
    },
    formats={"created_at": ui.when},
)

choices = [(row["id"], f"{row['id']} · {row['company_name']}") for row in queue.rows]
lead_id = ui.choose("qualify.pick", choices, key="qualify.lead", index=0 if choices else None)
if lead_id is None:
    st.stop()
lead = next(row for row in queue.rows if row["id"] == lead_id)

with ui.reading() as session:
    modes = reference.options(session, "sales_mode", lang)
    industries = reference.options(session, "industry", lang)
    customer_types = reference.options(session, "customer_type", lang)
    owners = reference.assignable_owners(session, actor)
    suggested = reference.suggested_owner(session, actor, lead["industry_code"])

left, right = st.columns([3, 2])
with left:
    with EntryForm(f"qualify_{lead_id}", heading="qualify.heading") as form:
        name = form.widget(st.text_input, "name", "project.name", value=lead["company_name"])
        mode = ui.form_choice(form, "sales_mode", "project.sales_mode", modes)
        amount = form.widget(
            st.text_input, "amount", "project.expected_amount", error_field="expected_amount"
        )
        close_date = form.widget(
            st.date_input,
            "close_date",
            "project.expected_close_date",
            error_field="expected_close_date",
            value=dt.date.today() + dt.timedelta(days=90),
        )
        industry = ui.form_choice(
            form, "industry", "project.industry", industries, preferred=[lead["industry_code"]]
        )
        owner_id = ui.form_choice(
            form,
            "owner",
            "qualify.owner",
            owners,
            error_field="owner_id",
            preferred=[suggested, lead["owner_id"]],
            help=t("qualify.owner_help"),
        )
        customer_type = ui.form_choice(
            form, "customer_type", "qualify.customer_type", customer_types, index=1
        )
        form.slot("region")
        submitted = form.submit(t("qualify.submit"))
    if submitted:
        form.run(
            actor,
            qualify_lead,
            lead_id,
            QualifyInput(
                name=name,
                sales_mode=mode,
                expected_amount=amount,
                expected_close_date=close_date,
                industry=industry,
                owner_id=owner_id,
                customer_type=customer_type,
            ),
            success=lambda result: t("qualify.done", project_id=result["project_id"]),
        )
with right:
    with EntryForm(f"reject_{lead_id}", heading="qualify.reject_heading") as form:
        reason = form.widget(st.text_area, "reason", "lead.reject_reason")
        submitted = form.submit(t("qualify.reject"))
    if submitted:
        form.run(actor, reject_lead, lead_id, reason, success=t("qualify.rejected"))
