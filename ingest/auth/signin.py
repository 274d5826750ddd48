"""Signing in: the password checked outside any write transaction, the throttle before
it, and every attempt recorded (throttle memory and audit log) in one short write that
takes no change number. Every failure looks the same to the person trying."""

from __future__ import annotations

import functools

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, select

from ingest.auth import throttle
from ingest.auth.passwords import DEMO_PASSWORD
from ingest.auth.sessions import audit_entry, new_session
from ingest.commands import users as user_commands
from ingest.store.db import bookkeeping_session, get_engine, read_session
from ingest.store.models import SignInAttempt, User, utcnow

# Attempts older than this are of no use to the throttle (the audit log keeps them).
KEEP_ATTEMPTS = 4 * throttle.WINDOW


def sign_in(username: str, password: str, address: str, engine: Engine | None = None) -> str | None:
    """A new session's token, or None: wrong name or password, disabled, or throttled."""
    engine = engine or get_engine()
    now = utcnow()
    with read_session(engine) as session:
        user = session.scalar(select(User).where(User.username == username.strip()))
        refused = throttle.refuses(session, address, user.id if user else None, now)
    ok = False
    if not refused:
        # An unknown name costs a hash check too, so timing does not tell who exists.
        ok = _verify(user.password_hash if user else _decoy_hash(), password) and bool(
            user and user.is_active
        )
    with bookkeeping_session(engine) as session:
        session.add(
            SignInAttempt(at=now, address=address, user_id=user.id if user else None, succeeded=ok)
        )
        details = {"address": address} | ({} if user else {"unknown_account": True})
        if refused:
            details["throttled"] = True
        action = "session.sign_in" if ok else "session.sign_in_failed"
        session.add(audit_entry(action, user.id if user else None, details))
        if not ok:
            return None
        token, row = new_session(user, address)  # type: ignore[arg-type]
        session.add(row)
        session.execute(delete(SignInAttempt).where(SignInAttempt.at < now - KEEP_ATTEMPTS))
    return token


def check_password(user_id: int, password: str, engine: Engine | None = None) -> bool:
    """Whether this is the user's current password (confirming a password change)."""
    with read_session(engine or get_engine()) as session:
        user = session.get(User, user_id)
        stored = user.password_hash if user is not None else _decoy_hash()
    return _verify(stored, password)


def accounts_on_demo_password(engine: Engine | None = None) -> list[str]:
    """Active accounts anyone could still sign in as with the published demo password.
    Only first passwords can be it, and seeded accounts share one hash: few checks."""
    with read_session(engine or get_engine()) as session:
        rows = session.execute(
            select(User.username, User.password_hash)
            .where(User.is_active, User.must_change_password)
            .order_by(User.id)
        ).all()
    hashes = {password_hash for _, password_hash in rows}
    demo = {h for h in hashes if _verify(h, DEMO_PASSWORD)}
    return [username for username, password_hash in rows if password_hash in demo]


def _verify(password_hash: str, password: str) -> bool:
    try:
        return user_commands.hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _decoy_hash() -> str:
    return user_commands.hasher().hash("no account has this password")
