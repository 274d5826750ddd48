"""销售项目: the list (mine first, searchable, paged on the server), a new project, and
reassigning an owner for managers, department heads and executives."""

import datetime as dt

import streamlit as st

from entry_app import ui
from entry_app.navigation import DECIDERS, SELLERS
from entry_app.queries import projects, reference
from ingest.commands.projects import ProjectInput, assign_owner, create_project
from web.forms import EntryForm
from web.i18n import t

actor = ui.actor()
lang = ui.lang()
st.title(t("page.projects"))

filters = st.columns([3, 2, 2])
search, status = ui.search_and_status(
    filters, "projects", ["open", "won", "lost"], "project_status."
)
scopes = ["mine", "visible"] if actor.role in SELLERS else ["visible"]
scope = filters[2].radio(
    t("common.owner"),
    scopes,
    format_func=ui.names(scopes, "project.scope_"),
    key="projects.scope",
    horizontal=True,
)
with ui.reading() as session:
    result = projects.projects(
        session,
        actor,
        lang,
        ui.list_request("projects", search=search, status=status, mine=scope == "mine"),
    )
st.caption(t("project.pick_hint"))
picked = ui.paged_table(
    "projects",
    result,
    {
        "id": "common.id",
        "name": "project.name",
        "customer": "project.customer",
        "sales_mode": "project.sales_mode",
        "stage": "project.stage",
        "status": "common.status",
        "expected_amount": "project.expected_amount",
        "expected_close_date": "project.expected_close_date",
        "owner": "common.owner",
    },
    formats={
        "status": ui.labelled("project_status"),
        "expected_amount": ui.money,
        "expected_close_date": ui.when,
    },
    key="projects.table",
    selectable=True,
)
if picked is not None and st.button(t("project.open_selected"), key="projects.open"):
    ui.open_project(picked)

if actor.role in SELLERS:
    with st.expander(t("project.new")):
        customer_search = st.text_input(t("project.customer_search"), key="projects.cust_search")
        with ui.reading() as session:
            customers = reference.customer_options(session, actor, customer_search)
            modes = reference.options(session, "sales_mode", lang)
            industries = reference.options(session, "industry", lang)
        with EntryForm("project_create") as form:
            customer_id = ui.form_choice(form, "customer_id", "project.customer", customers)
            name = form.widget(st.text_input, "name", "project.name")
            mode = ui.form_choice(form, "sales_mode", "project.sales_mode", modes)
            amount = form.widget(st.text_input, "expected_amount", "project.expected_amount")
            close_date = form.widget(
                st.date_input,
                "expected_close_date",
                "project.expected_close_date",
                value=dt.date.today() + dt.timedelta(days=90),
            )
            industry = ui.form_choice(
                form, "industry", "project.industry", industries, allow_none=True
            )
            submitted = form.submit()
        if submitted:
            form.run(
                actor,
                create_project,
                ProjectInput(
                    name=name,
                    customer_id=customer_id,
                    sales_mode=mode,
                    expected_amount=amount,
                    expected_close_date=close_date,
                    industry=industry,
                ),
                success=lambda project_id: t("project.created", id=project_id),
            )

if actor.role in DECIDERS:
    with st.expander(t("project.reassign")):
        open_rows = [row for row in result.rows if row["status"] == "open"]
        with ui.reading() as session:
            owners = reference.assignable_owners(session, actor)
        with EntryForm("project_reassign") as form:
            project_id = ui.form_choice(
                form,
                "project_id",
                "project.name",
                [(row["id"], f"{row['id']} · {row['name']} · {row['owner']}") for row in open_rows],
            )
            owner_id = ui.form_choice(form, "owner_id", "project.new_owner", owners)
            note = form.widget(st.text_input, "note", "ws.note")
            submitted = form.submit()
        if submitted:
            versions = {row["id"]: row["version"] for row in open_rows}
            form.run(
                actor,
                assign_owner,
                project_id,
                owner_id,
                expected_version=versions.get(project_id),
                note=note or None,
                success=t("project.reassigned"),
            )
