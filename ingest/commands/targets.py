"""经营目标: monthly won-amount targets for one rep or one department.

Who sets them follows the reporting lines: a manager for the people in their team, a
department head for their department (with its sub-departments) and its people, an
executive or admin for anyone.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from ingest.commands import access
from ingest.commands.base import (
    GENERAL,
    Checks,
    CommandError,
    Context,
    Forbidden,
    command,
    snapshot,
)
from ingest.store.models import Department, Target, User

SET_ANYTHING = ("executive", "admin")


def _month(checks: Checks, value: dt.date | str | None) -> dt.date | None:
    day = checks.date("period_month", value)
    return day.replace(day=1) if day is not None and "period_month" not in checks.errors else None


def _may_set_for_user(ctx: Context, user: User) -> bool:
    actor = ctx.actor
    if actor.is_system or actor.role in SET_ANYTHING:
        return True
    if actor.role == "manager":
        # Not themselves: a target one sets for oneself is no target.
        return user.id != actor.id and user.id in access.team_ids(ctx.session, actor)
    if actor.role == "department_head":
        return user.id != actor.id and user.department_id in access.department_ids(
            ctx.session, actor.department_id
        )
    return False


def _may_set_for_department(ctx: Context, department: Department) -> bool:
    actor = ctx.actor
    if actor.is_system or actor.role in SET_ANYTHING:
        return True
    if actor.role == "department_head":
        return department.id in access.department_ids(ctx.session, actor.department_id)
    return False


@command("target.set")
def set_target(
    ctx: Context,
    period_month: dt.date | str | None,
    amount: Decimal | float | int | str | None,
    user_id: int | None = None,
    department: str | None = None,
) -> int:
    """Create or change the target of one month for a rep or a department (upsert)."""
    checks = Checks()
    month = _month(checks, period_month)
    value = checks.amount("amount", amount, allow_zero=True)
    if (user_id is None) == (department is None or department == ""):
        checks.fail("user_id", "target_scope")
    checks.done()
    user = dept = None
    if user_id is not None:
        user = ctx.get(User, user_id, "user_id")
        if not user.is_active:
            raise CommandError.one("user_id", "inactive")
        allowed = _may_set_for_user(ctx, user)
    else:
        dept = ctx.get_by_code(Department, department, "department")
        allowed = _may_set_for_department(ctx, dept)
    if not allowed:
        raise Forbidden.one(GENERAL, "forbidden")
    return _upsert(ctx, month, value, user, dept)  # type: ignore[arg-type]


def _upsert(
    ctx: Context, month: dt.date, amount: Decimal, user: User | None, dept: Department | None
) -> int:
    # The unique constraint cannot catch duplicates (one of its columns is always NULL),
    # so the existing row is looked up; write transactions are serialised, so no race.
    user_id = user.id if user is not None else None
    department_id = dept.id if dept is not None else None
    target = ctx.session.scalar(
        select(Target).where(
            Target.period_month == month,
            Target.user_id.is_(None) if user_id is None else Target.user_id == user_id,
            Target.department_id.is_(None)
            if department_id is None
            else Target.department_id == department_id,
        )
    )
    if target is None:
        target = ctx.add(
            Target(period_month=month, user_id=user_id, department_id=department_id, amount=amount)
        )
        ctx.audit("target.create", target)
        return target.id
    if Decimal(target.amount) == amount:
        return target.id  # same target again: nothing to write
    before = snapshot(target)
    target.amount = amount
    ctx.audit("target.update", target, before)
    return target.id
