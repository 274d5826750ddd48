"""Every role's cockpit in a real browser on the small demo company (a snapshot published),
in both languages at 1280 and 1920 pixels wide: one entry-app server, one browser. Each
greets its user by name and links to the dashboards on the host name the browser used;
the screenshots are kept under tests/e2e/artifacts/ for review."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ingest.auth.sessions import open_session
from ingest.demo_accounts import DEMO_ACCOUNTS
from ingest.store.db import read_session
from ingest.store.models import User
from tests.support.company import Company
from tests.support.streamlit_server import developer_items, streamlit_server
from web.routes import SESSION_COOKIE

WIDTHS = (1280, 1920)
TITLES = {"zh_CN": ("工作台", "欢迎，{name}", "中文"), "en": ("Home", "Welcome, {name}", "English")}


@pytest.fixture(scope="module")
def entry(company: Company) -> Iterator[str]:
    url = f"sqlite:///{company.root / 'crm.db'}"
    with streamlit_server("entry_app/server.py", company.root, url) as base:
        yield base


def idle(page: Any) -> None:
    page.wait_for_timeout(400)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden")


def show(page: Any, lang: str, name: str) -> None:
    title, welcome, _ = TITLES[lang]
    page.get_by_role("heading", name=title, exact=True).wait_for()
    page.get_by_role("heading", name=welcome.format(name=name)).wait_for()
    idle(page)


def test_every_roles_cockpit_in_both_languages_and_widths(
    browser: Any, entry: str, company: Company, artifacts: Path
) -> None:
    with read_session(company.engine) as session:
        people = {
            username: (user_id, name)
            for username, user_id, name in session.execute(
                select(User.username, User.id, User.display_name)
            )
        }
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    host = entry.split("//")[1].split(":")[0]
    for username, _, role, *_ in DEMO_ACCOUNTS:
        user_id, name = people[username]
        context.clear_cookies()
        token = open_session(user_id, engine=company.engine)
        context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": entry}])
        page.set_viewport_size({"width": WIDTHS[0], "height": 1000})
        page.goto(entry)
        if username == DEMO_ACCOUNTS[0][0]:  # a user's toolbar: no Deploy, no developer menu
            show(page, "zh_CN", name)
            assert "CRM 业务录入" in page.title()
            assert developer_items(page) == []
        for lang in ("zh_CN", "en"):
            if lang == "en":
                page.get_by_text("English", exact=True).click()
            show(page, lang, name)
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 1000})
                idle(page)
                # the app scrolls inside its main block: make the window as tall as it
                tall = page.evaluate(
                    "document.querySelector('[data-testid=\"stMain\"]').scrollHeight"
                )
                page.set_viewport_size({"width": width, "height": min(max(tall, 1000), 5000)})
                idle(page)
                page.screenshot(path=str(artifacts / f"{role}-{lang}-{width}.png"), full_page=True)
            page.set_viewport_size({"width": WIDTHS[0], "height": 1000})
        link = page.get_by_role("link", name="Dashboards", exact=True)
        assert link.get_attribute("href") == f"http://{host}:8502/"
        page.get_by_text("中文", exact=True).click()  # leave the account in its language
        show(page, "zh_CN", name)
    context.close()
    shots = sorted(p.name for p in artifacts.glob("*.png"))
    assert len(shots) == len(DEMO_ACCOUNTS) * 2 * len(WIDTHS), shots
