"""The session in the apps: every run re-checks it against the store, sign-out ends it
everywhere, a first password is changed before anything else, and the language follows
the user."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, update

from ingest.auth import sessions
from ingest.auth.sessions import open_session, session_user
from ingest.auth.signin import check_password
from ingest.commands.users import disable_user, set_password
from ingest.store.db import write_session
from ingest.store.models import User, WebSession
from tests.support.app_widgets import errors, one, shown, successes
from tests.support.org import PASSWORD, Org
from web.session import TOKEN_KEY


@pytest.fixture(autouse=True)
def _fresh_answers() -> None:
    """Each test reads sessions from the store, not from another test's remembered answer."""
    sessions._cache.clear()


def test_sign_out_ends_the_session_in_the_store(app, store: Engine, company: Org) -> None:
    at = app(company.manager, "views/home.py")
    token = at.session_state[TOKEN_KEY]
    assert at.title[0].value == "Home"
    at.button(key="nav.sign_out").click().run()
    assert session_user(token, store) is None
    assert one(
        store, WebSession, WebSession.token_hash == sessions.token_hash(token)
    ).end_reason == ("signed_out")
    assert shown(at.info[0].value) == "You have signed out"
    assert 'href="/signin?next=%2F"' in at.get("html")[0].proto.body
    assert TOKEN_KEY not in at.session_state  # the tab forgot everything


def test_an_open_tab_notices_a_disabled_account(app, store: Engine, company: Org) -> None:
    at = app(company.rep, "views/leads.py")
    assert at.title[0].value == "Leads"
    disable_user(store, company.admin, company.rep)
    sessions._cache.clear()  # as after the few seconds a process may answer from memory
    at.run()
    assert not at.title or at.title[0].value != "Leads"
    assert "session has ended" in shown(at.info[0].value)


def test_an_admin_set_password_ends_sessions_and_must_be_changed(
    app, store: Engine, company: Org
) -> None:
    at = app(company.rep, "views/leads.py")
    set_password(store, company.admin, company.rep, "temporary-pass-42")
    sessions._cache.clear()
    at.run()
    assert "session has ended" in shown(at.info[0].value)

    at = app(company.rep)
    assert at.title[0].value == "Choose your own password"
    assert [w.label for w in at.text_input] == [
        "Current password",
        "New password",
        "Repeat the new password",
    ]

    def attempt(current: str, new: str, repeat: str):
        inputs = at.text_input
        inputs[0].set_value(current)
        inputs[1].set_value(new)
        inputs[2].set_value(repeat)
        at.button[0].click()
        return at.run()

    attempt("wrong-password-1", "my-own-pass-2026", "my-own-pass-2026")
    assert "The current password is wrong" in errors(at)
    attempt("temporary-pass-42", "my-own-pass-2026", "my-own-pass-2027")
    assert "The new passwords differ" in errors(at)
    attempt("temporary-pass-42", "password123", "password123")
    assert any("too common" in e for e in errors(at))
    attempt("temporary-pass-42", "rep-is-my-name", "rep-is-my-name")
    assert any("must not contain the username" in e for e in errors(at))
    assert one(store, User, User.id == company.rep).must_change_password

    attempt("temporary-pass-42", "my-own-pass-2026", "my-own-pass-2026")
    assert not at.exception
    assert at.title[0].value == "Home"  # the app opens, in the same session
    assert not one(store, User, User.id == company.rep).must_change_password
    assert check_password(company.rep, "my-own-pass-2026", store)
    assert session_user(at.session_state[TOKEN_KEY], store) is not None


def test_changing_ones_password_keeps_this_session_and_ends_the_others(
    app, store: Engine, company: Org
) -> None:
    elsewhere = open_session(company.rep, engine=store)
    at = app(company.rep, "views/account.py")
    assert at.title[0].value == "My account"
    inputs = [w for w in at.text_input if w.key.startswith("password_change.")]
    inputs[0].set_value(PASSWORD)
    inputs[1].set_value("a-better-pass-77")
    inputs[2].set_value("a-better-pass-77")
    at.button(key=f"{inputs[0].key.rsplit('.', 1)[0]}.submit").click().run()
    assert not at.exception
    assert successes(at) == ["Password changed; sessions on other devices have ended"]
    sessions._cache.clear()
    assert session_user(at.session_state[TOKEN_KEY], store) is not None
    assert session_user(elsewhere, store) is None


def test_a_changed_role_ends_the_session(app, store: Engine, company: Org) -> None:
    at = app(company.rep, "views/leads.py")
    with write_session(store) as session:  # as an import of users that changes a role
        session.execute(update(User).where(User.id == company.rep).values(role="manager"))
    sessions._cache.clear()
    at.run()
    assert "session has ended" in shown(at.info[0].value)


def test_language_switch_is_saved_on_the_user(app, store: Engine, company: Org) -> None:
    at = app(company.rep, "views/home.py", lang="zh_CN")
    at.run()
    assert at.title[0].value == "工作台"
    at.radio(key="i18n.switcher").set_value("en").run()
    assert at.title[0].value == "Home"
    assert one(store, User, User.id == company.rep).locale == "en"
    # A new session (another browser) opens in the saved language.
    fresh = app(company.rep, lang=None)
    assert fresh.title[0].value == "Home"
