"""Sign-in against the store, lockout, the reload token, sign-out and the language."""

from __future__ import annotations

from sqlalchemy import Engine

from entry_app.session import actor_from_token, issue_token
from ingest.commands.users import set_password
from ingest.store.models import User
from tests.conftest import PASSWORD, Org
from tests.entry_app.helpers import one


def _login(at, username: str, password: str):
    at.text_input(key="login.username").set_value(username)
    at.text_input(key="login.password").set_value(password)
    at.button[0].click()
    return at.run()


def test_login_lockout_and_sign_out(app, store: Engine, company: Org) -> None:
    at = app(None)
    _login(at, "rep", "wrong-password")
    assert [e.value for e in at.error] == ["Wrong username or password"]
    for _ in range(4):
        _login(at, "rep", "wrong-password")
    assert "locked" in at.error[0].value
    assert one(store, User, User.username == "rep").locked_until is not None
    _login(at, "rep", PASSWORD)  # the right password does not open a locked account
    assert "locked" in at.error[0].value

    at = app(None)
    _login(at, "mgr", PASSWORD)
    assert not at.exception
    token = at.query_params["sid"]
    assert actor_from_token(token, store).id == company.manager  # a reload signs back in
    assert at.title[0].value == "Home"
    # AppTest (1.67) shows the entry point's sidebar only on a fresh run, so the home
    # page's own sign-out button is used.
    at.switch_page("pages/home.py").run()
    at.run()
    at.button(key="home.sign_out").click().run()
    assert actor_from_token(token, store) is None  # revoked
    assert [w.key for w in at.text_input] == ["login.username", "login.password"]


def test_token_ends_with_a_password_change_or_forgery(store: Engine, company: Org) -> None:
    token = issue_token(company.rep, store)
    assert actor_from_token(token, store).role == "rep"
    assert actor_from_token(token[:-2] + "xx", store) is None
    _, expires, signature = token.split(".")
    assert actor_from_token(f"{company.admin}.{expires}.{signature}", store) is None
    set_password(store, company.rep, company.rep, "another-pass-2")
    assert actor_from_token(token, store) is None


def test_language_switch_is_saved_on_the_user(app, store: Engine, company: Org) -> None:
    at = app(company.rep, "pages/home.py", lang="zh_CN")
    at.run()
    assert at.title[0].value == "工作台"
    at.radio(key="home.language").set_value("en").run()
    assert at.title[0].value == "Home"
    assert one(store, User, User.id == company.rep).locale == "en"
    # A new session (another browser) opens in the saved language.
    fresh = app(company.rep, lang=None)
    assert fresh.title[0].value == "Home"
