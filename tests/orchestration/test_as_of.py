"""`as_of_date` is a date wherever it enters: the CLI, `run_refresh`, dbt's macro.
(The Dagster run config is tested with the job itself in test_dagster_defs.py.)"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from types import SimpleNamespace

import jinja2
import pytest
from click.testing import CliRunner

from crm.cli import main
from orchestration.as_of import BadAsOfDate, parse_as_of
from orchestration.dbt_runner import DBT_PROJECT_DIR
from orchestration.refresh import run_refresh

HOSTILE = "2024-01-01'; COPY (SELECT 42) TO '/tmp/stolen.csv' --"


@pytest.mark.parametrize(
    "value",
    [HOSTILE, "2024-1-1", "2024-02-30", "01/02/2024", "2024-01-01 ", "today", "２０２４-01-01"],
)
def test_only_a_real_yyyy_mm_dd_date_is_accepted(value: str) -> None:
    with pytest.raises(BadAsOfDate, match=r"as_of_date: .* is not a date; write it as YYYY-MM-DD"):
        parse_as_of(value)


def test_dates_and_nothing_pass() -> None:
    assert parse_as_of("2024-02-29") == dt.date(2024, 2, 29)
    assert parse_as_of(dt.date(2024, 3, 1)) == dt.date(2024, 3, 1)
    assert parse_as_of(None) is None and parse_as_of("") is None


def test_crm_refresh_refuses_a_non_date_in_one_line(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["refresh", "--as-of", HOSTILE])
    assert result.exit_code == 2
    assert "as_of_date: \"2024-01-01'; COPY" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "warehouse").exists()


def test_run_refresh_refuses_before_extracting(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse" / "build.duckdb"
    with pytest.raises(BadAsOfDate):
        run_refresh(as_of=HOSTILE, engine=None, warehouse=warehouse)  # type: ignore[arg-type]
    assert not warehouse.parent.exists()


class CompilerError(Exception):
    pass


def render_as_of_macro(value: object, environment: str = "") -> str:
    """dbt's as_of_date() macro rendered with the context dbt gives it (var, env_var,
    modules, exceptions), `environment` as CRM_AS_OF_DATE; a real dbt build with a date
    runs in test_dagster_defs.py."""
    macro = (DBT_PROJECT_DIR / "macros" / "as_of_date.sql").read_text()

    def raise_compiler_error(message: str) -> None:
        raise CompilerError(message)

    template = jinja2.Environment().from_string(macro + "{{ as_of_date() }}")
    return template.render(
        var=lambda name, default=None: value if name == "as_of_date" else default,
        env_var=lambda name, default="": environment if name == "CRM_AS_OF_DATE" else default,
        modules=SimpleNamespace(re=re, datetime=dt),
        exceptions=SimpleNamespace(raise_compiler_error=raise_compiler_error),
    ).strip()


@pytest.mark.parametrize("value", [HOSTILE, "2024-1-1", "2024-01-01 00:00", "x"])
def test_the_dbt_macro_refuses_a_var_that_is_not_a_date(value: str) -> None:
    with pytest.raises(CompilerError, match="as_of_date must be a date written YYYY-MM-DD"):
        render_as_of_macro(value)


def test_the_dbt_macro_writes_a_date_literal_or_today() -> None:
    assert render_as_of_macro("2024-01-01") == "date '2024-01-01'"
    assert render_as_of_macro(dt.date(2024, 1, 1)) == "date '2024-01-01'"  # YAML --vars
    assert render_as_of_macro(None) == "current_date"


def test_the_refresh_s_environment_variable_is_checked_alike_and_a_var_wins() -> None:
    assert render_as_of_macro(None, "2024-05-06") == "date '2024-05-06'"
    assert render_as_of_macro("2024-01-01", "2024-05-06") == "date '2024-01-01'"
    with pytest.raises(CompilerError, match="as_of_date must be a date written YYYY-MM-DD"):
        render_as_of_macro(None, HOSTILE)
