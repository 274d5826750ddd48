"""行动: plan a call or visit, or log one already done, against a project or customer;
mark planned ones done."""

import datetime as dt

import streamlit as st

from entry_app import ui
from entry_app.queries import activities, reference
from ingest.commands.activities import (
    ACTIVITY_TYPES,
    ActivityInput,
    complete_activity,
    create_activity,
)
from web.forms import EntryForm
from web.i18n import t

actor = ui.actor()
st.title(t("page.activities"))

search = st.text_input(t("project.customer_search"), key="activities.link_search")
with ui.reading() as session:
    projects = reference.project_options(session, actor, search)
    customers = reference.customer_options(session, actor, search)

with EntryForm("activity_create") as form:
    st.markdown(f"**{t('activity.new')}**")
    kind = ui.choose(
        "activity.type",
        [(v, t(f"activity_type.{v}")) for v in ACTIVITY_TYPES],
        key=form.key("type"),
        index=1,
    )
    form.slot("activity_type")
    subject = st.text_input(t("activity.subject"), key=form.key("subject"))
    form.slot("subject")
    project_id = ui.choose(
        "activity.project", projects, key=form.key("project_id"), allow_none=True
    )
    form.slot("project_id")
    customer_id = ui.choose(
        "activity.customer", customers, key=form.key("customer_id"), allow_none=True
    )
    form.slot("customer_id")
    day = st.date_input(
        t("activity.planned_date"),
        value=dt.date.today() + dt.timedelta(days=1),
        key=form.key("day"),
    )
    time = st.time_input(t("activity.planned_time"), value=dt.time(9, 0), key=form.key("time"))
    form.slot("planned_at")
    done = st.checkbox(t("activity.already_done"), key=form.key("done"))
    form.slot("done_at")
    submitted = form.submit()
if submitted:
    # The browser's local time, stored as UTC like every timestamp in the store.
    offset = st.context.timezone_offset
    planned = dt.datetime.combine(day, time)
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

st.subheader(t("activity.list"))
status = st.selectbox(
    t("common.status"),
    [None, "planned", "done"],
    format_func=ui.names([None, "planned", "done"], "activity_status."),
    key="activities.status",
)
with ui.reading() as session:
    result = activities.activities(
        session, actor, status=status, offset=ui.page_offset("activities")
    )
ui.table(
    result.rows,
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
        "activity_type": lambda v: ui.label("activity_type", v),
        "planned_at": ui.when,
        "done_at": ui.when,
        "status": lambda v: ui.label("activity_status", v),
    },
)
ui.page_input("activities", result)

planned_rows = [
    (r["id"], f"{ui.when(r['planned_at'])} · {r['subject']}")
    for r in result.rows
    if r["status"] == "planned"
]
if planned_rows:
    with EntryForm("activity_complete") as form:
        st.markdown(f"**{t('activity.complete')}**")
        activity_id = ui.choose("activity.pick", planned_rows, key=form.key("activity_id"))
        notes = st.text_input(t("common.notes"), key=form.key("notes"))
        form.slot("notes")
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
