"""The apps served by Streamlit on a free port of 127.0.0.1, and what of Streamlit's
developer toolbar a page shows."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from crm.process_groups import stop_groups

ROOT = Path(__file__).resolve().parents[2]


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
