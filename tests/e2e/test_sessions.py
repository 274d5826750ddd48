"""Sessions in a real browser, both apps served side by side: the sign-in page, a reload,
a shared address, one sign-in for both apps, sign-out in both, and an account disabled
while its tab is open. Screenshots are kept under tests/e2e/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from ingest.auth.sessions import RECHECK_SECONDS
from ingest.commands.users import disable_user
from tests.support.org import PASSWORD, Org, make_org
from tests.support.stores import copied_store
from tests.support.streamlit_server import streamlit_server
from web.routes import SESSION_COOKIE

TIMEOUT_MS = 30_000


@dataclass
class Apps:
    entry: str
    dashboards: str
    engine: Engine
    org: Org


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Apps]:
    data_dir = tmp_path_factory.mktemp("sessions")
    url, engine = copied_store(sqlite_template, data_dir)
    org = make_org(engine)
    with (
        streamlit_server("entry_app/server.py", data_dir, url) as entry,
        streamlit_server("dashboards/server.py", data_dir, url) as dashboards,
    ):
        yield Apps(entry, dashboards, engine, org)


def new_tab(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 1300, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


def idle(page: Any) -> None:
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden")


def sign_in(page: Any, username: str) -> None:
    assert "/signin?next=" in page.url
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def signed_in_as(page: Any) -> str:
    caption = page.get_by_text("当前用户：").first
    caption.wait_for()
    return caption.inner_text()


def test_sessions_across_reloads_links_apps_and_accounts(
    browser: Any, apps: Apps, artifacts: Path
) -> None:
    rep = new_tab(browser)
    rep.goto(f"{apps.entry}/leads")
    assert rep.url.startswith(f"{apps.entry}/signin?next=%2Fleads")  # asked to sign in
    rep.screenshot(path=str(artifacts / "signin.png"), full_page=True)
    sign_in(rep, "rep")
    rep.get_by_role("heading", name="线索", exact=True).wait_for()
    assert rep.url == f"{apps.entry}/leads"
    [cookie] = [c for c in rep.context.cookies() if c["name"] == SESSION_COOKIE]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert cookie["value"] not in rep.url
    assert rep.evaluate("document.cookie").find(cookie["value"]) == -1  # scripts cannot read it

    rep.reload()  # still signed in
    rep.get_by_role("heading", name="线索", exact=True).wait_for()
    assert "rep（" in signed_in_as(rep)

    # The address, sent to a colleague: they are asked to sign in and see their own view.
    shared = rep.url
    colleague = new_tab(browser)
    colleague.goto(shared)
    sign_in(colleague, "rep2")
    colleague.get_by_role("heading", name="线索", exact=True).wait_for()
    assert colleague.url == shared and "rep2（" in signed_in_as(colleague)

    # One sign-in covers the dashboards: same host, another port, no second sign-in.
    dashboards = rep.context.new_page()
    dashboards.set_default_timeout(TIMEOUT_MS)
    dashboards.goto(f"{apps.dashboards}/win_loss?region=north_china")
    assert "rep（" in signed_in_as(dashboards)
    assert dashboards.url == f"{apps.dashboards}/win_loss?region=north_china"
    dashboards.screenshot(path=str(artifacts / "dashboards-signed-in.png"), full_page=True)

    # Signing out of the entry app signs the dashboards tab out too, at its next step.
    idle(rep)
    rep.get_by_role("button", name="退出登录").click()
    rep.wait_for_url(f"{apps.entry}/signin**")
    rep.screenshot(path=str(artifacts / "signed-out.png"), full_page=True)
    dashboards.wait_for_timeout(RECHECK_SECONDS * 1000 + 500)
    dashboards.get_by_text("English", exact=True).click()  # any interaction
    dashboards.wait_for_url(f"{apps.dashboards}/signin**")
    rep.goto(f"{apps.entry}/leads")  # the old cookie no longer opens anything
    assert "/signin?next=" in rep.url

    # An account disabled while its tab is open is signed out at its next interaction.
    idle(colleague)
    disable_user(apps.engine, apps.org.admin, apps.org.rep2)
    colleague.wait_for_timeout(RECHECK_SECONDS * 1000 + 500)
    colleague.get_by_role("link", name="客户").click()
    colleague.wait_for_url(f"{apps.entry}/signin**")
    sign_in(colleague, "rep2")  # and cannot sign back in
    colleague.get_by_text("登录失败").wait_for()
    colleague.screenshot(path=str(artifacts / "disabled.png"), full_page=True)
    for page in (rep, colleague):
        page.context.close()
