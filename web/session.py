"""Who is signed in, for every run of either app (entry, dashboards).

Signing in happens on the sign-in page (web.routes), which leaves the session's token
in an HttpOnly cookie; no address ever carries it. Each run takes the token from the
cookies of the browser's connection and asks the store whether the session is still live
(ingest.auth.sessions, at most a few seconds stale), so a sign-out, a disabled account, a
changed role or password and the idle timeout end it in an open tab at its next
interaction, in both apps, whichever process serves them.
"""

from __future__ import annotations

import contextlib
import json
from html import escape
from urllib.parse import urlsplit

import streamlit as st
from sqlalchemy import Engine

from ingest.auth.sessions import SessionUser, end_session, session_user
from ingest.commands.base import Actor, CommandError
from ingest.commands.users import set_locale
from ingest.store.db import get_engine
from web.i18n import LANGUAGES, language_switcher, set_language, t
from web.markdown import literal
from web.routes import SESSION_COOKIE, safe_next, signin_url

# The session's token for this run. A test (AppTest has no cookies) may set it directly;
# a browser cannot, since no widget has this key.
TOKEN_KEY = "session.token"


def engine() -> Engine:
    """The store the app writes to (CRM_STORE_URL / CRM_DATA_DIR), one per process."""
    return get_engine()


def _token() -> str | None:
    token = st.session_state.get(TOKEN_KEY)
    if token is None:
        token = st.context.cookies.get(SESSION_COOKIE)
        if not isinstance(token, str) or not token:
            return None  # no cookie (AppTest has none at all)
        st.session_state[TOKEN_KEY] = token
    return token


def current_user() -> SessionUser | None:
    """The signed-in user of this run, or None."""
    user = session_user(_token(), engine())
    if user is not None and "i18n.language" not in st.session_state and user.locale in LANGUAGES:
        set_language(user.locale, persist=False)
    return user


def current_actor() -> Actor | None:
    user = current_user()
    return user.actor if user is not None else None


def require_sign_in() -> Actor:
    """The signed-in actor. Without a live session the browser goes to the sign-in page;
    a user who must change a demo or temporary password does that first."""
    user = current_user()
    if user is None:
        _to_signin_page(t("login.ended") if _token() else t("login.required"))
    elif user.must_change_password:
        from web.account import password_form  # the form calls back into this module

        st.title(t("account.must_change"))
        password_form(user.actor, forced=True)
        st.stop()
    else:
        return user.actor
    raise AssertionError("unreachable")  # st.stop() raises


def _to_signin_page(message: str) -> None:
    """Forget this tab's state and send the browser to the sign-in page, to come back to
    the same page and filters afterwards."""
    _clear_state()
    target = signin_url(safe_next(_here()))
    st.title(t("app.title"))
    st.info(literal(message))
    # A link for browsers without script; the script saves the click.
    st.html(
        f'<a href="{escape(target)}" target="_self">{escape(t("login.go"))}</a>'
        f"<script>window.location.assign({json.dumps(target)})</script>",
        unsafe_allow_javascript=True,
    )
    st.stop()


def _here() -> str:
    """This page's path and query (filters), from the browser's address."""
    url = st.context.url
    if not url:
        return "/"
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _clear_state() -> None:
    # Everything goes but the language choice and Streamlit's own entries ("$$..."),
    # which it needs to keep running.
    for key in list(st.session_state.keys()):
        if not str(key).startswith(("i18n.", "$$")):
            del st.session_state[key]


def sign_out() -> None:
    """End the session in the store (every process, both apps) and leave."""
    end_session(_token(), "signed_out", engine())
    _to_signin_page(t("login.signed_out"))


def account_sidebar(actor: Actor, other_app: str, label: str, icon: str) -> None:
    """The sidebar both apps draw: who is signed in, the language, a link to the other app
    (`other_app`, its address from web.links; one product on the same sign-in), signing out."""
    with st.sidebar:
        st.caption(
            t("nav.signed_in_as", name=literal(actor.username), role=t(f"role.{actor.role}"))
        )
        language_switcher()
        st.page_link(other_app, label=label, icon=icon)
        if st.button(t("nav.sign_out"), key="nav.sign_out", icon=":material/logout:"):
            sign_out()


def save_locale(lang: str) -> None:
    """Keep the user's language choice on their record (best effort: the session has it)."""
    actor = current_actor()
    if actor is None:
        return
    # A refusal still leaves the choice in force for this session.
    with contextlib.suppress(CommandError):
        set_locale(engine(), actor.id, actor.id, lang)
