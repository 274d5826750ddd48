"""Real-browser fixtures: the entry app served by Streamlit on a free port against a
temporary SQLite store with the demo accounts, driven by Debian's Chromium (headless)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from crm.process_groups import stop_groups
from ingest.demo_accounts import ensure_demo_accounts
from ingest.store.db import get_engine

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"


@dataclass
class Server:
    url: str
    engine: Engine
    data_dir: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer at {url}")


@contextmanager
def streamlit_server(script: str, data_dir: Path, url: str) -> Iterator[str]:
    """One of the apps (`entry_app/server.py`, `dashboards/server.py`) served on a free
    port of 127.0.0.1 on a data directory; yields its base URL."""
    port = _free_port()
    env = {**os.environ, "CRM_STORE_URL": url, "CRM_DATA_DIR": str(data_dir)}
    name = script.split("/")[0]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / script),
            *("--server.port", str(port), "--server.address", "127.0.0.1"),
            *("--server.headless", "true", "--browser.gatherUsageStats", "false"),
            *("--server.fileWatcherType", "none"),
        ],
        env=env,
        cwd=data_dir,
        stdout=subprocess.DEVNULL,
        stderr=(data_dir / f"{name}.log").open("w"),
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, process)
        yield base
    finally:
        stop_groups([process])  # the whole group: a child of the server must not outlive it


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("e2e")
    shutil.copy(sqlite_template, data_dir / "crm.db")
    url = f"sqlite:///{data_dir / 'crm.db'}"
    engine = get_engine(url)
    ensure_demo_accounts(engine)
    with streamlit_server("entry_app/server.py", data_dir, url) as base:
        yield Server(base, engine, data_dir)


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


def developer_items(page: Any) -> list[str]:
    """What of Streamlit's developer toolbar a user sees: the Deploy button, and the
    developer entries of the main menu."""
    found = []
    if page.locator('[data-testid="stAppDeployButton"]').count():
        found.append("deploy button")
    menu = page.locator('[data-testid="stMainMenuButton"]')
    if menu.count():
        menu.first.click()
        items = page.locator('[data-testid="stMainMenuPopover"]')
        items.wait_for()
        text = items.inner_text()
        found += [item for item in ("Rerun", "Clear cache", "Deploy") if item in text]
        page.keyboard.press("Escape")
    return found
