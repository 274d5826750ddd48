from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, select

from ingest.commands.activities import (
    ActivityInput,
    complete_activity,
    create_activity,
    create_issue,
    resolve_issue,
    update_activity,
)
from ingest.commands.base import CommandError, Forbidden, NotFound
from ingest.store.db import read_session
from ingest.store.models import Activity, AuditLog, ProjectIssue, utcnow
from tests.support.factories import (
    PROJECT_WORK_MATRIX,
    make_contact,
    make_customer,
    make_project,
    refusal,
    set_project_status,
    store_counts,
)
from tests.support.org import Org

TOMORROW_9AM = (utcnow() + dt.timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)


@dataclass
class Scene:
    customer: int
    project: int
    contact: int


@pytest.fixture
def scene(engine: Engine, org: Org) -> Scene:
    customer = make_customer(engine, org.rep)
    return Scene(
        customer=customer,
        project=make_project(engine, org.rep, customer),
        contact=make_contact(engine, org.rep, customer),
    )


def visit(**overrides: object) -> ActivityInput:
    values: dict[str, object] = dict(
        activity_type="visit", subject="拜访总工，了解改造计划", planned_at=TOMORROW_9AM
    )
    values.update(overrides)
    return ActivityInput(**values)  # type: ignore[arg-type]


def load(engine: Engine, model: type, row_id: int):  # type: ignore[no-untyped-def]
    with read_session(engine) as s:
        return s.get(model, row_id)


# --- creating ------------------------------------------------------------------------------


def test_project_visit_takes_customer_from_project(engine, org, scene) -> None:
    activity_id = create_activity(
        engine, org.rep, visit(project_id=scene.project, contact_id=scene.contact)
    )
    activity = load(engine, Activity, activity_id)
    assert (activity.customer_id, activity.project_id, activity.contact_id) == (
        scene.customer,
        scene.project,
        scene.contact,
    )
    assert (activity.owner_id, activity.status, activity.done_at) == (org.rep, "planned", None)
    assert activity.planned_at == TOMORROW_9AM
    with read_session(engine) as s:
        audit = s.scalars(select(AuditLog).where(AuditLog.entity == "activities")).one()
        assert (audit.action, audit.actor_id, audit.before) == ("activity.create", org.rep, None)


def test_logging_a_done_call_needs_no_times(engine, org, scene) -> None:
    start = utcnow()
    activity_id = create_activity(
        engine,
        org.rep,
        visit(activity_type="call", planned_at=None, status="done", customer_id=scene.customer),
    )
    activity = load(engine, Activity, activity_id)
    assert activity.status == "done" and activity.project_id is None
    assert start <= activity.done_at <= utcnow()
    assert activity.planned_at == activity.done_at


def test_timezone_aware_times_are_stored_as_utc(engine, org, scene) -> None:
    beijing = dt.timezone(dt.timedelta(hours=8))
    planned = dt.datetime(2025, 5, 6, 14, 30, tzinfo=beijing)
    activity_id = create_activity(
        engine, org.rep, visit(project_id=scene.project, planned_at=planned.isoformat())
    )
    assert load(engine, Activity, activity_id).planned_at == dt.datetime(2025, 5, 6, 6, 30)


def test_activity_input_refused_field_by_field_at_once(engine, org, scene) -> None:
    before = store_counts(engine, Activity)
    with pytest.raises(CommandError) as refused:
        create_activity(
            engine,
            org.rep,
            ActivityInput(
                activity_type="lunch",
                subject="",
                planned_at="tomorrow morning",
                done_at="2025-01-01T10:00",
                notes="x' UNION SELECT password_hash FROM users",
            ),
        )
    assert refused.value.codes == {
        "activity_type": "invalid_choice",
        "subject": "required",
        "planned_at": "not_a_datetime",
        "done_at": "activity_not_done",
        "notes": "sql",
        "__all__": "link_required",
    }
    assert "请关联项目或客户" in refused.value.texts("zh_CN")["__all__"]
    with pytest.raises(CommandError) as refused:
        create_activity(
            engine,
            org.rep,
            visit(
                project_id=scene.project, status="done", done_at=utcnow() + dt.timedelta(hours=2)
            ),
        )
    assert refused.value.codes == {"done_at": "future_time"}
    assert store_counts(engine, Activity) == before


def test_links_must_agree(engine, org, scene) -> None:
    other_customer = make_customer(engine, org.rep, "另一家公司")
    stranger = make_contact(engine, org.rep, other_customer, "李工")
    before = store_counts(engine, Activity)
    cases = [
        (
            visit(project_id=scene.project, customer_id=other_customer),
            "customer_id",
            "project_customer_mismatch",
        ),
        (visit(project_id=scene.project, contact_id=stranger), "contact_id", "customer_mismatch"),
        (visit(customer_id=scene.customer, contact_id=stranger), "contact_id", "customer_mismatch"),
        (visit(project_id=999_999), "project_id", "not_found"),
    ]
    for data, field, code in cases:
        with pytest.raises(CommandError) as refused:
            create_activity(engine, org.rep, data)
        assert refused.value.codes == {field: code}
    assert store_counts(engine, Activity) == before


def test_customer_only_activity_needs_a_visible_customer(engine, org, scene) -> None:
    expected = {
        "rep": None,
        "manager": None,
        "head": None,
        "executive": None,
        "finance": None,  # finance sees every customer, e.g. to chase a payment
        "steward": None,
        "admin": None,
        "rep2": "not_visible",
        "manager_b": "not_visible",
        "rep_b": "not_visible",
    }
    for role, code in expected.items():
        before = store_counts(engine, Activity)
        data = visit(activity_type="email", customer_id=scene.customer)
        assert refusal(lambda r=role, d=data: create_activity(engine, getattr(org, r), d)) == code
        if code:
            assert store_counts(engine, Activity) == before, role
    with read_session(engine) as s:
        owners = set(s.scalars(select(Activity.owner_id)))
    assert owners == {getattr(org, r) for r, code in expected.items() if code is None}


def test_idempotent_resubmit_logs_one_activity(engine, org, scene) -> None:
    data = visit(project_id=scene.project)
    first = create_activity(engine, org.rep, data, idempotency_key="visit-form-7")
    again = create_activity(engine, org.rep, data, idempotency_key="visit-form-7")
    assert first == again
    assert store_counts(engine, Activity)["activities"] == 1


def test_activities_stay_allowed_on_closed_projects(engine, org, scene) -> None:
    set_project_status(engine, scene.project, "won")
    activity_id = create_activity(engine, org.rep, visit(project_id=scene.project))
    assert load(engine, Activity, activity_id).project_id == scene.project


# --- completing and rescheduling -----------------------------------------------------------


def test_owner_or_their_manager_completes(engine, org, scene) -> None:
    expected = {
        "rep2": "forbidden",
        "manager_b": "forbidden",
        "rep_b": "forbidden",
        "finance": "forbidden",
        "steward": "forbidden",
        "manager": None,
        "head": None,  # above the manager in the reporting line
        "executive": None,
        "admin": None,
        "rep": None,
    }
    for role, code in expected.items():
        activity_id = create_activity(engine, org.rep, visit(project_id=scene.project))
        before = store_counts(engine, Activity)
        actor = getattr(org, role)
        assert refusal(lambda a=actor, i=activity_id: complete_activity(engine, a, i)) == code, role
        activity = load(engine, Activity, activity_id)
        assert activity.status == ("planned" if code else "done"), role
        if code:
            assert store_counts(engine, Activity) == before, role


def test_complete_records_time_and_notes_once(engine, org, scene) -> None:
    activity_id = create_activity(engine, org.rep, visit(project_id=scene.project, notes="计划"))
    done = utcnow().replace(microsecond=0) - dt.timedelta(hours=1)
    with pytest.raises(CommandError) as refused:
        complete_activity(engine, org.rep, activity_id, done_at=utcnow() + dt.timedelta(days=1))
    assert refused.value.codes == {"done_at": "future_time"}
    complete_activity(engine, org.rep, activity_id, done_at=done)
    activity = load(engine, Activity, activity_id)
    assert (activity.status, activity.done_at, activity.notes) == ("done", done, "计划")
    before = store_counts(engine, Activity)
    for call in (
        lambda: complete_activity(engine, org.rep, activity_id),
        lambda: update_activity(engine, org.rep, activity_id, subject="改期"),
    ):
        assert refusal(call) == "activity_done"
    assert store_counts(engine, Activity) == before
    with pytest.raises(NotFound):
        complete_activity(engine, org.rep, 999_999)


def test_reschedule_a_planned_activity(engine, org, scene) -> None:
    activity_id = create_activity(engine, org.rep, visit(project_id=scene.project))
    later = TOMORROW_9AM + dt.timedelta(days=2)
    update_activity(engine, org.manager, activity_id, planned_at=later, notes="客户改期")
    before = store_counts(engine, Activity)
    update_activity(engine, org.rep, activity_id, planned_at=later.isoformat())  # unchanged
    assert store_counts(engine, Activity) == before
    with pytest.raises(CommandError) as refused:
        update_activity(engine, org.rep, activity_id)
    assert refused.value.codes == {"__all__": "nothing_changed"}
    with pytest.raises(CommandError) as refused:
        update_activity(engine, org.rep, activity_id, planned_at="2025-13-01", subject="  ")
    assert refused.value.codes == {"planned_at": "not_a_datetime", "subject": "blank"}
    with pytest.raises(Forbidden):
        update_activity(engine, org.rep2, activity_id, subject="抢改")
    activity = load(engine, Activity, activity_id)
    assert (activity.planned_at, activity.notes, activity.subject) == (
        later,
        "客户改期",
        "拜访总工，了解改造计划",
    )
    with read_session(engine) as s:
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "activity.update")).one()
    assert json.loads(audit.before)["planned_at"] == TOMORROW_9AM.isoformat()
    assert audit.actor_id == org.manager


# --- project issues ----------------------------------------------------------------------


def test_issue_is_raised_and_resolved(engine, org, scene) -> None:
    issue_id = create_issue(
        engine, org.rep, scene.project, "用户要求双机热备", "需要售前确认方案", "high"
    )
    before = store_counts(engine, ProjectIssue)
    with pytest.raises(CommandError) as refused:
        resolve_issue(engine, org.rep, issue_id, "")
    assert refused.value.codes == {"resolution": "required"}
    assert store_counts(engine, ProjectIssue) == before
    resolve_issue(engine, org.manager, issue_id, "采用 ftServer 方案")
    issue = load(engine, ProjectIssue, issue_id)
    assert (issue.status, issue.resolution, issue.severity) == (
        "resolved",
        "采用 ftServer 方案",
        "high",
    )
    assert issue.resolved_at is not None
    with pytest.raises(CommandError) as refused:
        resolve_issue(engine, org.rep, issue_id, "再次解决")
    assert refused.value.codes == {"status": "issue_resolved"}
    with read_session(engine) as s:
        actions = s.scalars(
            select(AuditLog.action).where(AuditLog.entity == "project_issues").order_by(AuditLog.id)
        ).all()
    assert actions == ["project_issue.create", "project_issue.resolve"]


def test_issue_input_and_closed_project(engine, org, scene) -> None:
    open_issue = create_issue(engine, org.rep, scene.project, "交货期紧张")
    before = store_counts(engine, ProjectIssue)
    with pytest.raises(CommandError) as refused:
        create_issue(engine, org.rep, scene.project, "问题😀", "<script>x</script>", "urgent")
    assert refused.value.codes == {
        "title": "emoji",
        "description": "markup",
        "severity": "invalid_choice",
    }
    set_project_status(engine, scene.project, "lost")
    with pytest.raises(CommandError) as refused:
        create_issue(engine, org.rep, scene.project, "新问题")
    assert refused.value.codes == {"__all__": "project_closed"}
    assert store_counts(engine, ProjectIssue) == before
    # an issue left open may still be closed out after the deal is lost
    resolve_issue(engine, org.rep, open_issue, "项目丢单，问题关闭")
    assert load(engine, ProjectIssue, open_issue).status == "resolved"


@pytest.mark.parametrize("name", ["create_activity", "create_issue", "resolve_issue"])
def test_project_permission_matrix(engine, org, scene, name) -> None:
    issue = create_issue(engine, org.rep, scene.project, "现场环境不满足")
    calls = {
        "create_activity": lambda actor: create_activity(
            engine, actor, visit(project_id=scene.project)
        ),
        "create_issue": lambda actor: create_issue(engine, actor, scene.project, "资质问题"),
        "resolve_issue": lambda actor: resolve_issue(engine, actor, issue, "已解决"),
    }
    for role, expected in PROJECT_WORK_MATRIX.items():
        if name == "resolve_issue" and expected is None and role != "admin":
            continue  # the first allowed actor resolves it; let admin prove it at the end
        before = store_counts(engine, Activity, ProjectIssue)
        assert refusal(lambda r=role: calls[name](getattr(org, r))) == expected, role
        if expected:
            assert store_counts(engine, Activity, ProjectIssue) == before, role
