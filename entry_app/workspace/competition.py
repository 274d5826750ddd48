"""ws.tab.competition: competitors and partners on the project."""

from typing import Any

import streamlit as st

from entry_app import actions, ui
from entry_app.workspace.context import Workspace
from ingest.commands.project_links import (
    PARTNER_ROLES,
    THREAT_LEVELS,
)
from web.forms import EntryForm
from web.i18n import t


def _existing_or_new(
    form: EntryForm, field: str, label_key: str, new_label_key: str, options: list[Any]
) -> tuple[int | None, str]:
    """A competitor or partner already known, or the name of a new one (which wins when
    typed; `actions.link_*` create it)."""
    chosen = ui.form_choice(form, field, label_key, options, allow_none=True)
    new_name = form.widget(st.text_input, "new_name", new_label_key, error_field="name")
    return chosen, new_name


def show(ws: Workspace) -> None:
    ui.table(
        ws.project["competitors"],
        {
            "name": "ws.competitor",
            "threat_level": "ws.threat",
            "is_primary": "ws.primary",
            "quoted_amount": "ws.quoted_amount",
            "notes": "common.notes",
        },
        formats={
            "threat_level": ui.labelled("level"),
            "is_primary": ui.yes_no,
            "quoted_amount": ui.money,
        },
    )
    if ws.can_work:
        with EntryForm(f"competitor_{ws.project_id}") as form:
            competitor_id, new_name = _existing_or_new(
                form, "competitor_id", "ws.competitor", "ws.new_competitor", ws.competitor_options
            )
            threat = ui.form_code_choice(
                form,
                "threat",
                "ws.threat",
                THREAT_LEVELS,
                "level",
                error_field="threat_level",
                index=1,
            )
            primary = st.checkbox(t("ws.primary"), key=form.key("primary"))
            quoted = form.widget(
                st.text_input, "quoted", "ws.quoted_amount", error_field="quoted_amount"
            )
            notes = form.widget(st.text_input, "notes", "common.notes")
            submitted = form.submit()
        if submitted:
            form.run(
                ws.actor,
                actions.link_competitor,
                ws.project_id,
                competitor_id,
                new_name,
                threat_level=threat,
                is_primary=primary,
                quoted_amount=quoted,
                notes=notes,
                success=t("ws.competitor_saved"),
            )
    ui.table(
        ws.project["partners"],
        {"name": "ws.partner", "partner_role": "ws.partner_role", "notes": "common.notes"},
        formats={"partner_role": ui.labelled("partner_role")},
    )
    if ws.can_work:
        with EntryForm(f"partner_{ws.project_id}") as form:
            partner_id, new_partner = _existing_or_new(
                form, "partner_id", "ws.partner", "ws.new_partner", ws.partner_options
            )
            partner_role = ui.form_code_choice(
                form,
                "role",
                "ws.partner_role",
                PARTNER_ROLES,
                "partner_role",
                error_field="partner_role",
            )
            notes = st.text_input(t("common.notes"), key=form.key("notes"))
            submitted = form.submit()
        if submitted:
            form.run(
                ws.actor,
                actions.link_partner,
                ws.project_id,
                partner_id,
                new_partner,
                partner_role=partner_role,
                notes=notes,
                success=t("ws.partner_saved"),
            )
