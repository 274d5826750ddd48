"""Readers open a published snapshot sealed: the marts and nothing else.

`crm sql` runs what a user types; every statement that would reach a file, an extension
or the configuration is refused in one line, and ordinary queries still answer."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from crm.cli import main
from orchestration import snapshots
from tests.support.tiny_snapshot import publish_tiny_snapshot


@pytest.fixture
def sql(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    publish_tiny_snapshot(tmp_path / "data")

    def run(query: str, *extra: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(main, ["sql", query, *extra], catch_exceptions=False)

    return run


def refused(tmp_path: Path) -> dict[str, str]:
    """Each statement a reader of the marts must not run, and the word its refusal names."""
    return {
        "SELECT * FROM read_csv('/etc/passwd')": "file system operations are disabled",
        f"COPY (SELECT 42) TO '{tmp_path / 'out.csv'}'": "file system operations are disabled",
        f"ATTACH '{tmp_path / 'other.duckdb'}' AS other": "file system operations are disabled",
        f"EXPORT DATABASE '{tmp_path / 'export'}'": "file system operations are disabled",
        "INSTALL httpfs": "disabled",
        "LOAD httpfs": "disabled",
        "SET enable_external_access = true": "configuration has been locked",
        "RESET enable_external_access": "configuration has been locked",
        "SET allowed_directories = ['/']": "configuration has been locked",
        "CREATE TABLE stolen AS SELECT 1": "read-only mode",
    }


def test_crm_sql_refuses_everything_beyond_the_marts_in_one_line(sql, tmp_path: Path) -> None:
    for query, reason in refused(tmp_path).items():
        result = sql(query)
        assert result.exit_code == 1, query
        assert result.stdout == "", query
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (query, result.stderr)
        assert reason in lines[0], (query, lines[0])
        assert "Traceback" not in result.output
    assert not (tmp_path / "out.csv").exists()
    assert not (tmp_path / "other.duckdb").exists()
    assert not (tmp_path / "export").exists()


def test_crm_sql_still_answers_queries_on_the_marts(sql) -> None:
    result = sql("SELECT count(*) AS n, sum(project_id) AS s FROM fct_opportunities")
    assert (result.exit_code, result.stdout) == (0, "n,s\n3,3\n")
    result = sql("SELECT version, change_seq FROM _snapshot", "--format", "json")
    assert result.exit_code == 0 and '"change_seq": 7' in result.stdout
    typo = sql("SELEC 1")
    assert typo.exit_code == 1 and typo.stderr.startswith("error: Parser Error: syntax error")


def test_crm_sql_csv_cells_that_could_be_formulas_get_a_quote_and_numbers_stay(sql) -> None:
    query = (
        'SELECT \'=HYPERLINK("http://evil.example","x")\' AS "=name", \'@SUM(A1)\' AS a, '
        "'+1+1' AS b, '-12.5' AS c, -3 AS n, 'plain' AS p"
    )
    result = sql(query)
    assert result.exit_code == 0, result.output
    header, row = csv.reader(io.StringIO(result.stdout))
    assert header == ["'=name", "a", "b", "c", "n", "p"]
    assert row == [
        '\'=HYPERLINK("http://evil.example","x")',
        "'@SUM(A1)",
        "'+1+1",
        "-12.5",
        "-3",
        "plain",
    ]
    as_json = sql(query, "--format", "json")  # data for programs, as it is
    assert '"@SUM(A1)"' in as_json.stdout


def test_open_read_only_seals_every_connection(tmp_path: Path) -> None:
    snapshot = publish_tiny_snapshot(tmp_path)
    with snapshots.open_read_only(snapshot.path) as con:
        settings = dict(
            con.execute(
                "SELECT name, value FROM duckdb_settings() WHERE name IN "
                "('enable_external_access', 'lock_configuration', 'access_mode')"
            ).fetchall()
        )
        with pytest.raises(duckdb.PermissionException):
            con.execute("SELECT * FROM read_csv('/etc/passwd')")
    assert settings == {
        "enable_external_access": "false",
        "lock_configuration": "true",
        "access_mode": "read_only",
    }
