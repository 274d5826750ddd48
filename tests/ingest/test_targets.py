from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from ingest.commands.base import CommandError, Forbidden
from ingest.commands.targets import set_target
from ingest.commands.users import disable_user
from ingest.store.db import read_session
from ingest.store.models import AuditLog, Department, Target
from tests.support.factories import store_state

MARCH = dt.date(2025, 3, 1)


def targets(engine: Engine) -> list[tuple[dt.date, int | None, str | None, Decimal]]:
    with read_session(engine) as s:
        rows = s.execute(
            select(Target.period_month, Target.user_id, Department.code, Target.amount)
            .outerjoin(Department, Department.id == Target.department_id)
            .order_by(Target.id)
        ).all()
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_set_rep_target_upserts_one_row_per_month(engine, org) -> None:
    first = set_target(engine, org.manager, dt.date(2025, 3, 17), "800000", user_id=org.rep)
    with read_session(engine) as s:
        audit = s.scalars(select(AuditLog).where(AuditLog.entity == "targets")).one()
        assert (audit.action, audit.actor_id, audit.entity_id) == (
            "target.create",
            org.manager,
            first,
        )
    # any day of the month names the month; a second call changes the same row
    again = set_target(engine, org.head, "2025-03-01", 900000, user_id=org.rep)
    assert again == first
    assert targets(engine) == [(MARCH, org.rep, None, Decimal("900000.00"))]
    with read_session(engine) as s:
        update = s.scalars(select(AuditLog).where(AuditLog.action == "target.update")).one()
        assert '"amount": "800000.00"' in update.before
        assert '"amount": "900000.00"' in update.after
    # the same amount again writes nothing
    audits = store_state(engine)["audit_log"]
    set_target(engine, org.head, MARCH, "900000.00", user_id=org.rep)
    assert store_state(engine)["audit_log"] == audits
    # zero is a valid target (a month off)
    set_target(engine, org.head, dt.date(2025, 4, 30), 0, user_id=org.rep)
    assert targets(engine)[-1] == (dt.date(2025, 4, 1), org.rep, None, Decimal("0.00"))


def test_department_target_upserts_beside_user_targets(engine, org) -> None:
    dept_target = set_target(engine, org.head, MARCH, 5_000_000, department="north")
    assert set_target(engine, org.head, MARCH, 6_000_000, department="north") == dept_target
    set_target(engine, org.head, MARCH, 1_000_000, user_id=org.rep)
    set_target(engine, org.executive, MARCH, 9_000_000, department="industrial_it")
    assert targets(engine) == [
        (MARCH, None, "north", Decimal("6000000.00")),
        (MARCH, org.rep, None, Decimal("1000000.00")),
        (MARCH, None, "industrial_it", Decimal("9000000.00")),
    ]


# Who may set what: a rep of the north team, the north department, a department outside
# the head's Industrial IT tree.
MATRIX = {
    #  role:        (rep target, "north", "marketing")
    "rep": (False, False, False),
    "rep2": (False, False, False),
    "manager": (True, False, False),
    "manager_b": (False, False, False),
    "head": (True, True, False),
    "executive": (True, True, True),
    "finance": (False, False, False),
    "steward": (False, False, False),
    "admin": (True, True, True),
}


def test_permission_matrix(engine, org) -> None:
    scopes = ({"user_id": org.rep}, {"department": "north"}, {"department": "marketing"})
    for role, expected in MATRIX.items():
        actor = getattr(org, role)
        for scope, allowed in zip(scopes, expected, strict=True):
            before = store_state(engine)
            if allowed:
                target_id = set_target(engine, actor, MARCH, actor * 1000, **scope)
                with read_session(engine) as s:
                    assert s.get(Target, target_id).amount == Decimal(actor * 1000)
            else:
                with pytest.raises(Forbidden) as refused:
                    set_target(engine, actor, MARCH, 1, **scope)
                assert refused.value.codes == {"__all__": "forbidden"}, (role, scope)
                assert store_state(engine) == before
    # three scopes, one row each however many people set them
    assert len(targets(engine)) == 3


def test_nobody_below_executive_sets_their_own_target(engine, org) -> None:
    for actor in (org.manager, org.head):
        with pytest.raises(Forbidden):
            set_target(engine, actor, MARCH, 1, user_id=actor)
    set_target(engine, org.executive, MARCH, 1, user_id=org.head)


def test_bad_input_is_refused_and_writes_nothing(engine, org) -> None:
    disable_user(engine, None, org.rep2)
    before = store_state(engine)
    cases = [
        ({"user_id": org.rep, "department": "north"}, {"user_id": "target_scope"}),
        ({}, {"user_id": "target_scope"}),
        ({"user_id": org.rep, "amount": -1}, {"amount": "negative"}),
        ({"user_id": org.rep, "amount": "lots"}, {"amount": "not_a_number"}),
        ({"user_id": org.rep, "amount": None}, {"amount": "required"}),
        ({"user_id": org.rep, "period_month": "March"}, {"period_month": "not_a_date"}),
        ({"user_id": org.rep, "period_month": None}, {"period_month": "required"}),
        ({"user_id": 999_999}, {"user_id": "not_found"}),
        ({"user_id": org.rep2}, {"user_id": "inactive"}),
        ({"department": "atlantis"}, {"department": "invalid_choice"}),
        (
            {"period_month": "x", "amount": -1, "user_id": None},
            {"period_month": "not_a_date", "amount": "negative", "user_id": "target_scope"},
        ),
    ]
    for overrides, codes in cases:
        args = {"period_month": MARCH, "amount": 100, **overrides}
        with pytest.raises(CommandError) as refused:
            set_target(engine, org.admin, **args)
        assert refused.value.codes == codes, overrides
    assert store_state(engine) == before
    assert "销售员或部门" in CommandError.one("user_id", "target_scope").texts()["user_id"]


def test_idempotent_resubmit_writes_once(engine, org) -> None:
    first = set_target(engine, org.manager, MARCH, 100, user_id=org.rep, idempotency_key="t-1")
    audits = store_state(engine)["audit_log"]
    again = set_target(engine, org.manager, MARCH, 100, user_id=org.rep, idempotency_key="t-1")
    assert first == again
    assert store_state(engine)["audit_log"] == audits
    assert len(targets(engine)) == 1
