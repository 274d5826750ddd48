"""`crm serve` prints its addresses, serves the apps, the Dagster UI (with its daemon) and
the dbt docs; stopped at any moment it leaves no process behind; a taken port is named with
its setting before anything starts; the Dagster UI and the dbt docs stay on loopback while
the apps face the network; `--only` starts the servers named and nothing else (one server
per container, docs/deploy.md)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

from orchestration.dagster_refresh import prepare_instance
from tests.support.dagster import instance_at
from tests.support.processes import (
    alive,
    descendants,
    free_port,
    listening_addresses,
    with_environment,
)

STOPPED_WITHIN = 10.0  # seconds: the README's promise for a stopped `crm serve`


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    """A data folder with a store and a prepared Dagster instance, copied for each run:
    preparing the instance once saves each `crm serve` a few seconds."""
    folder = tmp_path_factory.mktemp("serve-template")
    shutil.copy(sqlite_template, folder / "crm.db")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CRM_DATA_DIR", str(folder))
        patch.setenv("DAGSTER_HOME", str(folder / "dagster"))
        prepare_instance()
    return folder


def serve_env(data: Path, **settings: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("CRM_BIND_ADDRESS", "CRM_ADMIN_BIND_ADDRESS", "CRM_STORE_URL")
    }
    ports = ("CRM_ENTRY_PORT", "CRM_DASHBOARDS_PORT", "CRM_DAGSTER_PORT", "CRM_DOCS_PORT")
    return {
        **env,
        **{setting: str(free_port()) for setting in ports},
        "CRM_DATA_DIR": str(data),
        "DAGSTER_HOME": str(data / "dagster"),
        "CRM_AUTOMATION": "stopped",  # no sensor-launched refresh competing for the CPU
        **settings,
    }


def start_serve(env: dict[str, str], log: Path, *options: str) -> subprocess.Popen:
    # In a session of its own, like a terminal's foreground job: the test's Ctrl-C reaches
    # `crm serve` and whatever runs in its group (dbt), as a terminal's would.
    return subprocess.Popen(
        [sys.executable, "-m", "crm.cli", "serve", *options],
        env=env,
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
        start_new_session=True,
    )


def wait_until(condition, seconds: float = 180) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "crm serve never reached the moment to stop it"
        time.sleep(0.1)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as page:
            return page.status == 200
    except OSError:
        return False


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.mark.parametrize(
    "moment", ["preparing the instance", "set-up", "servers starting", "servers answering"]
)
def test_a_stopped_serve_leaves_no_process_behind(
    prepared: Path, tmp_path: Path, moment: str, request: pytest.FixtureRequest
) -> None:
    data = tmp_path / "data"
    shutil.copytree(prepared, data)
    if moment == "preparing the instance":
        shutil.rmtree(data / "dagster")  # a first `crm serve`: it sets the instance up
    if moment == "set-up":  # a warehouse to document: without one the docs are skipped
        (data / "warehouse").mkdir()
        duckdb.connect(str(data / "warehouse" / "build.duckdb")).close()
    if moment == "servers answering":  # a built warehouse, whose models the docs show
        refreshed, *_ = request.getfixturevalue("refreshed_template")
        shutil.copytree(refreshed / "warehouse", data / "warehouse")
    env = serve_env(data, CRM_BIND_ADDRESS="0.0.0.0")
    if moment == "servers answering":
        del env["DAGSTER_HOME"]  # the default: the instance inside CRM_DATA_DIR
    serve = start_serve(env, tmp_path / "serve.log")
    try:
        if moment == "preparing the instance":
            wait_until((data / "dagster" / "dagster.yaml").exists)
        elif moment == "set-up":
            # while it prepares the docs (`dbt docs generate`, a child in its group)
            wait_until(
                lambda: any("docs generate" in command_line(p) for p in descendants(serve.pid))
            )
        elif moment == "servers starting":
            assert serve.stdout.readline().startswith("dagster ")  # the first one launched
        else:
            entry, dagster = int(env["CRM_ENTRY_PORT"]), int(env["CRM_DAGSTER_PORT"])
            docs = int(env["CRM_DOCS_PORT"])
            printed = {}  # what it prints: one address per server
            while "dbt docs" not in printed:
                line = serve.stdout.readline()
                printed[line[:12].strip()] = line[13:].strip()
            assert printed["dagster"] == f"http://localhost:{dagster}"
            assert printed["dbt docs"] == f"http://localhost:{docs}"
            assert f"DAGSTER_HOME={data / 'dagster'}" in printed["daemon"]
            wait_until(lambda: answers(f"http://127.0.0.1:{entry}/_stcore/health"))
            wait_until(lambda: answers(f"http://127.0.0.1:{dagster}/server_info"))
            with urllib.request.urlopen(f"http://127.0.0.1:{docs}/manifest.json") as page:
                assert b"fct_opportunities" in page.read()
            # the apps face the network, the Dagster UI and the dbt docs only this machine
            assert listening_addresses(entry) == {"0.0.0.0"}
            assert listening_addresses(dagster) == {"127.0.0.1"}
            assert listening_addresses(docs) == {"127.0.0.1"}
            # the daemon heartbeats into the instance
            with instance_at(data / "dagster") as instance:
                wait_until(lambda: "SENSOR" in instance.get_daemon_heartbeats())
        started = descendants(serve.pid)
        assert started or moment == "preparing the instance"  # something to stop
        if moment == "servers starting":
            serve.send_signal(signal.SIGTERM)  # a service manager, `kill`
        else:
            os.killpg(serve.pid, signal.SIGINT)  # Ctrl-C in the terminal
        stopped_at = time.monotonic()
        assert serve.wait(timeout=STOPPED_WITHIN) == 0
        marker = str(data)
        while (left := alive(started) | with_environment(marker)) and (
            time.monotonic() - stopped_at < STOPPED_WITHIN
        ):
            time.sleep(0.2)
        assert not left, [command_line(pid) for pid in left]
        for setting in ("CRM_ENTRY_PORT", "CRM_DAGSTER_PORT", "CRM_DOCS_PORT"):
            assert not listening_addresses(int(env[setting]))  # the next serve can start
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
        for pid in with_environment(str(data)):  # never leave a server to other tests
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_a_taken_port_is_named_with_its_setting_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as dagster, socket.socket() as entry:
        for holder in (dagster, entry):
            holder.bind(("127.0.0.1", 0))
            holder.listen()
        dagster_port, entry_port = dagster.getsockname()[1], entry.getsockname()[1]
        env = serve_env(
            tmp_path,
            CRM_DAGSTER_PORT=str(dagster_port),
            CRM_ENTRY_PORT=str(entry_port),
            CRM_BIND_ADDRESS="0.0.0.0",  # taken on loopback is taken on every address too
        )
        done = subprocess.run(
            [sys.executable, "-m", "crm.cli", "serve"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: port {entry_port} (the entry app, 0.0.0.0) is already in use: "
        "stop what listens there or set CRM_ENTRY_PORT to a free port",
        f"error: port {dagster_port} (the Dagster UI, 127.0.0.1) is already in "
        "use: stop what listens there or set CRM_DAGSTER_PORT to a free port",
    ]
    assert done.stdout == ""  # no server was started
    assert not (tmp_path / "dagster").exists()  # nor the Dagster instance prepared


def test_admin_surfaces_stay_on_loopback_unless_given_their_own_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm.serve import listeners, services

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    monkeypatch.setenv("CRM_BIND_ADDRESS", "0.0.0.0")
    monkeypatch.delenv("CRM_ADMIN_BIND_ADDRESS", raising=False)

    def hosts() -> dict[str, str]:
        flags = {"dagster": "--host", "dbt docs": "--bind"}
        found = {}
        for service in services(docs=tmp_path):
            flag = flags.get(service.name, "--server.address")
            if flag in service.command:
                found[service.name] = service.command[service.command.index(flag) + 1]
        return found

    assert hosts() == {
        "dagster": "127.0.0.1",
        "dbt docs": "127.0.0.1",
        "entry app": "0.0.0.0",
        "dashboards": "0.0.0.0",
    }
    assert {(where.what, where.host) for where in listeners()} == {
        ("the entry app", "0.0.0.0"),
        ("the dashboards", "0.0.0.0"),
        ("the Dagster UI", "127.0.0.1"),
        ("the dbt docs", "127.0.0.1"),
    }
    monkeypatch.setenv("CRM_ADMIN_BIND_ADDRESS", "10.1.2.3")  # e.g. behind a sign-in proxy
    assert hosts()["dagster"] == hosts()["dbt docs"] == "10.1.2.3"
    assert hosts()["entry app"] == hosts()["dashboards"] == "0.0.0.0"


def test_no_docs_and_no_empty_warehouse_before_the_first_refresh(tmp_path: Path) -> None:
    from crm.serve import generate_docs

    assert generate_docs(tmp_path / "warehouse" / "build.duckdb") is None
    assert list(tmp_path.iterdir()) == []  # dbt did not create an empty warehouse


def test_only_starts_the_servers_named_and_checks_only_their_ports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm.serve import listeners, services
    from crm.servers import SERVERS

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    names = {
        server: {s.name for s in services(tmp_path, frozenset([server]))} for server in SERVERS
    }
    assert names == {
        "entry-app": {"entry app"},
        "dashboards": {"dashboards"},
        "dagster-ui": {"dagster"},
        "dagster-daemon": {"daemon"},
        "dbt-docs": {"dbt docs"},
    }
    assert [s.name for s in services(tmp_path)] == [  # no --only: every server, as before
        "dagster",
        "daemon",
        "entry app",
        "dashboards",
        "dbt docs",
    ]
    both_apps = frozenset(["entry-app", "dashboards"])
    assert [where.setting for where in listeners(both_apps)] == [
        "CRM_ENTRY_PORT",
        "CRM_DASHBOARDS_PORT",
    ]
    assert listeners(frozenset(["dagster-daemon"])) == []  # the daemon listens on no port


def test_only_the_entry_app_in_a_container_faces_the_network_alone(
    prepared: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(prepared, data)
    shutil.rmtree(data / "dagster")
    env = serve_env(data, CRM_BIND_ADDRESS="0.0.0.0")
    with socket.socket() as dagster:  # a taken port of a server not asked for is no matter
        dagster.bind(("127.0.0.1", int(env["CRM_DAGSTER_PORT"])))
        dagster.listen()
        serve = start_serve(env, tmp_path / "serve.log", "--only", "entry-app")
        try:
            entry = int(env["CRM_ENTRY_PORT"])
            assert serve.stdout.readline() == f"entry app    http://localhost:{entry}\n"
            wait_until(lambda: answers(f"http://127.0.0.1:{entry}/_stcore/health"))
            assert listening_addresses(entry) == {"0.0.0.0"}
            assert not listening_addresses(int(env["CRM_DASHBOARDS_PORT"]))
            assert not (data / "dagster").exists()  # no Dagster instance prepared for it
            serve.send_signal(signal.SIGTERM)  # `docker stop`
            assert serve.wait(timeout=STOPPED_WITHIN) == 0
            others = ("dagster ", "daemon ", "dashboards ", "dbt docs ")
            rest = serve.stdout.read().splitlines()  # Streamlit's own lines among them
            assert [line for line in rest if line.startswith(others)] == []  # nothing else
        finally:
            if serve.poll() is None:
                os.killpg(serve.pid, signal.SIGKILL)
            for pid in with_environment(str(data)):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


def test_only_the_docs_before_the_first_refresh_is_one_line_and_exit_1(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "crm.cli", "serve", "--only", "dbt-docs"],
        env=serve_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        "error: the dbt docs are not available yet: run `crm refresh` first"
    )
    assert done.stdout == ""
    assert not (tmp_path / "dagster").exists()


def test_only_refuses_a_server_it_does_not_know(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from crm.cli import main

    result = CliRunner().invoke(main, ["serve", "--only", "dagster"])
    assert result.exit_code == 2
    assert "'dagster' is not one of" in result.output
