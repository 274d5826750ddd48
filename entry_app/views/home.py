"""Home: the few numbers a user starts the day with."""

import streamlit as st

from entry_app import ui
from entry_app.i18n import language_switcher, t
from entry_app.markdown import literal
from entry_app.session import sign_out
from ingest import lists

actor = ui.actor()
st.title(t("page.home"))
st.subheader(t("home.welcome", name=literal(actor.username)))
with ui.reading() as session:
    counts = lists.counts_for_home(session, actor)
columns = st.columns(4)
for column, key in zip(columns, counts, strict=True):
    column.metric(t(f"home.{key}"), counts[key])

# The sidebar is folded away on a phone: language and sign-out are here too.
st.divider()
settings = st.columns([3, 1])
with settings[0]:
    language_switcher(key="home.language")
if settings[1].button(t("nav.sign_out"), key="home.sign_out", icon=":material/logout:"):
    sign_out()
