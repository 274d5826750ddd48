"""The activity form: on the 行动 page, against a project or customer the rep picks, planned
for a day and time; in the project workspace, against that project, done or planned for a
day."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from entry_app import ui
from ingest.commands.activities import ACTIVITY_TYPES, ActivityInput, create_activity
from ingest.commands.base import Actor
from web.forms import EntryForm
from web.i18n import t


def activity_form(
    actor: Actor,
    name: str,
    *,
    title: str,
    project_id: int | None = None,
    projects: list[tuple[int, str]] | None = None,
    customers: list[tuple[int, str]] | None = None,
) -> None:
    """With `projects` (and `customers`) the rep picks what the activity hangs on; without,
    it hangs on `project_id`."""
    picking = projects is not None
    customer_id = None
    with EntryForm(name, heading=title) as form:
        kind = ui.form_code_choice(
            form,
            "type",
            "activity.type",
            ACTIVITY_TYPES,
            "activity_type",
            error_field="activity_type",
            index=1,
        )
        subject = form.widget(st.text_input, "subject", "activity.subject")
        if picking:
            project_id, customer_id = ui.form_links(form, projects or [], customers, "activity")
            day = st.date_input(
                t("activity.planned_date"),
                value=dt.date.today() + dt.timedelta(days=1),
                key=form.key("day"),
            )
            time = st.time_input(
                t("activity.planned_time"), value=dt.time(9, 0), key=form.key("time")
            )
            form.slot("planned_at")
            done = form.widget(st.checkbox, "done", "activity.already_done", error_field="done_at")
        else:
            done = st.checkbox(t("activity.already_done"), value=True, key=form.key("done"))
            day = form.widget(
                st.date_input, "day", "activity.planned_date", error_field="planned_at"
            )
            time = dt.time(9)
        submitted = form.submit()
    if not submitted:
        return
    planned = dt.datetime.combine(day, time)
    if picking:
        # The browser's local time, stored as UTC like every timestamp in the store.
        offset = st.context.timezone_offset
        if offset is not None:
            planned = planned + dt.timedelta(minutes=offset)
    form.run(
        actor,
        create_activity,
        ActivityInput(
            activity_type=kind,
            subject=subject,
            planned_at=None if done else planned,
            project_id=project_id,
            customer_id=None if project_id is not None else customer_id,
            status="done" if done else "planned",
        ),
        success=t("activity.saved"),
    )
