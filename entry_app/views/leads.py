"""线索: capture in three fields (company, contact or phone, source), enrich later; the
rep's own leads, newest first, searchable."""

import streamlit as st

from entry_app import ui
from entry_app.queries import leads, reference
from ingest.commands.leads import LeadInput, create_lead, update_lead
from web.forms import EntryForm
from web.i18n import t

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
        company = st.text_input(t("lead.company_name"), key=form.key("company_name"))
        form.slot("company_name")
        contact = st.text_input(t("lead.contact_name"), key=form.key("contact_name"))
        form.slot("contact_name")
        phone = st.text_input(t("lead.phone"), key=form.key("phone"))
        form.slot("phone")
        source = ui.choose("lead.source", sources, key=form.key("source"))
        form.slot("source")
        with st.expander(t("lead.more")):
            industry = ui.choose(
                "lead.industry", industries, key=form.key("industry"), allow_none=True
            )
            form.slot("industry")
            region = ui.choose("lead.region", regions, key=form.key("region"), allow_none=True)
            form.slot("region")
            description = st.text_area(t("lead.description"), key=form.key("description"))
            form.slot("description")
        submitted = form.submit()
    if submitted:
        form.run(
            actor,
            create_lead,
            LeadInput(
                company_name=company,
                source=source,
                contact_name=contact or None,
                phone=phone or None,
                industry=industry,
                region=region,
                description=description or None,
            ),
            success=lambda lead_id: t("lead.created", id=lead_id),
        )

st.subheader(t("lead.list"))
filters = st.columns([3, 2, 1])
search, status = ui.search_and_status(
    filters, "leads", ["new", "qualified", "rejected"], "lead_status."
)
mine = filters[2].toggle(t("common.mine"), value=True, key="leads.mine")
with ui.reading() as session:
    result = leads.leads(
        session,
        actor,
        lang,
        search=search,
        status=status,
        mine=mine,
        offset=ui.page_offset("leads"),
    )
ui.table(
    result.rows,
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
    formats={"status": lambda s: ui.label("lead_status", s), "created_at": ui.when},
)
ui.page_input("leads", result)

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
            company = st.text_input(
                t("lead.company_name"), value=current["company_name"], key=form.key("company_name")
            )
            form.slot("company_name")
            contact = st.text_input(
                t("lead.contact_name"),
                value=current["contact_name"] or "",
                key=form.key("contact_name"),
            )
            form.slot("contact_name")
            phone = st.text_input(
                t("lead.phone"), value=current["phone"] or "", key=form.key("phone")
            )
            form.slot("phone")
            codes = [code for code, _ in sources]
            source = ui.choose(
                "lead.source",
                sources,
                key=form.key("source"),
                index=codes.index(current["source_code"]) if current["source_code"] in codes else 0,
            )
            form.slot("source")
            industry_codes = [None, *[code for code, _ in industries]]
            industry = ui.choose(
                "lead.industry",
                industries,
                key=form.key("industry"),
                allow_none=True,
                index=industry_codes.index(current["industry_code"])
                if current["industry_code"] in industry_codes
                else 0,
            )
            form.slot("industry")
            description = st.text_area(
                t("lead.description"),
                value=current["description"] or "",
                key=form.key("description"),
            )
            form.slot("description")
            submitted = form.submit()
        if submitted:
            form.run(
                actor,
                update_lead,
                lead_id,
                LeadInput(
                    company_name=company,
                    source=source,
                    contact_name=contact or None,
                    phone=phone or None,
                    industry=industry,
                    region=current["region_code"],
                    description=description or None,
                ),
                success=t("lead.updated"),
            )
