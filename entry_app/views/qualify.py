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
    queue = leads.lead_queue(session, actor, lang, offset=ui.page_offset("queue"))
st.subheader(t("qualify.queue"))
ui.table(
    queue.rows,
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
ui.page_input("queue", queue)

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

owner_ids = [owner_id for owner_id, _ in owners]
left, right = st.columns([3, 2])
with left:
    with EntryForm(f"qualify_{lead_id}") as form:
        st.markdown(f"**{t('qualify.heading')}**")
        name = st.text_input(t("project.name"), value=lead["company_name"], key=form.key("name"))
        form.slot("name")
        mode = ui.choose("project.sales_mode", modes, key=form.key("sales_mode"))
        form.slot("sales_mode")
        amount = st.text_input(t("project.expected_amount"), key=form.key("amount"))
        form.slot("expected_amount")
        close_date = st.date_input(
            t("project.expected_close_date"),
            value=dt.date.today() + dt.timedelta(days=90),
            key=form.key("close_date"),
        )
        form.slot("expected_close_date")
        industry_codes = [code for code, _ in industries]
        industry = ui.choose(
            "project.industry",
            industries,
            key=form.key("industry"),
            index=industry_codes.index(lead["industry_code"])
            if lead["industry_code"] in industry_codes
            else 0,
        )
        form.slot("industry")
        owner_id = ui.choose(
            "qualify.owner",
            owners,
            key=form.key("owner"),
            index=owner_ids.index(suggested)
            if suggested in owner_ids
            else (owner_ids.index(lead["owner_id"]) if lead["owner_id"] in owner_ids else 0),
            help=t("qualify.owner_help"),
        )
        form.slot("owner_id")
        customer_type = ui.choose(
            "qualify.customer_type", customer_types, key=form.key("customer_type"), index=1
        )
        form.slot("customer_type")
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
    with EntryForm(f"reject_{lead_id}") as form:
        st.markdown(f"**{t('qualify.reject_heading')}**")
        reason = st.text_area(t("lead.reject_reason"), key=form.key("reason"))
        form.slot("reason")
        submitted = form.submit(t("qualify.reject"))
    if submitted:
        form.run(actor, reject_lead, lead_id, reason, success=t("qualify.rejected"))
