"""A flood of wrong passwords while eight writers work: nothing the writers do fails,
every attempt is audited, the addresses that keep failing are throttled, and `admin`
still signs in from a clean address. (The writers' latency in both phases is reported in
the terminal summary, as `crm bench signin` reports it, not asserted: it varies with the
machine.)"""

from __future__ import annotations

from sqlalchemy import Engine

from crm.bench.signin import run_signin_flood
from ingest.auth import throttle
from tests.support.figures import FIGURES
from tests.support.org import PASSWORD, Org

FLOODERS = 4


def test_a_flood_of_wrong_passwords_leaves_the_office_working(
    engine: Engine, org: Org, tmp_path
) -> None:
    result = run_signin_flood(
        "admin",
        PASSWORD,
        attempts=200,
        addresses=5,
        writers=8,
        flooders=FLOODERS,
        engine=engine,
        out=str(tmp_path / "f.json"),
    )
    assert result.writer_errors == []
    assert result.writes > 0 and result.quiet_ms["n"] > 0 and result.flood_ms["n"] > 0
    assert result.audited_attempts == 200
    # Five addresses, 40 attempts each: past its tenth failure an address is refused without
    # a password check (give or take the attempts of the other flooding threads already
    # under way), so the flood costs at most a few dozen hash checks.
    checked = result.attempts - result.throttled_attempts
    assert checked <= 5 * (throttle.ADDRESS_LIMIT + FLOODERS - 1)
    assert result.admin_signed_in
    # Sign-ins drew no change number: only the writers' commits did.
    assert result.change_numbers_drawn == result.writes
    assert (tmp_path / "f.json").exists()
    FIGURES.append(
        f"sign-in flood on {engine.dialect.name}: writers' p95 {result.quiet_ms['p95']:.1f} ms "
        f"quiet, {result.flood_ms['p95']:.1f} ms during {result.attempts} wrong passwords"
    )
