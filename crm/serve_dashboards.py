"""How `crm serve` starts the dashboards: a second Streamlit app beside the entry app."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from crm.process_groups import stop_groups
from ingest import settings

# The app behind its web server: the sign-in page and the gate (web.routes).
SERVER = Path(__file__).resolve().parent.parent / "dashboards" / "server.py"


def port() -> int:
    return settings.dashboards_port()


def command(host: str, port_number: int | None = None) -> list[str]:
    # XSRF protection stays at Streamlit's default (on), as docs/architecture.md §11 says.
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(SERVER),
        "--server.port",
        str(port_number or port()),
        "--server.address",
        host,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]


def start(data_folder: Path, port_number: int) -> subprocess.Popen[bytes]:
    """Start the dashboards on a data directory and wait until they answer (benchmarks and
    browser tests; `crm serve` starts them through `command`)."""
    env = {**os.environ, "CRM_DATA_DIR": str(data_folder)}
    process = subprocess.Popen(
        command("127.0.0.1", port_number),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port_number}/_stcore/health") as r:
                if r.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    stop(process)
    raise RuntimeError("the dashboards did not start within 60 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop its whole process group: the server's own children outlive a stopped leader."""
    stop_groups([process])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
