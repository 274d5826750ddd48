"""行动: plan a call or visit, or log one already done, against a project or customer;
mark planned ones done."""

import streamlit as st

from entry_app import ui
from entry_app.forms.activity import activity_form
from entry_app.queries import activities
from ingest.commands.activities import (
    complete_activity,
)
from web.forms import EntryForm
from web.i18n import t

actor = ui.actor()
st.title(t("page.activities"))

projects, customers = ui.link_options(actor, "activities")

activity_form(
    actor, "activity_create", title="activity.new", projects=projects, customers=customers
)

st.subheader(t("activity.list"))
status = ui.status_filter(st, "activities", ["planned", "done"], "activity_status.")
with ui.reading() as session:
    result = activities.activities(session, actor, ui.list_request("activities", status=status))
ui.paged_table(
    "activities",
    result,
    {
        "activity_type": "activity.type",
        "subject": "activity.subject",
        "planned_at": "activity.planned_at",
        "done_at": "activity.done_at",
        "status": "common.status",
        "project": "activity.project",
        "customer": "project.customer",
    },
    formats={
        "activity_type": ui.labelled("activity_type"),
        "planned_at": ui.when,
        "done_at": ui.when,
        "status": ui.labelled("activity_status"),
    },
)

planned_rows = [
    (r["id"], f"{ui.when(r['planned_at'])} · {r['subject']}")
    for r in result.rows
    if r["status"] == "planned"
]
if planned_rows:
    with EntryForm("activity_complete", heading="activity.complete") as form:
        activity_id = ui.choose("activity.pick", planned_rows, key=form.key("activity_id"))
        notes = form.widget(st.text_input, "notes", "common.notes")
        form.slot("done_at")
        submitted = form.submit(t("activity.complete"))
    if submitted:
        form.run(
            actor,
            complete_activity,
            activity_id,
            notes=notes or None,
            success=t("activity.completed"),
        )
