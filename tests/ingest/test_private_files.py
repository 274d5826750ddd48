"""What the product writes is the service user's alone; a bad encoding is one clear line."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import yaml
from click.testing import CliRunner

from crm.cli import main
from ingest.importer import import_file

WRITE_EVERYTHING = """
import duckdb
from ingest.store.setup import init_store
from orchestration import snapshots
from orchestration.dbt_runner import marts_path

init_store()  # the SQLite store in CRM_DATA_DIR
build = snapshots.build_path()
with duckdb.connect(str(build)) as con:
    con.execute("CREATE TABLE raw_rows AS SELECT 1 AS x")
with duckdb.connect(str(marts_path(build))) as con:  # what dbt writes, as a child process
    con.execute("CREATE TABLE fct_opportunities AS SELECT 1 AS project_id")
snapshots.publish(build, change_seq=1)
"""


def test_data_folder_store_and_snapshots_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "CRM_DATA_DIR": str(data)}
    env.pop("CRM_STORE_URL", None)
    subprocess.run(
        [sys.executable, "-c", WRITE_EVERYTHING],
        env=env,
        check=True,
        preexec_fn=lambda: os.umask(0o022),  # a usual login umask: the product must tighten it
    )
    modes = {
        path.relative_to(data).as_posix(): stat.S_IMODE(path.stat().st_mode)
        for path in [data, *data.rglob("*")]
    }
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert modes["crm.db"] == 0o600
    assert modes["warehouse"] == modes["warehouse/snapshots"] == 0o700
    assert modes["warehouse/build.duckdb"] == modes["warehouse/marts.duckdb"] == 0o600
    assert modes["warehouse/snapshots/v000001.duckdb"] == 0o600
    assert modes["warehouse/snapshots/CURRENT"] == 0o600
    assert {name: mode for name, mode in modes.items() if mode & 0o077} == {}


def users_mapping(folder: Path, name: str = "users", **settings: object) -> Path:
    path = folder / f"{name}.yaml"
    mapping = {
        "source": "oldcrm",
        "entity": "users",
        "id_column": "工号",
        "columns": {"username": "用户名", "display_name": "姓名", "role": "角色"},
        **settings,
    }
    path.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    return path


def users_file(folder: Path, encoding: str) -> Path:
    path = folder / "users.csv"
    path.write_bytes(
        "工号,用户名,姓名,角色\nU01,wangwei,王伟,rep\nU02,lina,李娜,rep\n".encode(encoding)
    )
    return path


def test_an_unknown_encoding_in_the_mapping_is_a_field_level_report(sqlite_engine, tmp_path):
    source = users_file(tmp_path, "utf-8")
    for codec in ("no-such-codec", "rot13", "base64"):
        report = import_file(source, users_mapping(tmp_path, encoding=codec), engine=sqlite_engine)
        assert report.exit_code == 2 and not report.written
        assert [(where, m.text("en")) for where, m in report.problems] == [
            ("encoding", f"Invalid choice: {codec}")
        ]


def test_a_file_not_in_the_declared_encoding_names_the_setting_and_row(sqlite_engine, tmp_path):
    source = users_file(tmp_path, "gb18030")
    report = import_file(source, users_mapping(tmp_path, encoding="utf-8"), engine=sqlite_engine)
    assert report.exit_code == 2 and not report.written
    [(where, message)] = report.problems
    assert where == "encoding"
    assert message.text("en") == "The file is not utf-8 (row 1: bad byte at offset 0)"
    later = tmp_path / "later.csv"
    later.write_bytes(b"id,name\nU01,wang\nU02,\xff\xfe\n")
    report = import_file(later, users_mapping(tmp_path, encoding="utf-8"), engine=sqlite_engine)
    assert report.problems[0][1].text("en").startswith("The file is not utf-8 (row 3:")


def test_crm_import_reports_a_bad_encoding_in_one_line(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CRM_STORE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(main, ["init"]).exit_code == 0
    source = users_file(tmp_path, "utf-8")
    for mapping, extra, expected in (
        (users_mapping(tmp_path, "bad", encoding="no-such-codec"), [], "encoding: Invalid choice"),
        (users_mapping(tmp_path), ["--encoding", "no-such-codec"], "encoding: Invalid choice"),
    ):
        result = runner.invoke(
            main, ["import", str(source), "--mapping", str(mapping), "--lang", "en", *extra]
        )
        assert result.exit_code == 2, result.output
        assert expected in result.output and "Traceback" not in result.output
    wrong = users_file(tmp_path, "gb18030")
    result = runner.invoke(
        main,
        [
            "import",
            str(wrong),
            "--mapping",
            str(users_mapping(tmp_path)),
            "--lang",
            "en",
            "--encoding",
            "utf-8",
        ],
    )
    assert result.exit_code == 2
    assert "encoding: The file is not utf-8 (row 1: bad byte at offset 0)" in result.output
