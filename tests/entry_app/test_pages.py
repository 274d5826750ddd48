"""Every page opens for every role that has it, in both languages, without an exception;
the navigation holds exactly the role's pages; every string key the app uses exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine

from entry_app.navigation import PAGES, pages_for
from ingest.messages import CATALOG as MESSAGES
from tests.support.app_widgets import shown
from tests.support.org import Org
from tests.support.scenery import build
from web.i18n import CATALOG

ROLE_USERS = {
    "rep": "rep",
    "manager": "manager",
    "department_head": "head",
    "executive": "executive",
    "finance": "finance",
    "data_steward": "steward",
    "admin": "admin",
}


@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_every_page_of_every_role_opens(app, store: Engine, company: Org, role: str) -> None:
    scenery = build(store, company)
    lang = "zh_CN" if role in ("rep", "manager", "finance", "admin") else "en"
    at = app(getattr(company, ROLE_USERS[role]), lang=lang)
    assert not at.exception, at.exception
    mine = pages_for(role)
    assert {spec.path for spec in mine} <= {spec.path for spec in PAGES}
    for spec in mine:
        at.session_state["workspace.project_id"] = scenery.project_id
        at.switch_page(spec.path).run()
        assert not at.exception, (spec.path, at.exception)
        assert at.title[0].value == CATALOG[spec.title][lang], spec.path
    # A role never gets another role's pages in its menu.
    if role == "rep":
        assert "views/approvals.py" not in {spec.path for spec in mine}
        assert "views/admin_users.py" not in {spec.path for spec in mine}
    if role == "finance":
        assert "views/leads.py" not in {spec.path for spec in mine}


def test_signed_out_is_sent_to_the_sign_in_page(app) -> None:
    at = app(None)
    assert not at.exception
    assert not at.text_input  # no form of the app, no password asked in the app itself
    assert shown(at.info[0].value) == "Please sign in"
    assert 'href="/signin?next=%2F"' in at.get("html")[0].proto.body


def test_every_translation_key_used_exists() -> None:
    """Keys passed to t() as literals, and the prefixes of keys built from codes."""
    source = "\n".join(
        path.read_text() for path in Path("entry_app").rglob("*.py") if path.name != "strings.py"
    )
    literal = set(re.findall(r"""\bt\(\s*["']([A-Za-z_][\w.]*)["']\s*[,)]""", source))
    literal |= set(re.findall(r"""ui\.choose\(\s*["']([\w.]+)["']""", source))
    for key in literal - {""}:
        assert key in CATALOG or key in MESSAGES, key
    for spec in PAGES:
        assert spec.title in CATALOG and spec.section in CATALOG
    for key, texts in CATALOG.items():
        # a dashboard metric's English help is its dbt description (dashboards.ui.help_text)
        assert texts.get("zh_CN") and (texts.get("en") or key.startswith("dash.metric.")), key


def test_every_workspace_tab_opens(app, store: Engine, company: Org) -> None:
    """The workspace runs only its open tab; each one, with rows, in turn."""
    from ingest.commands.project_links import QuoteInput, QuoteLineInput, create_quote

    scenery = build(store, company)
    create_quote(
        store, company.rep, QuoteInput(scenery.project_id, lines=[QuoteLineInput("FT-3000", 2)])
    )
    at = app(company.rep)
    at.session_state["workspace.project_id"] = scenery.project_id
    at.switch_page("views/project.py").run()
    for key in (
        "ws.tab.history",
        "ws.tab.contacts",
        "ws.tab.competition",
        "ws.tab.quotes",
        "ws.tab.activities",
        "ws.tab.expenses",
        "ws.tab.issues",
        "ws.tab.team",
    ):
        at.session_state["workspace.tab"] = CATALOG[key]["en"]
        at.run()
        assert not at.exception, (key, at.exception)
        if key == "ws.tab.quotes":
            assert any(m.value.startswith("**BJ") for m in at.markdown)  # the quote's number
