"""Signing an AppTest session in, as a browser carrying the user's session cookie would."""

from __future__ import annotations

from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from ingest.auth.sessions import open_session
from ingest.commands.users import set_password
from ingest.store.db import read_session
from ingest.store.models import User
from web.session import TOKEN_KEY


def signed_in(at: AppTest, user_id: int, engine: Engine) -> AppTest:
    """The AppTest session, signed in as the user (not yet run)."""
    at.session_state[TOKEN_KEY] = open_session(user_id, engine=engine)
    return at


def choose_passwords(engine: Engine) -> None:
    """Every user still on the seed's demo password chooses their own, as they would at
    their first sign-in (so pages open instead of the password form)."""
    with read_session(engine) as session:
        waiting = session.scalars(select(User.id).where(User.must_change_password)).all()
    for user_id in waiting:
        set_password(engine, user_id, user_id, f"chosen-{user_id}-Tq9xLm", source="test")
