"""`crm seed --scale`: the same company, bigger or smaller, and at 1 the profile's own seed."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from crm.cli import main
from ingest.seed import PROFILES, seed_store, store_digest
from ingest.seed.profiles import FIXED_ACCOUNTS, STAFF, VOLUMES
from ingest.store.db import get_engine
from ingest.store.setup import init_store
from tests.support.stores import copied_store

AS_OF = dt.date(2025, 11, 20)


@pytest.mark.parametrize("name", list(PROFILES))
@pytest.mark.parametrize("factor", [0.5, 2, 4])
def test_a_scaled_profile_keeps_its_shape(name: str, factor: float) -> None:
    profile = PROFILES[name]
    scaled = profile.scaled(factor)
    assert scaled.name == f"{name}×{factor:g}"
    assert scaled.chunk == profile.chunk  # part of a seed's identity
    for field in (*STAFF, *VOLUMES, "reps"):
        before, after = getattr(profile, field), getattr(scaled, field)
        if before == 0:
            assert after == 0, field
        else:  # rounded, and never below one of what the profile has
            assert after >= 1 and abs(after - before * factor) <= max(1, 0.5 + 1e-9), field


@pytest.mark.parametrize("name", list(PROFILES))
def test_scale_one_is_the_profile_itself(name: str) -> None:
    assert PROFILES[name].scaled(1) == PROFILES[name]
    assert PROFILES[name].scaled(1.0).name == name


@pytest.mark.parametrize("factor", [0, -1, 16.5, math.inf, math.nan])
def test_a_scale_out_of_bounds_is_refused(factor: float) -> None:
    with pytest.raises(ValueError, match="above 0 and at most 16"):
        PROFILES["tiny"].scaled(factor)


def test_tiny_at_twice_the_scale_has_twice_the_rows(tmp_path: Path, sqlite_template: Path) -> None:
    summaries, roles = [], []
    for factor in (1, 2):
        folder = tmp_path / f"x{factor}"
        folder.mkdir()
        _, engine = copied_store(sqlite_template, folder)
        summaries.append(
            seed_store(engine, PROFILES["tiny"].scaled(factor), 3, as_of=AS_OF, progress=False)
        )
        with engine.connect() as conn:
            counts = conn.exec_driver_sql("select role, count(*) from users group by role")
            roles.append({role: n for role, n in counts})
        engine.dispose()
    one, two = summaries
    assert two.profile == "tiny×2"
    assert two.rows["users"] == PROFILES["tiny"].scaled(2).users
    # twice the generated reps beside the demo rep; the demo accounts and leaders as they were
    assert roles[1]["rep"] - 1 == 2 * (roles[0]["rep"] - 1)
    assert {r: n for r, n in roles[1].items() if r != "rep"} == {
        r: n for r, n in roles[0].items() if r != "rep"
    }
    assert sum(n for r, n in roles[0].items() if r != "rep") + 1 == FIXED_ACCOUNTS
    assert two.rows["projects"] == 2 * one.rows["projects"]
    assert two.rows["customers"] == 2 * one.rows["customers"]
    assert 1.8 <= two.total_rows / one.total_rows <= 2.2
    # every big table grows with the company, not only the ones the profile names
    for table in ("activities", "expenses", "project_stage_history", "expense_reports"):
        assert 1.6 <= two.rows[table] / one.rows[table] <= 2.4, table


def _cli_store(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder.mkdir()
    monkeypatch.setenv("CRM_DATA_DIR", str(folder))
    monkeypatch.delenv("CRM_STORE_URL", raising=False)
    init_store(get_engine(f"sqlite:///{folder / 'crm.db'}"))


def test_cli_scale_one_seeds_exactly_the_profile(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cli_store(tmp_path / "cli", monkeypatch)
    result = CliRunner().invoke(
        main, ["seed", "--profile", "tiny", "--scale", "1", "--seed", "4", "--as-of", str(AS_OF)]
    )
    assert result.exit_code == 0, result.output
    assert "seeded profile tiny (seed 4" in result.output
    plain = tmp_path / "plain"
    plain.mkdir()
    _, engine = copied_store(sqlite_template, plain)
    summary = seed_store(engine, "tiny", 4, as_of=AS_OF, progress=False)
    seeded = [name for name in summary.rows if name != "audit_log"]  # it records the hour
    cli = get_engine(f"sqlite:///{tmp_path / 'cli' / 'crm.db'}")
    assert store_digest(cli, seeded) == store_digest(engine, seeded)


@pytest.mark.parametrize("factor", ["0", "-2", "17", "nan", "lots"])
def test_cli_refuses_a_bad_scale_on_its_field_and_writes_nothing(
    factor: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cli_store(tmp_path / "store", monkeypatch)
    result = CliRunner().invoke(main, ["seed", "--profile", "tiny", "--scale", factor])
    assert result.exit_code == 2
    assert "Invalid value for '--scale'" in result.output
    with get_engine(f"sqlite:///{tmp_path / 'store' / 'crm.db'}").connect() as conn:
        assert conn.exec_driver_sql("select count(*) from projects").scalar_one() == 0
        assert conn.exec_driver_sql("select count(*) from users").scalar_one() == 0
