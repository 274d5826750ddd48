"""经营目标: monthly won-amount targets for a rep or a department."""

import datetime as dt

import streamlit as st

from entry_app import ui
from entry_app.queries import reference, targets
from ingest.commands.targets import set_target
from web.forms import EntryForm
from web.i18n import t

actor = ui.actor()
lang = ui.lang()
st.title(t("page.targets"))

with ui.reading() as session:
    reps = reference.assignable_owners(session, actor)
    departments = reference.options(session, "department", lang)

scope = st.radio(
    t("target.scope"),
    ["user", "department"],
    format_func=ui.names(["user", "department"], "target.for_"),
    key="targets.scope",
    horizontal=True,
)
today = dt.date.today()
with EntryForm("target_set", heading="target.new") as form:
    month = form.widget(
        st.date_input,
        "month",
        "target.month",
        error_field="period_month",
        value=today.replace(day=1),
    )
    if scope == "user":
        user_id = ui.choose("target.user", reps, key=form.key("user_id"))
        department = None
    else:
        user_id = None
        department = ui.choose("target.department", departments, key=form.key("department"))
    form.slot("user_id")
    form.slot("department")
    amount = form.widget(st.text_input, "amount", "target.amount")
    submitted = form.submit()
if submitted:
    form.run(
        actor,
        set_target,
        month,
        amount,
        user_id=user_id,
        department=department,
        success=t("target.saved"),
    )

st.subheader(t("target.list"))
with ui.reading() as session:
    result = targets.targets(session, actor, lang, ui.list_request("targets"))
ui.paged_table(
    "targets",
    result,
    {
        "period_month": "target.month",
        "user": "target.user",
        "department": "target.department",
        "amount": "target.amount",
    },
    formats={"period_month": lambda d: d.strftime("%Y-%m"), "amount": ui.money},
)
