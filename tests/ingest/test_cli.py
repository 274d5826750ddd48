"""The `crm` command as a user types it: init, user management, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from crm.cli import main
from ingest.commands.base import ROLES


@pytest.fixture
def crm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CRM_STORE_URL", raising=False)
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(main, list(args), catch_exceptions=False)
        return result.exit_code, result.output

    return run


def test_init_is_repeatable(crm, tmp_path) -> None:
    code, out = crm("init")
    assert code == 0 and "68 reference rows added" in out
    assert (tmp_path / "crm.db").exists()
    assert crm("init") == (
        0,
        f"store ready at sqlite:///{tmp_path}/crm.db; 0 reference rows added\n",
    )


def test_user_lifecycle(crm) -> None:
    crm("init")
    assert (
        crm(
            "user",
            "add",
            "boss",
            "--role",
            "manager",
            "--department",
            "north",
            "--password",
            "long-password",
        )[0]
        == 0
    )
    code, _ = crm(
        "user",
        "add",
        "wang",
        "--name",
        "王小明",
        "--role",
        "rep",
        "--manager",
        "boss",
        "--industry",
        "power",
        "--password",
        "long-password",
    )
    assert code == 0
    code, out = crm("user", "list")
    assert out.splitlines()[1:] == [
        "1,boss,boss,manager,north,True",
        "2,wang,王小明,rep,north,True",
    ]
    assert crm("user", "disable", "wang")[0] == 0
    assert crm("user", "list")[1].splitlines()[2].endswith(",False")


def test_refusals_are_one_line_per_field(crm) -> None:
    crm("init")
    code, out = crm("user", "add", "x", "--role", "rep", "--password", "short")
    assert code == 2
    assert out.strip() == "error: password: Password must be at least 10 characters"
    code, out = crm("user", "set-password", "nobody", "--password", "long-password")
    assert code == 1 and "no user named 'nobody'" in out


def test_unreachable_store_is_one_line_and_a_log(tmp_path) -> None:
    env = {
        "CRM_DATA_DIR": str(tmp_path),
        "CRM_STORE_URL": "postgresql+psycopg://x@127.0.0.1:1/x",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-m", "crm.cli", "init"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "OperationalError" in done.stderr and "logs/crm.log" in done.stderr
    assert "Traceback" in (tmp_path / "logs" / "crm.log").read_text()


def test_every_command_has_help(crm) -> None:
    for args in (
        ["--help"],
        ["init", "--help"],
        ["user", "add", "--help"],
        ["bench", "store", "--help"],
    ):
        code, out = crm(*args)
        assert code == 0 and "Usage:" in out


def test_demo_accounts_one_per_role(crm) -> None:
    crm("init")
    code, out = crm("user", "demo")
    assert code == 0 and "crm-demo-2026" in out
    assert crm("user", "demo") == (code, out)  # repeatable
    roles = {line.split(",")[3] for line in crm("user", "list")[1].splitlines()[1:]}
    assert roles == set(ROLES)


def test_bench_store_records_figures(crm, tmp_path) -> None:
    crm("init")
    out_file = tmp_path / "store.json"
    code, out = crm(
        "bench",
        "store",
        "--ops",
        "12",
        "--writers",
        "4,2",
        "--seconds",
        "0.5",
        "--out",
        str(out_file),
    )
    assert code == 0 and out.count("0 errors, 0 lost") == 2
    figures = json.loads(out_file.read_text())
    assert figures["latency_ms"]["all"]["n"] == 12
    assert set(figures["latency_ms"]) >= {"lead.create", "project.move_stage", "expense.create"}
    assert [run["writers"] for run in figures["concurrent"]] == [4, 2]
    assert all(run["submitted"] > 0 for run in figures["concurrent"])
