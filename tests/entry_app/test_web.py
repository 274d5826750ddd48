"""The sign-in page and the gate in front of the apps, over HTTP (Starlette's test
client against the same routes and middleware the apps' server mounts)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from ingest.auth import sessions
from ingest.auth.sessions import end_session, session_user
from ingest.store.db import read_session
from ingest.store.models import User
from tests.support.org import PASSWORD, Org
from web import routes as web


async def _app_page(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"app page {request.url.path}")


@pytest.fixture
def client(store: Engine, company: Org) -> TestClient:
    sessions._cache.clear()
    app = Starlette(
        routes=[*web.routes(), Route("/{path:path}", _app_page)], middleware=web.middleware()
    )
    return TestClient(app, base_url="http://crm.example", follow_redirects=False)


def form_token(page: str) -> str:
    found = re.search(r'name="form_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str, next_path: str = "/") -> object:
    page = client.get("/signin", params={"next": next_path})
    return client.post(
        "/signin",
        data={
            "form_token": form_token(page.text),
            "next": next_path,
            "username": username,
            "password": password,
        },
    )


def test_a_page_without_a_session_goes_to_sign_in_and_back(client: TestClient) -> None:
    answer = client.get("/pipeline?region=north_china&start=2026-01-01")
    assert answer.status_code == 303
    assert answer.headers["location"] == (
        "/signin?next=%2Fpipeline%3Fregion%3Dnorth_china%26start%3D2026-01-01"
    )
    # Streamlit's own routes and files are not pages: they pass.
    for path in ("/_stcore/health", "/static/js/index.js", "/favicon.png"):
        assert client.get(path).text == f"app page {path}"

    answered = sign_in(client, "rep", PASSWORD, "/pipeline?region=north_china")
    assert answered.status_code == 303
    assert answered.headers["location"] == "/pipeline?region=north_china"
    cookie = answered.headers["set-cookie"]
    assert cookie.startswith(f"{web.SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    token = client.cookies[web.SESSION_COOKIE]
    assert token not in answered.headers["location"]  # never in an address
    page = client.get("/pipeline?region=north_china")
    assert page.text == "app page /pipeline"
    assert page.headers["x-frame-options"] == "DENY"


def test_every_failure_gets_the_same_page(client: TestClient, store: Engine, company: Org) -> None:
    from ingest.commands.users import disable_user

    disable_user(store, None, company.rep2)
    answers = [
        sign_in(client, "rep", "wrong-password-1"),
        sign_in(client, "nobody", PASSWORD),
        sign_in(client, "rep2", PASSWORD),
        sign_in(client, "rep", ""),
    ]
    bodies = {re.sub(r'value="[^"]*"', "", a.text) for a in answers}  # tokens and names aside
    assert {a.status_code for a in answers} == {401} and len(bodies) == 1
    assert "用户名或密码错误，或尝试次数过多" in answers[0].text
    assert web.SESSION_COOKIE not in client.cookies


def test_a_form_posted_from_elsewhere_signs_nobody_in(client: TestClient) -> None:
    """Login CSRF: another site's form lacks the one-time form cookie."""
    answer = client.post(
        "/signin", data={"form_token": "guessed", "username": "rep", "password": PASSWORD}
    )
    assert answer.status_code == 400
    assert web.SESSION_COOKIE not in client.cookies
    client.get("/signin")  # a real form cookie, but another token in the form
    answer = client.post(
        "/signin", data={"form_token": "guessed", "username": "rep", "password": PASSWORD}
    )
    assert answer.status_code == 400 and web.SESSION_COOKIE not in client.cookies


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "/signin?next=/x",
        "pipeline",
    ],
)
def test_sign_in_never_sends_the_browser_elsewhere(client: TestClient, target: str) -> None:
    answer = sign_in(client, "rep", PASSWORD, target)
    assert answer.headers["location"] == "/"


def test_the_page_escapes_what_it_echoes(client: TestClient) -> None:
    page = client.get("/signin", params={"next": '/x"><script>alert(1)</script>', "lang": "en"})
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    answer = sign_in(client, '"><img src=x onerror=alert(1)>', "x" * 12)
    assert "<img" not in answer.text


def test_a_language_chosen_on_the_sign_in_page_is_kept(
    client: TestClient, store: Engine, company: Org
) -> None:
    page = client.get("/signin", params={"lang": "en"})
    assert "Username" in page.text and 'name="lang_chosen" value="1"' in page.text
    client.post(
        "/signin",
        data={
            "form_token": form_token(page.text),
            "lang": "en",
            "lang_chosen": "1",
            "username": "rep",
            "password": PASSWORD,
        },
    )
    with read_session(store) as session:
        assert session.get(User, company.rep).locale == "en"
    # Signed in, the page sends one on; signed out, without a choice it follows the browser.
    assert client.get("/signin?next=/leads").headers["location"] == "/leads"
    client.cookies.clear()
    assert "用户名" in client.get("/signin", headers={"accept-language": "zh-CN"}).text


def test_an_ended_session_is_sent_to_sign_in_and_its_cookie_dropped(
    client: TestClient, store: Engine
) -> None:
    sign_in(client, "rep", PASSWORD)
    token = client.cookies[web.SESSION_COOKIE]
    assert client.get("/leads").status_code == 200
    end_session(token, engine=store)
    answer = client.get("/leads")
    assert answer.status_code == 303 and answer.headers["location"] == "/signin?next=%2Fleads"
    assert f'{web.SESSION_COOKIE}=""' in answer.headers["set-cookie"]
    assert session_user(token, store) is None


def test_the_client_address_behind_a_trusted_proxy(
    client: TestClient, store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest.store.models import SignInAttempt

    def addresses() -> list[str]:
        with read_session(store) as session:
            return [a.address for a in session.query(SignInAttempt).order_by(SignInAttempt.id)]

    spoofed = {"x-forwarded-for": "10.9.9.9"}
    page = client.get("/signin")
    client.post(
        "/signin",
        data={"form_token": form_token(page.text), "username": "rep", "password": "nope-nope-1"},
        headers=spoofed,
    )
    monkeypatch.setenv("CRM_TRUSTED_PROXIES", "testclient")
    page = client.get("/signin")
    client.post(
        "/signin",
        data={"form_token": form_token(page.text), "username": "rep", "password": "nope-nope-1"},
        headers={"x-forwarded-for": "10.1.1.1, 10.2.2.2"},
    )
    # Without a trusted proxy the header is ignored; behind one, the nearest client counts.
    assert addresses() == ["testclient", "10.2.2.2"]
