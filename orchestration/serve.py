"""`crm serve`: start every server of the product, print their URLs, stop them together.

Servers bind to localhost unless CRM_BIND_ADDRESS says otherwise (DESIGN §8).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from orchestration import snapshots
from orchestration.dagster_refresh import prepare_instance
from orchestration.dbt_runner import dbt_args, dbt_env, dbt_executable


def docs_port() -> int:
    return int(os.environ.get("CRM_DOCS_PORT", "8080"))


def dagster_port() -> int:
    return int(os.environ.get("CRM_DAGSTER_PORT", "3000"))


def bind_address() -> str:
    return os.environ.get("CRM_BIND_ADDRESS", "127.0.0.1")


@dataclass
class Service:
    name: str
    url: str
    command: list[str]
    cwd: Path | None = None


def generate_docs(warehouse: Path) -> Path | None:
    """dbt docs for analysts; skipped with a note when the warehouse is busy or missing."""
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
            f"http://localhost:{dagster_port()}",
            [
                str(bin_dir / "dagster-webserver"),
                *definitions,
                "--host",
                host,
                "--port",
                str(dagster_port()),
            ],
        ),
        Service(
            "daemon",
            "schedules and sensors (DAGSTER_HOME=" + os.environ["DAGSTER_HOME"] + ")",
            [str(bin_dir / "dagster-daemon"), "run", *definitions],
        ),
    ]


def entry_app_service(host: str) -> Service:
    """The entry app (Streamlit); XSRF protection stays on (Streamlit's default)."""
    app = Path(__file__).resolve().parent.parent / "entry_app" / "server.py"
    port = os.environ.get("CRM_ENTRY_PORT", "8501")
    return Service(
        "entry app",
        f"http://localhost:{port}",
        [
            *(sys.executable, "-m", "streamlit", "run", str(app)),
            *("--server.port", port, "--server.address", host, "--server.headless", "true"),
            *("--browser.gatherUsageStats", "false"),
        ],
    )


def dashboards_service(host: str) -> Service:
    """The decision-support dashboards, a second Streamlit app (CRM_DASHBOARDS_PORT)."""
    from dashboards import serve as dashboards

    return Service("dashboards", f"http://localhost:{dashboards.port()}", dashboards.command(host))


def services(docs: Path | None) -> list[Service]:
    host = bind_address()
    found = dagster_services(host)
    found.append(entry_app_service(host))
    found.append(dashboards_service(host))
    if docs is not None:
        found.append(
            Service(
                "dbt docs",
                f"http://localhost:{docs_port()}",
                [sys.executable, "-m", "http.server", str(docs_port()), "--bind", host],
                cwd=docs,
            )
        )
    return found


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


def serve() -> None:
    # Stopped by a signal (a service manager, `timeout`), still stop the children.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    warning = demo_password_warning()
    if warning:
        print(warning, file=sys.stderr, flush=True)
    prepare_instance()  # before the UI and the daemon open it together
    docs = generate_docs(snapshots.build_path())
    running = []
    for service in services(docs):
        running.append(subprocess.Popen(service.command, cwd=service.cwd, start_new_session=True))
        print(f"{service.name:<12} {service.url}", flush=True)
    if docs is None:
        print("dbt docs     not available yet: run `crm refresh` first", flush=True)
    try:
        while all(p.poll() is None for p in running):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for process in running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
