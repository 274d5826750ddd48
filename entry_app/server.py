"""The entry app's web server (`streamlit run entry_app/server.py`, started by
`crm serve`): the Streamlit app `app.py` with the sign-in page and its gate."""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run` puts only this folder on sys.path; the packages live one level up.
ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import streamlit as st  # noqa: E402

from web import routes as web  # noqa: E402

app = st.App("app.py", routes=web.routes(), middleware=web.middleware())
