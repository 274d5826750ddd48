"""Users, roles and passwords (argon2), and sign-in with a lockout after failed attempts."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, select

from ingest.commands.base import (
    ROLES,
    Checks,
    CommandError,
    Context,
    command,
    external_key,
    left_out,
    snapshot,
)
from ingest.store.db import get_engine, write_session
from ingest.store.models import Department, Industry, Region, User, UserIndustry, utcnow

MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
MIN_PASSWORD = 8


@functools.cache
def hasher() -> PasswordHasher:
    return PasswordHasher()


@dataclass
class UserInput:
    username: str | None
    display_name: str | None
    role: str | None
    password: str | None
    department: str | None = None
    region: str | None = None
    manager_id: int | None = None
    email: str | None = None
    locale: str = "zh_CN"
    industries: list[str] = field(default_factory=list)
    external_id: str | None = None


def _strong(password: object) -> bool:
    # Only text: a list of eight items has a length of eight too.
    return isinstance(password, str) and len(password) >= MIN_PASSWORD


@command("user.add")
def add_user(ctx: Context, data: UserInput) -> int:
    ctx.require_role("admin")
    checks = Checks()
    username = checks.text("username", data.username, max_len=60)
    display_name = checks.text("display_name", data.display_name, max_len=100)
    role = checks.choice("role", data.role, ROLES)
    email = checks.email("email", data.email)
    locale = checks.choice("locale", data.locale, ("zh_CN", "en"))
    if not _strong(data.password):
        checks.fail("password", "weak_password")
    if not isinstance(data.industries, list | tuple):
        checks.fail("industries", "malformed")
    if username and ctx.session.scalar(select(User.id).where(User.username == username)):
        checks.fail("username", "user_exists")
    checks.done()
    department_id = (
        None
        if left_out(data.department)
        else ctx.get_by_code(Department, data.department, "department").id
    )
    region_id = None if left_out(data.region) else ctx.get_by_code(Region, data.region, "region").id
    if data.manager_id is not None:
        # A new team member belongs where their manager does unless told otherwise.
        manager = ctx.get(User, data.manager_id, "manager_id")
        department_id = department_id or manager.department_id
        region_id = region_id or manager.region_id
    user = ctx.add(
        User(
            username=username,
            display_name=display_name,
            role=role,
            email=email,
            locale=locale,
            department_id=department_id,
            region_id=region_id,
            manager_id=data.manager_id,
            password_hash=hasher().hash(data.password),  # type: ignore[arg-type]
            external_id=external_key(data.external_id),
        )
    )
    for code in data.industries:
        industry = ctx.get_by_code(Industry, code, "industries")
        ctx.session.add(UserIndustry(user_id=user.id, industry_id=industry.id))
    ctx.audit("user.add", user)
    return user.id


@command("user.disable")
def disable_user(ctx: Context, user_id: int) -> int:
    ctx.require_role("admin")
    user = ctx.get(User, user_id, "user_id")
    before = snapshot(user)
    user.is_active = False
    ctx.audit("user.disable", user, before)
    return user.id


@command("user.set_password")
def set_password(ctx: Context, user_id: int, password: str) -> int:
    if ctx.actor.id != user_id:
        ctx.require_role("admin")
    if not _strong(password):
        raise CommandError.one("password", "weak_password")
    user = ctx.get(User, user_id, "user_id")
    before = snapshot(user)
    user.password_hash = hasher().hash(password)
    user.failed_logins = 0
    user.locked_until = None
    ctx.audit("user.set_password", user, before)
    return user.id


@command("user.set_locale")
def set_locale(ctx: Context, user_id: int, locale: str | None) -> int:
    """A user's language (zh_CN or en): their own choice, or an admin's."""
    if ctx.actor.id != user_id:
        ctx.require_role("admin")
    checks = Checks()
    value = checks.choice("locale", locale, ("zh_CN", "en"))
    checks.done()
    user = ctx.get(User, user_id, "user_id")
    if user.locale == value:
        return user.id
    before = snapshot(user)
    user.locale = value
    ctx.audit("user.set_locale", user, before)
    return user.id


@dataclass(frozen=True)
class SignIn:
    ok: bool
    user_id: int | None = None
    reason: str | None = None  # bad_credentials | locked | disabled
    locked_until: dt.datetime | None = None


def authenticate(username: str, password: str, engine: Engine | None = None) -> SignIn:
    """Check a password; five failures in a row lock the account for 15 minutes."""
    with write_session(engine or get_engine()) as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            return SignIn(False, reason="bad_credentials")
        now = utcnow()
        if user.locked_until and user.locked_until > now:
            return SignIn(False, reason="locked", locked_until=user.locked_until)
        if not user.is_active:
            return SignIn(False, reason="disabled")
        try:
            hasher().verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILED_LOGINS:
                user.failed_logins = 0
                user.locked_until = now + LOCKOUT
                return SignIn(False, reason="locked", locked_until=user.locked_until)
            return SignIn(False, reason="bad_credentials")
        if user.failed_logins or user.locked_until:
            user.failed_logins = 0
            user.locked_until = None
        return SignIn(True, user_id=user.id)
