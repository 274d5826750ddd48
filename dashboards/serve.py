"""How `crm serve` starts the dashboards: a second Streamlit app beside the entry app."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"


def port() -> int:
    return int(os.environ.get("CRM_DASHBOARDS_PORT", "8502"))


def command(host: str) -> list[str]:
    # XSRF protection stays at Streamlit's default (on), as DESIGN §8 asks.
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.port",
        str(port()),
        "--server.address",
        host,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
