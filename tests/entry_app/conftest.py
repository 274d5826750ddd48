"""AppTest fixtures: the entry app against a fresh SQLite store with a small company."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from tests.support.org import Org, make_org
from tests.support.signin import signed_in

APP = Path(__file__).resolve().parents[2] / "entry_app" / "app.py"


@pytest.fixture
def store(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Engine:
    monkeypatch.setenv("CRM_STORE_URL", sqlite_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path))
    return sqlite_engine


@pytest.fixture
def company(store: Engine) -> Org:
    return make_org(store)


@pytest.fixture
def app(store: Engine) -> Callable[..., AppTest]:
    """`app(user_id, page=None, lang="en")`: the app signed in as that user (as a browser
    carrying the user's session), optionally switched to a page, run once."""

    def open_as(user_id: int | None, page: str | None = None, lang: str | None = "en") -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=30)
        if lang is not None:
            at.session_state["i18n.language"] = lang
        if user_id is not None:
            signed_in(at, user_id, store)
        at.run()
        if page is not None:
            at.switch_page(page).run()
        return at

    return open_as
