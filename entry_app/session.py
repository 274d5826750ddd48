"""Who is signed in: the login form, the session token that survives a browser reload,
and sign-out. Both apps (entry and dashboards) import this module.

A Streamlit session lives as long as its browser tab's websocket; a reload starts a new
one. So a successful sign-in also issues a short-lived signed token that is kept in the
URL (`?sid=...`). On a new session the token is checked (signature, expiry) and then
verified against the store: the user must still exist, be active and not locked, and the
token is bound to the user's current password hash, so a password change ends every
session. Sign-out revokes the token in this server process. The token is in the URL, so
sharing the URL shares the session until the token expires (8 hours); the login page says
so.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import secrets
import threading
import time
from pathlib import Path

import streamlit as st
from sqlalchemy import Engine

from entry_app.i18n import LANGUAGES, language_switcher, set_language, t
from ingest.commands.base import Actor, CommandError
from ingest.commands.users import authenticate, set_locale
from ingest.settings import data_dir
from ingest.store.db import get_engine, read_session
from ingest.store.models import User, utcnow

TOKEN_PARAM = "sid"
TOKEN_TTL_S = 8 * 3600
ACTOR_KEY = "session.actor"
TOKEN_KEY = "session.token"

_revoked: set[str] = set()
_revoked_lock = threading.Lock()


def engine() -> Engine:
    """The store the app writes to (CRM_STORE_URL / CRM_DATA_DIR), one per process."""
    return get_engine()


# --- tokens ------------------------------------------------------------------------------


def _secret() -> bytes:
    """CRM_SESSION_SECRET, else a random key kept beside the store (created once, 0600)."""
    configured = os.environ.get("CRM_SESSION_SECRET")
    if configured:
        return configured.encode()
    path = Path(data_dir()) / "session.key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(32))
    return path.read_bytes()


def _signature(user_id: int, expires: int, password_hash: str) -> str:
    payload = f"{user_id}.{expires}.{password_hash}".encode()
    digest = hmac.new(_secret(), payload, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def issue_token(user_id: int, store: Engine | None = None) -> str:
    with read_session(store or engine()) as session:
        user = session.get(User, user_id)
        assert user is not None
        password_hash = user.password_hash
    expires = int(time.time()) + TOKEN_TTL_S
    return f"{user_id}.{expires}.{_signature(user_id, expires, password_hash)}"


def actor_from_token(token: str | None, store: Engine | None = None) -> Actor | None:
    """The actor a token stands for, or None when it is forged, expired, revoked, or its
    user can no longer sign in."""
    if not token or token in _revoked:
        return None
    try:
        user_id_text, expires_text, signature = token.split(".")
        user_id, expires = int(user_id_text), int(expires_text)
    except ValueError:
        return None
    if expires < time.time():
        return None
    with read_session(store or engine()) as session:
        user = session.get(User, user_id)
        if user is None or not user.is_active:
            return None
        if user.locked_until is not None and user.locked_until > utcnow():
            return None
        expected = _signature(user_id, expires, user.password_hash)
        if not hmac.compare_digest(expected, signature):
            return None
        return _actor(user)


def _actor(user: User) -> Actor:
    return Actor(
        id=user.id,
        role=user.role,
        department_id=user.department_id,
        manager_id=user.manager_id,
        username=user.username,
    )


def revoke(token: str | None) -> None:
    if token:
        with _revoked_lock:
            _revoked.add(token)


# --- the Streamlit session ---------------------------------------------------------------


def current_actor() -> Actor | None:
    """The signed-in user, restored from the URL's token after a reload."""
    actor = st.session_state.get(ACTOR_KEY)
    if actor is not None:
        token = st.session_state.get(TOKEN_KEY)
        if token in _revoked:
            _forget()
            return None
        # Page switches may drop query parameters; the token goes back into the URL.
        if token and st.query_params.get(TOKEN_PARAM) != token:
            st.query_params[TOKEN_PARAM] = token
        return actor
    token = st.query_params.get(TOKEN_PARAM)
    actor = actor_from_token(token)
    if actor is None:
        if token:
            del st.query_params[TOKEN_PARAM]
        return None
    _remember(actor, token)  # type: ignore[arg-type]
    return actor


def _remember(actor: Actor, token: str) -> None:
    st.session_state[ACTOR_KEY] = actor
    st.session_state[TOKEN_KEY] = token
    st.query_params[TOKEN_PARAM] = token
    if "i18n.language" not in st.session_state:
        with read_session(engine()) as session:
            user = session.get(User, actor.id)
            locale = user.locale if user is not None else None
        if locale in LANGUAGES:
            set_language(locale, persist=False)


def _forget() -> None:
    for key in (ACTOR_KEY, TOKEN_KEY):
        st.session_state.pop(key, None)
    if TOKEN_PARAM in st.query_params:
        del st.query_params[TOKEN_PARAM]


def sign_in(username: str, password: str) -> str | None:
    """Check the password; on success remember the user and return None, else the reason
    to show (bad credentials, locked until ..., disabled)."""
    result = authenticate(username.strip(), password, engine())
    if not result.ok:
        if result.reason == "locked" and result.locked_until is not None:
            # Stored in UTC; shown as minutes left, which needs no timezone.
            left = max(1, int((result.locked_until - utcnow()).total_seconds() // 60) + 1)
            return t("login.locked", minutes=left)
        return t(f"login.{result.reason}")
    token = issue_token(result.user_id)  # type: ignore[arg-type]
    actor = actor_from_token(token)
    assert actor is not None
    chosen = st.session_state.get("i18n.language")
    _remember(actor, token)
    if chosen:
        # A language picked on the login page is a choice: it follows the user from now on.
        save_locale(chosen)
    return None


def require_sign_in() -> Actor:
    """The signed-in actor; otherwise draw the login form and stop the page here."""
    actor = current_actor()
    if actor is not None:
        return actor
    _login_form()
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises


def _login_form() -> None:
    st.title(t("app.title"))
    with st.sidebar:
        language_switcher()
    with st.form("login"):
        st.subheader(t("login.heading"))
        username = st.text_input(t("login.username"), key="login.username")
        password = st.text_input(t("login.password"), type="password", key="login.password")
        submitted = st.form_submit_button(t("login.submit"), type="primary")
    if submitted:
        if not username or not password:
            st.error(t("login.missing"))
        else:
            problem = sign_in(username, password)
            if problem is None:
                st.rerun()
            st.error(problem)
    st.caption(t("login.reload_note", hours=TOKEN_TTL_S // 3600))


def sign_out() -> None:
    revoke(st.session_state.get(TOKEN_KEY))
    _forget()
    # Everything the user did in this session goes, except their language choice and
    # Streamlit's own entries ("$$..."), which it needs to keep running.
    for key in list(st.session_state.keys()):
        if not str(key).startswith(("i18n.", "$$")):
            del st.session_state[key]


def save_locale(lang: str) -> None:
    """Keep the user's language choice on their record (best effort: the session has it)."""
    actor = st.session_state.get(ACTOR_KEY)
    if actor is None:
        return
    # A refusal still leaves the choice in force for this session.
    with contextlib.suppress(CommandError):
        set_locale(engine(), actor.id, actor.id, lang)
