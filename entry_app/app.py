"""Entry point of the entry app (served by `crm serve` through server.py, which adds the
sign-in page). Checks the user's session, builds the navigation from their role, draws
the shared sidebar and runs the chosen page.

The pages live in `views/`, not `pages/`: Streamlit still auto-discovers a `pages/` folder
beside the entry point, and a deep link (/admin_users) opened as the first request of a
session would then run that page alone, without this entry point and its role-built menu.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run` puts only this folder on sys.path; the packages live one level up.
ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import streamlit as st  # noqa: E402

from entry_app.navigation import pages_for  # noqa: E402
from web import links  # noqa: E402
from web.i18n import t  # noqa: E402
from web.session import account_sidebar, require_sign_in  # noqa: E402

actor = require_sign_in()  # first: it sets the user's language, which names the tab
st.set_page_config(page_title=t("app.title"), page_icon=":material/handshake:", layout="wide")

account_sidebar(actor, links.dashboards_url(), t("nav.dashboards"), ":material/insights:")

sections: dict[str, list[st.Page]] = {}
for spec in pages_for(actor.role):
    page = st.Page(spec.path, title=t(spec.title), icon=spec.icon)
    sections.setdefault(t(spec.section), []).append(page)
current = st.navigation(sections)

current.run()
