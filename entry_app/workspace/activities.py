"""ws.tab.activities: calls and visits on the project."""

import datetime as dt

import streamlit as st

from entry_app import ui
from entry_app.workspace.context import Workspace
from ingest.commands.activities import (
    ACTIVITY_TYPES,
    ActivityInput,
    create_activity,
)
from web.forms import EntryForm
from web.i18n import t


def show(ws: Workspace) -> None:
    actor = ws.actor
    project = ws.project
    project_id = ws.project_id
    ui.table(
        project["activities"],
        {
            "activity_type": "activity.type",
            "subject": "activity.subject",
            "planned_at": "activity.planned_at",
            "done_at": "activity.done_at",
            "status": "common.status",
        },
        formats={
            "activity_type": lambda v: ui.label("activity_type", v),
            "planned_at": ui.when,
            "done_at": ui.when,
            "status": lambda v: ui.label("activity_status", v),
        },
    )
    if project["can_work"]:
        with EntryForm(f"ws_activity_{project_id}") as form:
            st.markdown(f"**{t('ws.activity_new')}**")
            kind = ui.choose(
                "activity.type",
                [(v, t(f"activity_type.{v}")) for v in ACTIVITY_TYPES],
                key=form.key("type"),
                index=1,
            )
            form.slot("activity_type")
            subject = st.text_input(t("activity.subject"), key=form.key("subject"))
            form.slot("subject")
            done = st.checkbox(t("activity.already_done"), value=True, key=form.key("done"))
            day = st.date_input(t("activity.planned_date"), key=form.key("day"))
            form.slot("planned_at")
            submitted = form.submit()
        if submitted:
            form.run(
                actor,
                create_activity,
                ActivityInput(
                    activity_type=kind,
                    subject=subject,
                    planned_at=None if done else dt.datetime.combine(day, dt.time(9)),
                    project_id=project_id,
                    status="done" if done else "planned",
                ),
                success=t("activity.saved"),
            )
