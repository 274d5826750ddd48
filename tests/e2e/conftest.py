"""Real-browser fixtures: the entry app served by Streamlit on a free port against a
temporary SQLite store with the demo accounts, driven by Debian's Chromium (headless)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from crm import serve_dashboards as serve
from ingest.demo_accounts import ensure_demo_accounts
from tests.support.company import Company, reading, seeded_company
from tests.support.stores import copied_store
from tests.support.streamlit_server import streamlit_server

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"


@dataclass
class Server:
    url: str
    engine: Engine
    data_dir: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("e2e")
    url, engine = copied_store(sqlite_template, data_dir)
    ensure_demo_accounts(engine)
    with streamlit_server("entry_app/server.py", data_dir, url) as base:
        yield Server(base, engine, data_dir)


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Company]:
    """The small demo company, seeded and published for the module's browser tests."""
    with reading(seeded_company(tmp_path_factory)) as built:
        yield built


@pytest.fixture(scope="module")
def site(company: Company) -> Iterator[str]:
    """The dashboards as `crm serve` launches them (crm.serve_dashboards.command)."""
    port = serve.free_port()
    process = serve.start(company.root, port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        serve.stop(process)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's Chromium is missing: run `make e2e-deps`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    folder = ARTIFACTS / request.node.name.replace("[", "-").replace("]", "")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
