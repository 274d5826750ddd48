"""ws.tab.issues: problems met on the project and their resolution."""

import streamlit as st

from entry_app import ui
from entry_app.workspace.context import Workspace
from ingest.commands.activities import (
    SEVERITIES,
    create_issue,
    resolve_issue,
)
from web.forms import EntryForm
from web.i18n import t


def show(ws: Workspace) -> None:
    ui.table(
        ws.project["issues"],
        {
            "title": "ws.issue_title",
            "severity": "ws.severity",
            "status": "common.status",
            "resolution": "ws.resolution",
        },
        formats={
            "severity": ui.labelled("level"),
            "status": ui.labelled("issue_status"),
        },
    )
    if ws.can_work:
        with EntryForm(f"issue_{ws.project_id}", heading="ws.issue_new") as form:
            title = form.widget(st.text_input, "title", "ws.issue_title")
            severity = ui.form_code_choice(
                form, "severity", "ws.severity", SEVERITIES, "level", index=1
            )
            description = form.widget(st.text_area, "description", "common.description")
            submitted = form.submit()
        if submitted:
            form.run(
                ws.actor,
                create_issue,
                ws.project_id,
                title,
                description=description or None,
                severity=severity,
                success=t("ws.issue_saved"),
            )
    open_issues = [(i["id"], i["title"]) for i in ws.project["issues"] if i["status"] == "open"]
    if ws.project["can_work"] and open_issues:
        with EntryForm(f"resolve_{ws.project_id}", heading="ws.resolve") as form:
            issue_id = ui.choose("ws.issue_title", open_issues, key=form.key("issue_id"))
            resolution = form.widget(st.text_input, "resolution", "ws.resolution")
            submitted = form.submit()
        if submitted:
            form.run(ws.actor, resolve_issue, issue_id, resolution, success=t("ws.resolved"))
