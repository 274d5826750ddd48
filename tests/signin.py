"""Signing an AppTest session in, as a browser carrying the user's session would."""

from __future__ import annotations

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from entry_app.session import issue_token


def signed_in(at: AppTest, user_id: int, engine: Engine) -> AppTest:
    """The AppTest session, signed in as the user (not yet run)."""
    at.query_params["sid"] = issue_token(user_id, engine)
    return at
