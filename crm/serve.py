"""`crm serve`: start every server of the product, print their URLs, stop them together.

The apps bind to localhost unless CRM_BIND_ADDRESS says otherwise; the Dagster UI and the
dbt docs, which have no sign-in of their own, stay on localhost whatever the apps do unless
CRM_ADMIN_BIND_ADDRESS names an address for them (README, "Running it for a team").
Stopped by Ctrl-C or a signal at any moment, it stops every server it started (README,
"Stopping crm serve"). `--only` starts a chosen few: one server per container in a team
installation (docs/deploy.md).
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from crm.process_groups import own_group_leaders, stop_groups
from crm.servers import DAGSTER_DAEMON, DAGSTER_UI, DASHBOARDS, DBT_DOCS, ENTRY_APP, SERVERS
from ingest import settings
from orchestration import snapshots
from orchestration.dagster_refresh import prepare_instance
from orchestration.dbt_runner import dbt_args, dbt_env, dbt_executable


def entry_port() -> int:
    return settings.entry_port()


@dataclass(frozen=True)
class Listener:
    """A port `crm serve` will listen on, and the setting that moves it."""

    what: str
    host: str
    port: int
    setting: str
    server: str


def listeners(only: frozenset[str] = frozenset(SERVERS)) -> list[Listener]:
    from crm import serve_dashboards as dashboards

    apps, admin = settings.bind_address(), settings.admin_bind_address()
    every = [
        Listener("the entry app", apps, entry_port(), "CRM_ENTRY_PORT", ENTRY_APP),
        Listener("the dashboards", apps, dashboards.port(), "CRM_DASHBOARDS_PORT", DASHBOARDS),
        Listener("the Dagster UI", admin, settings.dagster_port(), "CRM_DAGSTER_PORT", DAGSTER_UI),
        Listener("the dbt docs", admin, settings.docs_port(), "CRM_DOCS_PORT", DBT_DOCS),
    ]
    return [listener for listener in every if listener.server in only]


def port_taken(host: str, port: int) -> bool:
    """Whether something already listens there. SO_REUSEADDR as the servers themselves
    set it: a closed connection still in TIME_WAIT does not count."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return True
            raise
    return False


def ports_in_use(only: frozenset[str] = frozenset(SERVERS)) -> list[str]:
    """One line per port that is taken, naming the setting that moves it."""
    return [
        f"error: port {where.port} ({where.what}, {where.host}) is already in use: "
        f"stop what listens there or set {where.setting} to a free port"
        for where in listeners(only)
        if port_taken(where.host, where.port)
    ]


@dataclass
class Service:
    name: str
    url: str
    command: list[str]
    cwd: Path | None = None
    server: str = ""  # its name in SERVERS


def generate_docs(warehouse: Path) -> Path | None:
    """dbt docs for analysts; skipped with a note when the warehouse is busy or missing."""
    if not warehouse.exists():
        return None  # before the first refresh dbt would only create an empty warehouse
    done = subprocess.run(
        [dbt_executable(), *dbt_args(["docs", "generate"], warehouse, target_dir="dbt_docs")],
        env=dbt_env(warehouse),
        capture_output=True,
        text=True,
        check=False,
    )
    docs = warehouse.parent / "dbt_docs"
    return docs if done.returncode == 0 and (docs / "index.html").exists() else None


def dagster_services(host: str) -> list[Service]:
    """The Dagster UI, and the daemon that runs the schedules and the change sensor."""
    bin_dir = Path(sys.executable).parent
    definitions = ["-m", "orchestration.definitions"]
    return [
        Service(
            "dagster",
            f"http://localhost:{settings.dagster_port()}",
            [
                str(bin_dir / "dagster-webserver"),
                *definitions,
                "--host",
                host,
                "--port",
                str(settings.dagster_port()),
            ],
            server=DAGSTER_UI,
        ),
        Service(
            "daemon",
            "schedules and sensors (DAGSTER_HOME=" + os.environ["DAGSTER_HOME"] + ")",
            [str(bin_dir / "dagster-daemon"), "run", *definitions],
            server=DAGSTER_DAEMON,
        ),
    ]


def entry_app_service(host: str) -> Service:
    """The entry app (Streamlit); XSRF protection stays on (Streamlit's default)."""
    app = Path(__file__).resolve().parent.parent / "entry_app" / "server.py"
    port = str(entry_port())
    return Service(
        "entry app",
        f"http://localhost:{port}",
        [
            *(sys.executable, "-m", "streamlit", "run", str(app)),
            *("--server.port", port, "--server.address", host, "--server.headless", "true"),
            *("--browser.gatherUsageStats", "false"),
        ],
        server=ENTRY_APP,
    )


def dashboards_service(host: str) -> Service:
    """The decision-support dashboards, a second Streamlit app (CRM_DASHBOARDS_PORT)."""
    from crm import serve_dashboards as dashboards

    return Service(
        "dashboards",
        f"http://localhost:{dashboards.port()}",
        dashboards.command(host),
        server=DASHBOARDS,
    )


def services(docs: Path | None, only: frozenset[str] = frozenset(SERVERS)) -> list[Service]:
    host, admin = settings.bind_address(), settings.admin_bind_address()
    found = dagster_services(admin)
    found.append(entry_app_service(host))
    found.append(dashboards_service(host))
    if docs is not None:
        found.append(
            Service(
                "dbt docs",
                f"http://localhost:{settings.docs_port()}",
                [sys.executable, "-m", "http.server", str(settings.docs_port()), "--bind", admin],
                cwd=docs,
                server=DBT_DOCS,
            )
        )
    return [service for service in found if service.server in only]


def demo_password_warning() -> str | None:
    """A loud note while anyone could sign in with the published demo password."""
    from ingest.auth.signin import accounts_on_demo_password

    exposed = accounts_on_demo_password()
    if not exposed:
        return None
    shown = ", ".join(exposed[:10]) + (
        f" and {len(exposed) - 10} more" if len(exposed) > 10 else ""
    )
    bar = "!" * 78
    return (
        f"{bar}\n"
        f"WARNING: {len(exposed)} active account(s) still have the published demo password:\n"
        f"  {shown}\n"
        "Anyone who can reach these servers can sign in as them until each signs in once\n"
        "and chooses their own password, or an admin disables them (`crm user disable`).\n"
        f"{bar}"
    )


def _stop_requested(*_: object) -> None:
    raise KeyboardInterrupt  # handled like Ctrl-C: every started server is stopped


def serve(only: frozenset[str] = frozenset(SERVERS)) -> None:
    """Start the servers named in `only` (all by default) and wait until one stops."""
    # From the first line on, a stop (Ctrl-C, SIGTERM from a service manager or `timeout`,
    # SIGHUP from a closed terminal) unwinds to the `finally` that stops every server.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stop_requested)
    if signal.getsignal(signal.SIGHUP) != signal.SIG_IGN:  # nohup keeps its meaning
        signal.signal(signal.SIGHUP, _stop_requested)
    taken = ports_in_use(only)  # before anything starts: no half-started set of servers
    if taken:
        print("\n".join(taken), file=sys.stderr, flush=True)
        sys.exit(2)
    running: list[subprocess.Popen] = []
    failure = None
    try:
        exited = _run(running, only)
        failure = f"{exited} stopped on its own; the others were stopped too"
    except KeyboardInterrupt:
        print("stopping the servers...", file=sys.stderr, flush=True)
    except NothingToServe as nothing:
        failure = str(nothing)
    finally:
        stop_groups(running, extra=own_group_leaders())
    if failure is not None:
        print(f"error: {failure}", file=sys.stderr)
    # Nothing is left to clean up: skip tearing down Dagster's and dbt's imports, which
    # takes seconds on a busy machine and would hold up a service manager's restart.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0 if failure is None else 1)


class NothingToServe(Exception):
    """`--only dbt-docs` before the first refresh: no docs to serve, and nothing else."""


def _run(running: list[subprocess.Popen], only: frozenset[str]) -> str:
    """Start the servers and wait; the name of the first one that exits on its own."""
    if only & {ENTRY_APP, DASHBOARDS}:
        warning = demo_password_warning()
        if warning:
            print(warning, file=sys.stderr, flush=True)
    if only & {DAGSTER_UI, DAGSTER_DAEMON}:
        prepare_instance()  # before the UI and the daemon open it together
    docs = generate_docs(snapshots.build_path()) if DBT_DOCS in only else None
    chosen = services(docs, only)
    if not chosen:  # only the docs were asked for, and there are none yet
        raise NothingToServe("the dbt docs are not available yet: run `crm refresh` first")
    started = {}
    for service in chosen:
        process = subprocess.Popen(service.command, cwd=service.cwd, start_new_session=True)
        running.append(process)
        started[process.pid] = service.name
        print(f"{service.name:<12} {service.url}", flush=True)
    if docs is None and DBT_DOCS in only:
        print("dbt docs     not available yet: run `crm refresh` first", flush=True)
    while True:
        for process in running:
            if process.poll() is not None:
                return started[process.pid]
        time.sleep(0.5)
