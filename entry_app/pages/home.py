"""Home: the few numbers a user starts the day with."""

import streamlit as st

from entry_app import ui
from entry_app.i18n import t
from ingest import lists

actor = ui.actor()
st.title(t("page.home"))
st.subheader(t("home.welcome", name=actor.username))
with ui.reading() as session:
    counts = lists.counts_for_home(session, actor)
columns = st.columns(4)
for column, key in zip(columns, counts, strict=True):
    column.metric(t(f"home.{key}"), counts[key])
