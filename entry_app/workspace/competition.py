"""ws.tab.competition: competitors and partners on the project."""

import streamlit as st

from entry_app import actions, ui
from entry_app.workspace.context import Workspace
from ingest.commands.project_links import (
    PARTNER_ROLES,
    THREAT_LEVELS,
)
from web.forms import EntryForm
from web.i18n import t


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
            "threat_level": lambda v: ui.label("level", v),
            "is_primary": lambda v: t("common.yes") if v else t("common.no"),
            "quoted_amount": ui.money,
        },
    )
    if ws.can_work:
        with EntryForm(f"competitor_{ws.project_id}") as form:
            competitor_id = ui.choose(
                "ws.competitor",
                ws.competitor_options,
                key=form.key("competitor_id"),
                allow_none=True,
            )
            form.slot("competitor_id")
            new_name = st.text_input(t("ws.new_competitor"), key=form.key("new_name"))
            form.slot("name")
            threat = ui.choose(
                "ws.threat",
                [(v, t(f"level.{v}")) for v in THREAT_LEVELS],
                key=form.key("threat"),
                index=1,
            )
            form.slot("threat_level")
            primary = st.checkbox(t("ws.primary"), key=form.key("primary"))
            quoted = st.text_input(t("ws.quoted_amount"), key=form.key("quoted"))
            form.slot("quoted_amount")
            notes = st.text_input(t("common.notes"), key=form.key("notes"))
            form.slot("notes")
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
        formats={"partner_role": lambda v: ui.label("partner_role", v)},
    )
    if ws.can_work:
        with EntryForm(f"partner_{ws.project_id}") as form:
            partner_id = ui.choose(
                "ws.partner", ws.partner_options, key=form.key("partner_id"), allow_none=True
            )
            form.slot("partner_id")
            new_partner = st.text_input(t("ws.new_partner"), key=form.key("new_name"))
            form.slot("name")
            partner_role = ui.choose(
                "ws.partner_role",
                [(v, t(f"partner_role.{v}")) for v in PARTNER_ROLES],
                key=form.key("role"),
            )
            form.slot("partner_role")
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
