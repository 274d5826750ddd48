"""One product: each app links to the other on the address `crm serve` gives it (or the
one a setting names, credentials dropped), and a project in a dashboard table opens in the
entry app's workspace."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboards.ui import WORKSPACE_COLUMN, with_workspace_links
from tests.support.signin import signed_in
from web import links

DASHBOARDS_APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"


def external_links(at: AppTest) -> dict[str, str]:
    return {
        link.proto.label: link.proto.page for link in at.get("page_link") if link.proto.external
    }


def test_the_entry_app_links_to_the_dashboards_on_serves_port(app, company, monkeypatch) -> None:
    monkeypatch.delenv("CRM_DASHBOARDS_URL", raising=False)
    monkeypatch.delenv("CRM_DASHBOARDS_PORT", raising=False)
    assert external_links(app(company.rep))["Dashboards"] == "http://localhost:8502/"
    monkeypatch.setenv("CRM_DASHBOARDS_PORT", "9602")
    assert external_links(app(company.rep, lang="zh_CN"))["分析看板"] == "http://localhost:9602/"


def test_a_configured_address_wins_without_its_credentials(app, company, monkeypatch) -> None:
    monkeypatch.setenv("CRM_DASHBOARDS_URL", "https://ops:s3cret@bi.example.com:8443/crm/?x=1")
    shown = external_links(app(company.rep))["Dashboards"]
    assert shown == "https://bi.example.com:8443/crm/"
    assert "s3cret" not in shown and "ops" not in shown


def test_the_dashboards_link_to_the_entry_app(store, company, monkeypatch) -> None:
    monkeypatch.delenv("CRM_ENTRY_URL", raising=False)
    monkeypatch.setenv("CRM_ENTRY_PORT", "9501")
    at = AppTest.from_file(str(DASHBOARDS_APP), default_timeout=60)
    at.session_state["i18n.language"] = "en"
    signed_in(at, company.rep, store)
    at.run()
    assert not at.exception, at.exception
    assert external_links(at)["Data entry"] == "http://localhost:9501/"


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        (None, "http://localhost:8501/project?project=12"),
        ("https://crm.example.com/entry/", "https://crm.example.com/entry/project?project=12"),
        ("http://u:p@[::1]:8601", "http://[::1]:8601/project?project=12"),
        ("javascript:alert(1)", "http://localhost:8501/project?project=12"),
        ("http://crm.example.com:port/", "http://localhost:8501/project?project=12"),
    ],
)
def test_a_project_opens_in_the_workspace(monkeypatch, setting, expected) -> None:
    monkeypatch.delenv("CRM_ENTRY_PORT", raising=False)
    if setting is None:
        monkeypatch.delenv("CRM_ENTRY_URL", raising=False)
    else:
        monkeypatch.setenv("CRM_ENTRY_URL", setting)
    assert links.project_url(12) == expected


def test_a_dashboard_table_with_projects_gets_a_workspace_column(monkeypatch) -> None:
    monkeypatch.delenv("CRM_ENTRY_URL", raising=False)
    monkeypatch.delenv("CRM_ENTRY_PORT", raising=False)
    frame = pd.DataFrame({"project_id": [7, None, 31], "project_name": ["a", "b", "c"]})
    shown, config = with_workspace_links(frame)
    assert list(shown.columns) == [WORKSPACE_COLUMN, "project_id", "project_name"]
    urls = list(shown[WORKSPACE_COLUMN])
    assert urls[0] == "http://localhost:8501/project?project=7"
    assert pd.isna(urls[1])  # a row without a project has no link
    assert urls[2] == "http://localhost:8501/project?project=31"
    assert config is not None and WORKSPACE_COLUMN in config
    assert list(frame.columns) == ["project_id", "project_name"]  # the export's frame as it was
    plain = pd.DataFrame({"customer_id": [1]})
    unchanged, no_config = with_workspace_links(plain)
    assert unchanged is plain and no_config is None
