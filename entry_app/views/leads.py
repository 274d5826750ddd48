"""线索: capture in three fields (company, contact or phone, source), enrich later; the
rep's own leads, newest first, searchable."""

import streamlit as st

from entry_app import ui
from entry_app.queries import leads, reference
from ingest.commands.leads import LeadInput, create_lead, update_lead
from web.forms import EntryForm
from web.i18n import t


def typed_lead(
    company: str,
    source: str,
    contact: str,
    phone: str,
    industry: str | None,
    region: str | None,
    description: str,
) -> LeadInput:
    """A lead as the new and the edit form typed it: a text left empty is not given."""
    return LeadInput(
        company_name=company,
        source=source,
        contact_name=contact or None,
        phone=phone or None,
        industry=industry,
        region=region,
        description=description or None,
    )


actor = ui.actor()
lang = ui.lang()
st.title(t("page.leads"))
chosen = ui.take_from_address("lead", "leads.edit_pick", pager="leads")
if chosen:
    # the home page lists the user's own new leads: show that list, the lead chosen
    st.session_state["leads.status"] = "new"
    st.session_state["leads.mine"] = True
    st.session_state["leads.search"] = ""

with ui.reading() as session:
    sources = reference.options(session, "lead_source", lang)
    industries = reference.options(session, "industry", lang)
    regions = reference.options(session, "region", lang)

new, edit = st.tabs([t("lead.new"), t("lead.edit")], default=t("lead.edit") if chosen else None)

with new:
    with EntryForm("lead_create") as form:
        company = form.widget(st.text_input, "company_name", "lead.company_name")
        contact = form.widget(st.text_input, "contact_name", "lead.contact_name")
        phone = form.widget(st.text_input, "phone", "lead.phone")
        source = ui.form_choice(form, "source", "lead.source", sources)
        with st.expander(t("lead.more")):
            industry = ui.form_choice(
                form, "industry", "lead.industry", industries, allow_none=True
            )
            region = ui.form_choice(form, "region", "lead.region", regions, allow_none=True)
            description = form.widget(st.text_area, "description", "lead.description")
        submitted = form.submit()
    if submitted:
        form.run(
            actor,
            create_lead,
            typed_lead(company, source, contact, phone, industry, region, description),
            success=lambda lead_id: t("lead.created", id=lead_id),
        )

st.subheader(t("lead.list"))
filters = ui.list_filters("leads", ["new", "qualified", "rejected"], "lead_status.", mine=True)
with ui.reading() as session:
    result = leads.leads(session, actor, lang, filters)
ui.paged_table(
    "leads",
    result,
    {
        "id": "common.id",
        "company_name": "lead.company_name",
        "contact_name": "lead.contact_name",
        "phone": "lead.phone",
        "source": "lead.source",
        "status": "common.status",
        "owner": "common.owner",
        "created_at": "common.created_at",
    },
    formats={"status": ui.labelled("lead_status"), "created_at": ui.when},
)

with edit:
    editable = [(row["id"], f"{row['id']} · {row['company_name']}") for row in result.rows]
    editable = [
        option for option, row in zip(editable, result.rows, strict=True) if row["status"] == "new"
    ]
    lead_id = ui.choose("lead.pick", editable, key="leads.edit_pick", index=None)
    if lead_id is not None:
        with ui.reading() as session:
            current = leads.lead(session, actor, lead_id, lang)
        with EntryForm(f"lead_edit_{lead_id}") as form:
            company = form.widget(
                st.text_input, "company_name", "lead.company_name", value=current["company_name"]
            )
            contact = form.widget(
                st.text_input,
                "contact_name",
                "lead.contact_name",
                value=current["contact_name"] or "",
            )
            phone = form.widget(st.text_input, "phone", "lead.phone", value=current["phone"] or "")
            source = ui.form_choice(
                form, "source", "lead.source", sources, preferred=[current["source_code"]]
            )
            industry = ui.form_choice(
                form,
                "industry",
                "lead.industry",
                industries,
                allow_none=True,
                preferred=[current["industry_code"]],
            )
            description = form.widget(
                st.text_area, "description", "lead.description", value=current["description"] or ""
            )
            submitted = form.submit()
        if submitted:
            form.run(
                actor,
                update_lead,
                lead_id,
                typed_lead(
                    company, source, contact, phone, industry, current["region_code"], description
                ),
                success=t("lead.updated"),
            )
