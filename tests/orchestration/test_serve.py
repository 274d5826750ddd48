"""`crm serve` prints its URLs, serves the dbt docs and the Dagster UI, runs the daemon,
and its servers stop with it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from sqlalchemy import select

from tests.orchestration.test_dagster_refresh import instance_at


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_shows_the_dbt_docs_and_stops_its_servers(refreshed) -> None:
    engine, _org, _, warehouse = refreshed
    port, dagster = free_port(), free_port()
    env = {
        **os.environ,
        "CRM_DATA_DIR": str(warehouse.parent.parent),
        "CRM_STORE_URL": str(engine.url),
        "CRM_DOCS_PORT": str(port),
        "CRM_DAGSTER_PORT": str(dagster),
    }
    env.pop("DAGSTER_HOME", None)
    serve = subprocess.Popen(
        [sys.executable, "-m", "ingest.cli", "serve"], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        printed = {}
        while "dbt docs" not in printed:
            line = serve.stdout.readline()
            printed[line[:12].strip()] = line[13:].strip()
        assert printed["dagster"] == f"http://localhost:{dagster}"
        assert printed["dbt docs"] == f"http://localhost:{port}"
        home = warehouse.parent.parent / "dagster"
        assert f"DAGSTER_HOME={home}" in printed["daemon"]
        assert b"fct_opportunities" in wait_for(f"http://127.0.0.1:{port}/manifest.json")
        # the Dagster UI serves the definitions, the daemon heartbeats into DAGSTER_HOME
        assert b"dagster_webserver_version" in wait_for(f"http://127.0.0.1:{dagster}/server_info")
        with instance_at(home) as instance:
            for _ in range(300):
                if "SENSOR" in instance.get_daemon_heartbeats():
                    break
                time.sleep(0.2)
            assert "SENSOR" in instance.get_daemon_heartbeats()
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=30)
    time.sleep(1)
    for stopped in (port, dagster):
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", stopped)) != 0  # its servers stopped too


def wait_for(url: str, seconds: float = 120) -> bytes:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url) as page:
                return page.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_serve_warns_while_accounts_have_the_demo_password(
    sqlite_engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest.auth.passwords import DEMO_PASSWORD
    from ingest.commands.users import set_password
    from ingest.demo_accounts import ensure_demo_accounts
    from ingest.store.db import read_session
    from ingest.store.models import User
    from orchestration.serve import demo_password_warning

    monkeypatch.setenv("CRM_STORE_URL", str(sqlite_engine.url))
    assert demo_password_warning() is None
    ensure_demo_accounts(sqlite_engine)
    warning = demo_password_warning()
    assert warning is not None and "7 active account(s)" in warning
    assert "admin, exec, head, manager, rep, finance, steward" in warning
    with read_session(sqlite_engine) as session:
        ids = dict(session.execute(select(User.username, User.id)).all())
    for username, user_id in ids.items():
        if username != "rep":
            set_password(sqlite_engine, user_id, user_id, f"{DEMO_PASSWORD}-{user_id}-own")
    warning = demo_password_warning()
    assert warning is not None and "1 active account(s)" in warning and "\n  rep\n" in warning
    set_password(sqlite_engine, ids["admin"], ids["rep"], "temporary-but-not-demo")
    assert demo_password_warning() is None  # a temporary password is not the published one
