"""The sessions browsers hold after signing in.

A session is a random token in an HttpOnly cookie; the store keeps only its SHA-256, the
user, and the role and password it was opened with. Every check reads the store (at most
every few seconds per process), so a sign-out, a disabled account, a changed role or
password and the idle timeout end a session in every process and across restarts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass

from sqlalchemy import Engine, exc, update

from ingest.commands.base import Actor
from ingest.commands.users import set_password
from ingest.settings import session_idle_timeout
from ingest.store.db import bookkeeping_session, get_engine, read_session
from ingest.store.models import AuditLog, User, WebSession, utcnow

log = logging.getLogger(__name__)

RECHECK_SECONDS = 5.0  # how stale a process's answer about a session may be
TOUCH_EVERY = dt.timedelta(minutes=1)  # last_seen_at precision, for the idle timeout


@dataclass(frozen=True)
class SessionUser:
    """Who a live session belongs to, as the apps need it."""

    actor: Actor
    display_name: str
    locale: str
    must_change_password: bool


def audit_entry(action: str, user_id: int | None, details: dict[str, object]) -> AuditLog:
    """An audit row for a sign-in event: it changes no data, so it has no change number."""
    return AuditLog(
        actor_id=user_id,
        action=action,
        entity="users",
        entity_id=user_id,
        after=json.dumps(details, ensure_ascii=False, sort_keys=True),
        source="web",
        change_seq=None,
    )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def password_digest(password_hash: str) -> str:
    """Binds a session to the password it was opened with, without keeping the hash."""
    return hashlib.sha256(password_hash.encode()).hexdigest()


def new_session(user: User, address: str) -> tuple[str, WebSession]:
    """A fresh token and the row to store for it (the caller adds it to its transaction)."""
    token = secrets.token_urlsafe(32)
    row = WebSession(
        token_hash=token_hash(token),
        user_id=user.id,
        role=user.role,
        password_digest=password_digest(user.password_hash),
        address=address[:64],
    )
    return token, row


def open_session(user_id: int, address: str = "local", engine: Engine | None = None) -> str:
    """A session for a user without a password check, for tools and tests that act as a
    user (benchmarks, browser tests); sign-ins go through ingest.auth.signin."""
    engine = engine or get_engine()
    with read_session(engine) as session:
        user = session.get(User, user_id)
        if user is None:
            raise LookupError(f"no user {user_id}")
        token, row = new_session(user, address)
    with bookkeeping_session(engine) as session:
        session.add(row)
    return token


def benchmark_session(user_id: int, engine: Engine | None = None) -> str:
    """A session for a benchmark acting as a user. A user still on a first (demo)
    password gets a random one of their own, as at their first sign-in, so the bench
    times the pages rather than the password form."""
    engine = engine or get_engine()
    with read_session(engine) as session:
        user = session.get(User, user_id)
        waiting = user is not None and user.must_change_password
    if waiting:
        set_password(engine, user_id, user_id, secrets.token_urlsafe(18), source="bench")
    return open_session(user_id, "bench", engine)


_cache: dict[str, tuple[float, SessionUser | None]] = {}
_cache_lock = threading.Lock()


def session_user(token: str | None, engine: Engine | None = None) -> SessionUser | None:
    """The user of a live session, or None when there is none (any more)."""
    if not token:
        return None
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(token)
    if hit is not None and now - hit[0] < RECHECK_SECONDS:
        return hit[1]
    found = _check(engine or get_engine(), token)
    with _cache_lock:
        if len(_cache) > 10_000:
            _cache.clear()
        _cache[token] = (now, found)
    return found


def _check(engine: Engine, token: str) -> SessionUser | None:
    key = token_hash(token)
    now = utcnow()
    with read_session(engine) as session:
        row = session.get(WebSession, key)
        if row is None or row.ended_at is not None:
            return None
        user = session.get(User, row.user_id)
        reason = _end_reason(row, user, now)
        if reason is None:
            assert user is not None
            found = SessionUser(
                Actor.of(user),
                user.display_name,
                user.locale,
                user.must_change_password,
            )
        touch = reason is None and now - row.last_seen_at >= TOUCH_EVERY
    if reason is not None:
        _end(engine, key, reason, now, row.user_id)
        return None
    if touch:
        _touch(engine, key, now)
    return found


def _touch(engine: Engine, key: str, now: dt.datetime) -> None:
    # Only the idle timeout (hours) reads last_seen_at: a page must not fail because the
    # store was busy when its minute-precision mark was due; the next page retries it.
    try:
        with bookkeeping_session(engine) as session:
            session.execute(
                update(WebSession).where(WebSession.token_hash == key).values(last_seen_at=now)
            )
    except exc.OperationalError:
        log.warning("session activity not recorded: the store was busy")


def _end_reason(row: WebSession, user: User | None, now: dt.datetime) -> str | None:
    if user is None or not user.is_active:
        return "disabled"
    if row.role != user.role:
        return "role_changed"
    if row.password_digest != password_digest(user.password_hash):
        return "password_changed"
    if now - row.last_seen_at > session_idle_timeout():
        return "idle"
    return None


def end_session(
    token: str | None, reason: str = "signed_out", engine: Engine | None = None
) -> int | None:
    """End a session (sign-out); returns its user's id, or None if it was not live."""
    if not token:
        return None
    forget(token)
    engine = engine or get_engine()
    key = token_hash(token)
    with read_session(engine) as session:
        row = session.get(WebSession, key)
        user_id = row.user_id if row is not None and row.ended_at is None else None
    if user_id is not None:
        _end(engine, key, reason, utcnow(), user_id)
    return user_id


def _end(engine: Engine, key: str, reason: str, now: dt.datetime, user_id: int) -> None:
    with bookkeeping_session(engine) as session:
        ended = session.execute(
            update(WebSession)
            .where(WebSession.token_hash == key, WebSession.ended_at.is_(None))
            .values(ended_at=now, end_reason=reason)
        ).rowcount
        if ended:
            session.add(audit_entry("session.end", user_id, {"reason": reason}))


def keep_after_password_change(token: str, engine: Engine | None = None) -> None:
    """The session in which a user changed their own password stays open; their other
    sessions end at their next check (opened with the old password)."""
    engine = engine or get_engine()
    with read_session(engine) as session:
        row = session.get(WebSession, token_hash(token))
        user = session.get(User, row.user_id) if row is not None else None
    if user is not None:
        with bookkeeping_session(engine) as session:
            session.execute(
                update(WebSession)
                .where(WebSession.token_hash == token_hash(token))
                .values(password_digest=password_digest(user.password_hash))
            )
    forget(token)


def forget(token: str) -> None:
    """Drop this process's remembered answer, so the next check reads the store."""
    with _cache_lock:
        _cache.pop(token, None)
