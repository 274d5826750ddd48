"""`crm serve` prints its URLs, serves the dbt docs, and its servers stop with it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from orchestration.refresh import run_refresh


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_shows_the_dbt_docs_and_stops_its_servers(story, warehouse) -> None:
    engine, _org, _ = story
    run_refresh(engine=engine, warehouse=warehouse)
    port = free_port()
    env = {
        **os.environ,
        "CRM_DATA_DIR": str(warehouse.parent.parent),
        "CRM_STORE_URL": str(engine.url),
        "CRM_DOCS_PORT": str(port),
    }
    serve = subprocess.Popen(
        [sys.executable, "-m", "ingest.cli", "serve"], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert serve.stdout.readline().split() == ["dbt", "docs", f"http://localhost:{port}"]
        for _ in range(50):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/manifest.json") as page:
                    assert b"fct_opportunities" in page.read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError("the docs server never answered")
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=20)
    time.sleep(0.5)
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # the docs server stopped too
