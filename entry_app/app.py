"""Entry point: `streamlit run entry_app/app.py`. Signs the user in, builds the navigation
from their role, draws the shared sidebar and runs the chosen page."""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run` puts only this folder on sys.path; the packages live one level up.
ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import streamlit as st  # noqa: E402

from entry_app.i18n import language_switcher, t  # noqa: E402
from entry_app.navigation import pages_for  # noqa: E402
from entry_app.session import require_sign_in, sign_out  # noqa: E402

st.set_page_config(page_title="CRM", page_icon=":material/handshake:", layout="wide")

actor = require_sign_in()

with st.sidebar:
    st.caption(t("nav.signed_in_as", name=actor.username, role=t(f"role.{actor.role}")))
    language_switcher()
    if st.button(t("nav.sign_out"), key="nav.sign_out", icon=":material/logout:"):
        sign_out()
        st.rerun()

sections: dict[str, list[st.Page]] = {}
for spec in pages_for(actor.role):
    page = st.Page(spec.path, title=t(spec.title), icon=spec.icon)
    sections.setdefault(t(spec.section), []).append(page)
current = st.navigation(sections)

current.run()
