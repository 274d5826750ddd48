"""ws.tab.contacts: the customer's contacts on the project, their decision role and attitude."""

import streamlit as st

from entry_app import ui
from entry_app.workspace.context import Workspace
from ingest.commands.project_links import (
    ATTITUDES,
    DECISION_ROLES,
    set_contact_role,
)
from web.forms import EntryForm
from web.i18n import t


def show(ws: Workspace) -> None:
    ui.table(
        ws.project["contacts"],
        {
            "name": "ws.contact",
            "title": "contact.title",
            "decision_role": "ws.decision_role",
            "attitude": "ws.attitude",
            "notes": "common.notes",
        },
        formats={
            "decision_role": ui.labelled("decision_role"),
            "attitude": ui.labelled("attitude"),
        },
    )
    if ws.can_work:
        with EntryForm(f"contact_role_{ws.project_id}") as form:
            contact_id = ui.form_choice(form, "contact_id", "ws.contact", ws.contact_options)
            role = ui.form_code_choice(
                form, "decision_role", "ws.decision_role", DECISION_ROLES, "decision_role"
            )
            attitude = ui.form_code_choice(
                form, "attitude", "ws.attitude", ATTITUDES, "attitude", index=1
            )
            notes = form.widget(st.text_input, "notes", "common.notes")
            submitted = form.submit()
        if submitted:
            form.run(
                ws.actor,
                set_contact_role,
                ws.project_id,
                contact_id,
                role,
                attitude=attitude,
                notes=notes or None,
                success=t("ws.role_saved"),
            )
