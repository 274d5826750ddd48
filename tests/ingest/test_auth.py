"""Sign-in, its throttle, sessions and password rules, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import Engine, func, select, update

from ingest.auth import sessions, throttle
from ingest.auth.passwords import DEMO_PASSWORD, password_problem
from ingest.auth.sessions import end_session, open_session, session_user
from ingest.auth.signin import sign_in
from ingest.commands.base import CommandError
from ingest.commands.users import UserInput, add_user, disable_user, set_password
from ingest.store.db import bookkeeping_session, current_change_seq, read_session, write_session
from ingest.store.models import AuditLog, Customer, SignInAttempt, User, WebSession, utcnow
from tests.support.org import PASSWORD, Org


@pytest.fixture(autouse=True)
def _fresh_answers() -> None:
    sessions._cache.clear()


def audit(engine: Engine, action: str) -> list[AuditLog]:
    with read_session(engine) as session:
        return list(session.scalars(select(AuditLog).where(AuditLog.action == action)))


def change_seq(engine: Engine) -> int:
    with read_session(engine) as session:
        return current_change_seq(session)


def test_sign_in_opens_a_session_and_changes_no_data(engine: Engine, org: Org) -> None:
    before = change_seq(engine)
    assert sign_in("rep", "wrong-password", "10.0.0.1", engine) is None
    assert sign_in("nobody", PASSWORD, "10.0.0.1", engine) is None
    token = sign_in(" rep ", PASSWORD, "10.0.0.1", engine)
    assert token is not None
    user = session_user(token, engine)
    assert user is not None and user.actor.id == org.rep and user.actor.role == "rep"
    # Sign-ins draw no change number: they neither queue behind writers on the counter's
    # lock nor wake the refresh sensor.
    assert change_seq(engine) == before
    with read_session(engine) as session:
        stored = session.scalars(select(WebSession)).one()
    assert stored.token_hash == sessions.token_hash(token) and token not in stored.token_hash


def test_every_attempt_is_audited_without_what_was_typed(engine: Engine, org: Org) -> None:
    sign_in("rep", "wrong-password", "10.0.0.7", engine)
    sign_in("my-secret-typed-as-name", "x" * 12, "10.0.0.7", engine)
    sign_in("rep", PASSWORD, "10.0.0.7", engine)
    failed = audit(engine, "session.sign_in_failed")
    assert [(a.actor_id, json.loads(a.after)) for a in failed] == [
        (org.rep, {"address": "10.0.0.7"}),
        (None, {"address": "10.0.0.7", "unknown_account": True}),
    ]
    assert [a.actor_id for a in audit(engine, "session.sign_in")] == [org.rep]
    with read_session(engine) as session:
        text = " ".join(f"{a.before} {a.after}" for a in session.scalars(select(AuditLog)))
    assert "my-secret-typed-as-name" not in text and "wrong-password" not in text


def test_every_failure_looks_the_same(engine: Engine, org: Org) -> None:
    disable_user(engine, None, org.rep2)
    assert sign_in("rep2", PASSWORD, "10.0.0.2", engine) is None  # disabled
    assert sign_in("ghost", PASSWORD, "10.0.0.2", engine) is None  # no such account
    assert sign_in("rep", "not-it-at-all", "10.0.0.2", engine) is None  # wrong password


def test_an_address_that_keeps_failing_is_refused_and_others_are_not(
    engine: Engine, org: Org
) -> None:
    for _ in range(throttle.ADDRESS_LIMIT):
        assert sign_in("admin", "guess-guess-1", "203.0.113.9", engine) is None
    # Even the right password no longer helps from there ...
    assert sign_in("admin", PASSWORD, "203.0.113.9", engine) is None
    throttled = [json.loads(a.after) for a in audit(engine, "session.sign_in_failed")][-1]
    assert throttled == {"address": "203.0.113.9", "throttled": True}
    # ... while admin signs in from a clean address: nobody can lock an account out.
    assert sign_in("admin", PASSWORD, "10.0.0.3", engine) is not None


def test_an_attack_from_many_addresses_leaves_clean_addresses_alone(
    engine: Engine, org: Org
) -> None:
    attackers = [f"198.51.100.{i}" for i in range(throttle.ACCOUNT_UNDER_ATTACK // 3 + 1)]
    for address in attackers:
        for _ in range(throttle.FEW):
            sign_in("admin", "guess-guess-2", address, engine)
    # The account is under attack: an attacking address is refused the right password ...
    assert sign_in("admin", PASSWORD, attackers[0], engine) is None
    # ... a person who mistyped once is not, nor is a clean address.
    assert sign_in("admin", "typo-typo-1", "10.0.0.4", engine) is None
    assert sign_in("admin", PASSWORD, "10.0.0.4", engine) is not None
    assert sign_in("admin", PASSWORD, "10.0.0.5", engine) is not None


def test_an_office_under_attack_still_lets_clean_addresses_in(
    engine: Engine, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(throttle, "OFFICE_UNDER_ATTACK", 12)
    for i in range(4):
        for _ in range(throttle.FEW):
            sign_in(f"user{i}", "guess-guess-3", f"192.0.2.{i}", engine)
    assert sign_in("rep", PASSWORD, "192.0.2.0", engine) is None  # a repeat offender
    assert sign_in("rep", PASSWORD, "10.0.0.6", engine) is not None


def test_old_attempts_no_longer_count(engine: Engine, org: Org) -> None:
    for _ in range(throttle.ADDRESS_LIMIT):
        sign_in("rep", "guess-guess-4", "203.0.113.10", engine)
    with bookkeeping_session(engine) as session:
        long_ago = utcnow() - throttle.WINDOW - dt.timedelta(minutes=1)
        session.execute(update(SignInAttempt).values(at=long_ago))
    assert sign_in("rep", PASSWORD, "203.0.113.10", engine) is not None


def test_a_session_ends_with_sign_out_disable_password_role_or_idleness(
    engine: Engine, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    def live(token: str) -> bool:
        sessions._cache.clear()  # another process, or after a restart: the store decides
        return session_user(token, engine) is not None

    signed_out = open_session(org.rep, engine=engine)
    assert end_session(signed_out, engine=engine) == org.rep
    assert not live(signed_out)
    assert end_session(signed_out, engine=engine) is None  # already over

    disabled = open_session(org.rep2, engine=engine)
    disable_user(engine, org.admin, org.rep2)
    assert not live(disabled)

    reset = open_session(org.rep_b, engine=engine)
    set_password(engine, org.admin, org.rep_b, "temporary-pass-9")
    assert not live(reset)

    moved = open_session(org.manager, engine=engine)
    with write_session(engine) as session:
        session.execute(update(User).where(User.id == org.manager).values(role="rep"))
    assert not live(moved)

    def unused_for(hours: float) -> None:
        with bookkeeping_session(engine) as session:
            session.execute(
                update(WebSession)
                .where(WebSession.user_id == org.finance)
                .values(last_seen_at=utcnow() - dt.timedelta(hours=hours))
            )

    idle = open_session(org.finance, engine=engine)
    monkeypatch.setenv("CRM_SESSION_IDLE_HOURS", "10")
    unused_for(9.9)
    assert live(idle)
    monkeypatch.delenv("CRM_SESSION_IDLE_HOURS")
    unused_for(7.9)
    assert live(idle)
    unused_for(8.1)  # the default: a working day
    assert not live(idle)

    with read_session(engine) as session:
        reasons = dict(session.execute(select(WebSession.user_id, WebSession.end_reason)).all())
    assert reasons == {
        org.rep: "signed_out",
        org.rep2: "disabled",
        org.rep_b: "password_changed",
        org.manager: "role_changed",
        org.finance: "idle",
    }
    ended = [json.loads(a.after)["reason"] for a in audit(engine, "session.end")]
    assert sorted(ended) == sorted(reasons.values())


def test_a_forged_token_is_no_session(engine: Engine, org: Org) -> None:
    token = open_session(org.rep, engine=engine)
    assert session_user(token[:-2] + "xx", engine) is None
    assert session_user(sessions.token_hash(token), engine) is None  # the stored hash is no key
    assert session_user("", engine) is None


def test_the_password_rules() -> None:
    assert password_problem("rep", "short-1") == "password_too_short"
    assert password_problem("zhaolei", "ZhaoLei-2026!") == "password_has_username"
    assert password_problem("rep", "password123") == "password_too_common"
    assert password_problem("rep", DEMO_PASSWORD) == "password_too_common"
    assert password_problem("rep", "aaaaaaaaaaab") == "password_too_common"
    assert password_problem("rep", "correct-horse-7") is None
    # A first password (changed at the first sign-in) need only be long and not the name.
    assert password_problem("rep", DEMO_PASSWORD, temporary=True) is None
    assert password_problem("rep", "rep-rep-rep-1", temporary=True) == "password_has_username"


def test_own_and_admin_passwords(engine: Engine, org: Org) -> None:
    with pytest.raises(CommandError) as refused:
        set_password(engine, org.rep, org.rep, "password123")
    assert refused.value.codes == {"password": "password_too_common"}
    with pytest.raises(CommandError) as refused:
        set_password(engine, org.rep, org.rep2, "another-pass-1")  # not one's own
    assert refused.value.codes == {"__all__": "forbidden"}
    set_password(engine, org.admin, org.rep, "temporary-pass-1")
    with read_session(engine) as session:
        assert session.get(User, org.rep).must_change_password
    set_password(engine, org.rep, org.rep, "my-own-choice-5")
    with read_session(engine) as session:
        assert not session.get(User, org.rep).must_change_password


def test_the_audit_log_never_holds_a_password_hash(engine: Engine, org: Org) -> None:
    add_user(engine, None, UserInput("newbie", "新人", "rep", "first-pass-123"))
    set_password(engine, org.admin, org.rep, "temporary-pass-2")
    with read_session(engine) as session:
        hashes = list(session.scalars(select(User.password_hash)))
        entries = list(session.scalars(select(AuditLog).where(AuditLog.entity == "users")))
    assert entries and hashes
    for entry in entries:
        text = f"{entry.before} {entry.after}"
        assert "password_hash" not in text and not any(h in text for h in hashes)


def test_bookkeeping_writes_only_what_the_warehouse_does_not_mirror(engine: Engine) -> None:
    with (
        pytest.raises(Exception, match="written by the domain commands"),
        bookkeeping_session(engine) as session,
    ):
        session.add(Customer(name="绕过", customer_type_id=1, status="prospect", version=1))
        session.flush()
    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 0


def test_the_audit_log_never_holds_a_session_token_or_its_hash(engine: Engine, org: Org) -> None:
    """Sessions are written through bookkeeping_session: sign-in, touch, password change,
    sign-out and the ends the check finds all leave audit rows without the token."""
    first = sign_in("rep", PASSWORD, "10.0.0.9", engine)
    second = open_session(org.rep, "10.0.0.9", engine)
    assert first and second
    with bookkeeping_session(engine) as session:  # long unused: the next check touches it
        session.execute(update(WebSession).values(last_seen_at=utcnow() - dt.timedelta(hours=1)))
    assert session_user(first, engine) is not None
    set_password(engine, org.rep, org.rep, "my-own-choice-7")
    sessions.keep_after_password_change(first, engine)
    sessions._cache.clear()
    assert session_user(second, engine) is None  # ended: password_changed
    end_session(first, engine=engine)
    with read_session(engine) as session:
        stored = [(w.token_hash, w.password_digest) for w in session.scalars(select(WebSession))]
        rows = list(session.scalars(select(AuditLog)))
    ends = [json.loads(a.after)["reason"] for a in rows if a.action == "session.end"]
    assert sorted(ends) == ["password_changed", "signed_out"]
    secrets_ = {first, second, *(value for pair in stored for value in pair)}
    assert len(secrets_) == 6
    for row in rows:
        text = " ".join(str(getattr(row, c.key)) for c in AuditLog.__table__.columns)
        assert not any(secret in text for secret in secrets_), row.action
