"""Log files roll over at CRM_LOG_MAX_MB and keep CRM_LOG_KEEP older files."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from crm.cli import main
from ingest.logs import log_path


def test_a_full_log_rolls_over_and_the_oldest_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CRM_LOG_MAX_MB", "1")
    monkeypatch.setenv("CRM_LOG_KEEP", "2")
    megabyte = 1024 * 1024
    for n in range(4):
        path = log_path("refresh.log")
        assert path == tmp_path / "logs" / "refresh.log"
        with path.open("a") as log:
            log.write(str(n) * (megabyte - 1))  # just under the limit: kept as it is
        with log_path("refresh.log").open("a") as log:
            log.write(str(n))  # now at the limit: the next opening rolls it over
    assert not log_path("refresh.log").exists()  # rolled over: a new file at the next line
    kept = sorted(p.name for p in (tmp_path / "logs").iterdir())
    assert kept == ["refresh.log.1", "refresh.log.2"]
    # the newest rolled-over file holds the last run's lines, the oldest kept the one before
    assert (tmp_path / "logs" / "refresh.log.1").read_text()[0] == "3"
    assert (tmp_path / "logs" / "refresh.log.2").read_text()[0] == "2"


def test_a_failed_command_logs_through_the_rolled_over_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CRM_LOG_MAX_MB", "1")
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "crm.log").write_text("x" * 1024 * 1024)
    monkeypatch.setenv("CRM_STORE_URL", "sqlite:////nonexistent-folder/crm.db")
    result = CliRunner().invoke(main, ["sql", "select 1"])
    assert result.exit_code == 1 and "details:" in result.output
    assert (logs / "crm.log.1").stat().st_size == 1024 * 1024
    assert (logs / "crm.log").stat().st_size > 0  # the traceback, in a fresh file


def test_a_bad_setting_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path))
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "crm.log").write_text("x")
    monkeypatch.setenv("CRM_LOG_MAX_MB", "lots")
    with pytest.raises(ValueError, match="CRM_LOG_MAX_MB must be a whole number"):
        log_path("crm.log")
