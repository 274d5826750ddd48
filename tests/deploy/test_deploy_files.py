"""The team installation's files (deploy/, docs/deploy.md) hold together, checked offline: every
container runs a `crm` command that the CLI accepts, every setting it is given exists, no
secret is written in them, only the proxy publishes ports and it guards the admin surfaces,
and both Dagster instances (compose, Kubernetes) are the single-machine one on PostgreSQL."""

from __future__ import annotations

import importlib
import importlib.util
import re
import tempfile
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from crm.cli import main
from ingest.settings import SETTINGS

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOCS = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
# Names the containers get that are not `crm` settings: Dagster's, libpq's, the postgres
# image's, and the proxy's own (Caddyfile). docs/deploy.md explains each.
THIRD_PARTY_ENV = {
    "DAGSTER_HOME",
    "PGPASSWORD",
    "POSTGRES_USER",
    "POSTGRES_DB",
    "POSTGRES_PASSWORD",
    "PUBLIC_HOST",
    "PROXY_TLS",
    "ADMIN_USER",
    "ADMIN_PASSWORD_HASH",
    "ADMIN_NETWORKS",
}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|HASH|PRIVATE", re.IGNORECASE)
CREDENTIAL_IN_URL = re.compile(r"://[^/@\s:]+:[^/@\s]+@")
REQUIRED_FROM_ENV_FILE = re.compile(r"^\$\{[A-Z_]+:\?[^}]+\}$")


def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


SERVICES: dict[str, dict[str, Any]] = compose()["services"]


def k8s_documents() -> list[dict[str, Any]]:
    text = (DEPLOY / "k8s" / "dagster-instance.yaml").read_text(encoding="utf-8")
    return [doc for doc in yaml.safe_load_all(text) if doc]


def k8s_instance() -> dict[str, Any]:
    (config_map,) = [d for d in k8s_documents() if d["metadata"]["name"] == "crm-dagster-instance"]
    return yaml.safe_load(config_map["data"]["dagster.yaml"])


def crm_commands() -> dict[str, list[str]]:
    return {name: s["command"] for name, s in SERVICES.items() if s["command"][0] == "crm"}


def refusal(args: list[str]) -> str | None:
    """Why the real `crm` CLI would refuse these arguments (None: it accepts them)."""
    command: click.Command = main
    rest = list(args)
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        found = command.get_command(click.Context(command), rest[0])
        if found is None:
            return f"no command {rest[0]!r}"
        command = found
        rest.pop(0)
    try:
        command.make_context(command.name or "crm", rest)  # parses every option, runs nothing
    except click.ClickException as error:
        return error.format_message()
    return None


def validated_instance(config: dict[str, Any]) -> dict[str, Any]:
    """The instance config as Dagster's own schema reads it (an unknown key fails)."""
    from dagster._core.instance.config import dagster_instance_config

    with tempfile.TemporaryDirectory() as home:
        (Path(home) / "dagster.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
        checked, _ = dagster_instance_config(home)
    return checked


def test_every_service_has_an_image_and_a_command() -> None:
    assert set(SERVICES) == {
        "postgres",
        "init",
        "dagster-daemon",
        "dagster-webserver",
        "dbt-docs",
        "entry-app",
        "dashboards",
        "proxy",
    }
    for name, service in SERVICES.items():
        assert service.get("image") or service.get("build"), name
        assert isinstance(service.get("command"), list) and service["command"], name


def test_the_checker_refuses_what_the_cli_refuses() -> None:
    assert refusal(["serve", "--only", "dagster-ui"]) is None
    assert refusal(["init"]) is None
    assert refusal(["serv"]) == "no command 'serv'"
    assert "'dagster' is not one of" in (refusal(["serve", "--only", "dagster"]) or "")
    assert "No such option" in (refusal(["init", "--migrate"]) or "")


def test_every_crm_command_is_one_the_cli_accepts() -> None:
    commands = crm_commands()
    assert {name: refusal(command[1:]) for name, command in commands.items()} == dict.fromkeys(
        commands
    )
    from crm.servers import SERVERS

    served = {c[c.index("--only") + 1] for c in commands.values() if "--only" in c}
    assert served == set(SERVERS)  # every server runs in a container of its own
    assert commands["init"] == ["crm", "init"]


def test_the_dagster_servers_load_the_projects_definitions(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from crm.serve import services
    from crm.servers import DAGSTER_DAEMON, DAGSTER_UI

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    started = {s.server: s.command for s in services(None, frozenset([DAGSTER_UI, DAGSTER_DAEMON]))}
    assert Path(started[DAGSTER_UI][0]).name == "dagster-webserver"
    assert Path(started[DAGSTER_DAEMON][0]).name == "dagster-daemon"
    for command in started.values():
        module = command[command.index("-m") + 1]
        spec = importlib.util.find_spec(module)
        assert spec is not None and spec.origin is not None
        assert Path(spec.origin).is_relative_to(ROOT), module  # this repository's definitions


def test_every_setting_given_exists_or_is_documented() -> None:
    settings = {s.name for s in SETTINGS if not s.internal}
    given = {
        (name, key) for name, service in SERVICES.items() for key in service.get("environment", {})
    }
    given |= {
        ("k8s", key)
        for doc in k8s_documents()
        if doc["metadata"]["name"] == "crm-settings"
        for key in doc["data"]
    }
    unknown = sorted(
        f"{where}: {key}"
        for where, key in given
        if not (key in settings if key.startswith("CRM_") else key in THIRD_PARTY_ENV)
    )
    assert unknown == []
    undocumented = sorted(key for key in THIRD_PARTY_ENV if f"`{key}`" not in DOCS)
    assert undocumented == []
    assert {key for _, key in given} >= {"CRM_STORE_URL", "CRM_DAGSTER_PG_URL", "CRM_DATA_DIR"}


def strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return [str(value)]


def test_no_secret_is_written_in_the_deployment_files() -> None:
    for name, service in SERVICES.items():
        for key, value in service.get("environment", {}).items():
            if SECRET_NAME.search(key):  # taken from deploy/.env, required
                assert REQUIRED_FROM_ENV_FILE.match(str(value)), f"{name}: {key}"
    everything = strings(compose()) + [s for doc in k8s_documents() for s in strings(doc)]
    everything += strings(yaml.safe_load((DEPLOY / "dagster.yaml").read_text(encoding="utf-8")))
    everything += strings(k8s_instance())
    assert [s for s in everything if CREDENTIAL_IN_URL.search(s)] == []
    secrets_in_k8s = [
        key for doc in k8s_documents() for key in doc.get("data", {}) if SECRET_NAME.search(key)
    ]
    assert secrets_in_k8s == []  # a Secret holds them (env_secrets), not a ConfigMap
    example = (DEPLOY / "env.example").read_text(encoding="utf-8")
    for line in example.splitlines():
        key, _, value = line.partition("=")
        if not line.startswith("#") and SECRET_NAME.search(key):
            assert value.strip("'\"") == "", key
    assert "deploy/.env" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()


def test_only_the_proxy_publishes_ports_and_the_admin_ones_on_loopback() -> None:
    from ingest import settings

    publishing = {name for name, service in SERVICES.items() if service.get("ports")}
    assert publishing == {"proxy"}
    assert all(s.get("network_mode") != "host" for s in SERVICES.values())
    published = {p.rsplit(":", 2)[-1]: p.rsplit(":", 2)[0] for p in SERVICES["proxy"]["ports"]}
    assert set(published) == {"8501", "8502", str(settings.dagster_port()), "3000", "8080"}
    for admin in (str(settings.dagster_port()), str(settings.docs_port())):
        assert published[admin] == "${ADMIN_PUBLISH_ADDRESS:-127.0.0.1}"
    admin_env = {name: SERVICES[name]["environment"] for name in ("dagster-webserver", "dbt-docs")}
    assert admin_env["dagster-webserver"]["CRM_DAGSTER_PORT"] == "3000"
    assert admin_env["dbt-docs"]["CRM_DOCS_PORT"] == "8080"
    assert "front" not in SERVICES["postgres"]["networks"]
    assert "front" not in SERVICES["dagster-daemon"]["networks"]


def caddy_sites() -> dict[str, str]:
    """Each site address of the Caddyfile and the body of its block."""
    text = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    return dict(re.findall(r"^(\{\$PUBLIC_HOST\}:\d+) \{\n(.*?)^\}", text, re.M | re.S))


def caddy_snippet(name: str) -> str:
    text = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    (body,) = re.findall(rf"^\({name}\) \{{\n(.*?)^\}}", text, re.M | re.S)
    return body


def test_the_proxy_routes_both_apps_over_their_replicas() -> None:
    sites = caddy_sites()
    routes = {
        "entry-app": ("8501", "CRM_ENTRY_PORT", "CRM_ENTRY_URL"),
        "dashboards": ("8502", "CRM_DASHBOARDS_PORT", "CRM_DASHBOARDS_URL"),
    }
    for app, (port, port_setting, url_setting) in routes.items():
        body = sites[f"{{$PUBLIC_HOST}}:{port}"]
        assert re.search(rf"^\s*import replicas {app} {port} \w+$", body, re.M), app
        env = SERVICES[app]["environment"]
        assert env[port_setting] == port
        assert env[url_setting].startswith("https://") and env[url_setting].endswith(f":{port}")
        assert env["CRM_BIND_ADDRESS"] == "0.0.0.0"
        assert env["CRM_SECURE_COOKIES"] == "1"
        assert SERVICES[app]["deploy"]["replicas"] >= 2
        proxy_address = SERVICES["proxy"]["networks"]["front"]["ipv4_address"]
        assert env["CRM_TRUSTED_PROXIES"] == proxy_address  # the throttle sees the client
    replicas = caddy_snippet("replicas")
    assert "dynamic a" in replicas and "lb_policy cookie" in replicas  # sticky, every replica


def test_the_proxy_guards_the_admin_surfaces() -> None:
    sites = caddy_sites()
    assert re.search(
        r"^\s*import admin_only dagster-webserver:3000$", sites["{$PUBLIC_HOST}:3000"], re.M
    )
    assert re.search(r"^\s*import admin_only dbt-docs:8080$", sites["{$PUBLIC_HOST}:8080"], re.M)
    guard = caddy_snippet("admin_only")
    # refused outside the allowed networks first, then a sign-in, then the server
    order = [guard.index(word) for word in ("respond @outside", "basic_auth", "reverse_proxy")]
    assert order == sorted(order) and "route {" in guard
    assert "{$ADMIN_USER} {$ADMIN_PASSWORD_HASH}" in guard
    assert "not remote_ip" in guard
    for site in sites.values():
        assert "import tls_choice" in site


def test_the_compose_instance_is_the_single_machine_instance_on_postgres() -> None:
    from orchestration.dagster_refresh import INSTANCE_YAML

    single = yaml.safe_load(INSTANCE_YAML)
    team = yaml.safe_load((DEPLOY / "dagster.yaml").read_text(encoding="utf-8"))
    assert {k: v for k, v in team.items() if k != "storage"} == {
        k: v for k, v in single.items() if k != "storage"
    }
    assert team["storage"] == {"postgres": {"postgres_url": {"env": "CRM_DAGSTER_PG_URL"}}}
    assert validated_instance(team)["run_launcher"]["class"] == "CrmRunLauncher"
    # the launcher judges runs by their process: the UI's container shares the daemon's
    assert SERVICES["dagster-webserver"]["pid"] == "service:dagster-daemon"
    mount = "./dagster.yaml:/data/dagster/dagster.yaml:ro"
    for name in ("dagster-daemon", "dagster-webserver"):
        assert mount in SERVICES[name]["volumes"]
        assert SERVICES[name]["environment"]["DAGSTER_HOME"] == "/data/dagster"


def test_the_k8s_instance_launches_runs_as_kubernetes_jobs() -> None:
    instance = k8s_instance()
    launcher = instance["run_launcher"]
    assert (launcher["module"], launcher["class"]) == ("dagster_k8s.launcher", "K8sRunLauncher")
    config = launcher["config"]
    assert config["instance_config_map"] == "crm-dagster-instance"  # this very ConfigMap
    assert config["env_secrets"] == ["crm-secrets"] and config["env_config_maps"] == [
        "crm-settings"
    ]
    assert config["run_k8s_config"]["container_config"]["resources"]["limits"]["memory"]
    assert {m["mountPath"] for m in config["volume_mounts"]} == {"/data"}
    team = yaml.safe_load((DEPLOY / "dagster.yaml").read_text(encoding="utf-8"))
    for block in ("concurrency", "telemetry", "run_monitoring", "retention", "storage"):
        assert instance[block] == team[block], block
    checked = validated_instance(instance)
    for block in ("local_artifact_storage", "compute_logs"):  # Dagster's own classes exist
        module = importlib.import_module(checked[block]["module"])
        assert hasattr(module, checked[block]["class"])
    assert "dagster-k8s==" in DOCS  # the image adds it: it is not in requirements.lock


def test_the_image_installs_the_lock_and_runs_as_the_service_user() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "pip install --no-cache-dir -r requirements.lock" in dockerfile
    assert "pip install --no-cache-dir --no-deps -e ." in dockerfile
    assert re.search(r"^USER crm$", dockerfile, re.M)
    build = SERVICES["init"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"


def test_the_deployment_guide_is_linked() -> None:
    assert "docs/deploy.md" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(deploy.md)" in (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
