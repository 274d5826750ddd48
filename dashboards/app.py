"""Entry point of the dashboards (served at :8502 by `crm serve` through server.py).

Same sign-in and roles as the entry app (web.session); the navigation lists the
dashboards the user's role may open, and each page enforces it again through the query
module.

The pages live in `views/`, not `pages/`: Streamlit still auto-discovers a `pages/` folder
beside the entry point, and a deep link (a bookmarked /pipeline?region=...) opened as the
first request of a session would then run that page alone, without this entry point, its
navigation and its page configuration.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run` puts only this folder on sys.path; the packages live one level up.
ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import streamlit as st  # noqa: E402

from dashboards import ui  # noqa: E402,F401  (registers the dashboards' strings)
from warehouse.scope import pages_for  # noqa: E402
from web import links  # noqa: E402
from web.i18n import t  # noqa: E402
from web.session import account_sidebar, require_sign_in  # noqa: E402

ICONS = {
    "pipeline": ":material/filter_alt:",
    "velocity": ":material/speed:",
    "win_loss": ":material/emoji_events:",
    "forecast": ":material/trending_up:",
    "costs": ":material/payments:",
    "leads": ":material/call:",
    "scorecard": ":material/leaderboard:",
    "health": ":material/monitor_heart:",
}

actor = require_sign_in()  # first: it sets the user's language, which names the tab
st.set_page_config(page_title=t("dash.app_title"), page_icon=":material/insights:", layout="wide")

pages = [
    st.Page(f"views/{name}.py", title=t(f"dash.page.{name}"), icon=ICONS[name], url_path=name)
    for name in pages_for(actor.role)
]
current = st.navigation({t("dash.section"): pages})

account_sidebar(actor, links.entry_url(), t("nav.entry"), ":material/handshake:")

current.run()
