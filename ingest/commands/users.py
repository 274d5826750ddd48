"""Users, roles and passwords (argon2). Signing in is ingest.auth's job."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import select

from ingest.auth.passwords import password_problem
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
from ingest.messages import LOCALES
from ingest.store.models import Department, Industry, Region, User, UserIndustry


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
    # An initial password is the admin's choice: its owner replaces it at first sign-in.
    must_change_password: bool = True


def check_identity(checks: Checks, data: UserInput) -> dict[str, Any]:
    """Who the user is, as `User` columns: checked alike whether an admin or an import adds
    the user."""
    return {
        "username": checks.text("username", data.username, max_len=60),
        "display_name": checks.text("display_name", data.display_name, max_len=100),
        "role": checks.choice("role", data.role, ROLES),
        "email": checks.email("email", data.email),
        "locale": checks.choice("locale", data.locale, LOCALES),
    }


@command("user.add")
def add_user(ctx: Context, data: UserInput) -> int:
    ctx.require_role("admin")
    checks = Checks()
    identity = check_identity(checks, data)
    username = identity["username"]
    if not isinstance(data.must_change_password, bool):
        checks.fail("must_change_password", "malformed")
    problem = password_problem(username, data.password, temporary=data.must_change_password)
    if problem:
        checks.fail("password", problem)
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
            **identity,
            department_id=department_id,
            region_id=region_id,
            manager_id=data.manager_id,
            password_hash=hasher().hash(data.password),  # type: ignore[arg-type]
            must_change_password=data.must_change_password,
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
    """A user's own new password, or a temporary one an admin gives (changed at the next
    sign-in). Either ends the user's other sessions: they were opened with the old one."""
    own = ctx.actor.id == user_id
    if not own:
        ctx.require_role("admin")
    user = ctx.get(User, user_id, "user_id")
    problem = password_problem(user.username, password, temporary=not own)
    if problem:
        raise CommandError.one("password", problem)
    before = snapshot(user)
    user.password_hash = hasher().hash(password)
    user.must_change_password = not own
    ctx.audit("user.set_password", user, before)
    return user.id


@command("user.set_locale")
def set_locale(ctx: Context, user_id: int, locale: str | None) -> int:
    """A user's language (zh_CN or en): their own choice, or an admin's."""
    if ctx.actor.id != user_id:
        ctx.require_role("admin")
    checks = Checks()
    value = checks.choice("locale", locale, LOCALES)
    checks.done()
    user = ctx.get(User, user_id, "user_id")
    if user.locale == value:
        return user.id
    before = snapshot(user)
    user.locale = value
    ctx.audit("user.set_locale", user, before)
    return user.id
