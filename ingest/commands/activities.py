"""Activities (行动: 电话, 拜访, 会议, 技术交流, 演示, 邮件) and project issues (遇到的问题).

Logging a visit must be one short form from the road (docs/architecture.md §2.4): give the
project and the customer follows from it; log a visit already done and the planned time
defaults to when it happened. Times are naive UTC like every timestamp in the store; a
timezone-aware value (what the app should send) is converted.

Activities stay allowed on closed projects: a loss review or a hand-over visit after
signing is still contact with the customer, and the deal-health views only read open
projects. Issues are part of working the deal, so new ones need an open project, but an
open issue may still be resolved after the project closes — the resolution is a note.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ingest.commands import access
from ingest.commands.base import (
    GENERAL,
    Checks,
    CommandError,
    Context,
    Forbidden,
    command,
    external_key,
    snapshot,
)
from ingest.commands.project_links import work_project
from ingest.store.models import Activity, Contact, Customer, Project, ProjectIssue, utcnow

ACTIVITY_TYPES = ("call", "visit", "meeting", "tech_exchange", "demo", "email")
ACTIVITY_STATUSES = ("planned", "done")
SEVERITIES = ("low", "medium", "high")
# A phone's clock may run a little ahead of the server's; "just now" must not be refused.
CLOCK_SKEW = dt.timedelta(minutes=5)


@dataclass
class ActivityInput:
    activity_type: str | None
    subject: str | None
    planned_at: dt.datetime | str | None = None  # required unless status is "done"
    project_id: int | None = None
    customer_id: int | None = None
    contact_id: int | None = None
    status: str | None = "planned"
    done_at: dt.datetime | str | None = None  # only when done; None: now
    notes: str | None = None
    external_id: str | None = None


def check_datetime(
    checks: Checks,
    field: str,
    value: dt.datetime | dt.date | str | None,
    *,
    required: bool = True,
    not_future: bool = False,
) -> dt.datetime | None:
    """The datetime counterpart of `Checks.date`: ISO text or datetime, stored naive UTC."""
    if value is None or isinstance(value, str):
        value = checks.parsed(
            field, value, dt.datetime.fromisoformat, "not_a_datetime", required=required
        )
        if value is None:
            return None
    elif not isinstance(value, dt.datetime) and isinstance(value, dt.date):
        value = dt.datetime.combine(value, dt.time())
    if not isinstance(value, dt.datetime):
        checks.fail(field, "not_a_datetime")
        return None
    if value.tzinfo is not None:
        try:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        except OverflowError:  # year 1 east of UTC, or year 9999 west of it
            checks.fail(field, "not_a_datetime")
            return None
    if not 1990 <= value.year <= 2100:
        checks.fail(field, "not_a_datetime")
    elif not_future and value > utcnow() + CLOCK_SKEW:
        checks.fail(field, "future_time")
    return value


def _activity_fields(data: ActivityInput) -> dict[str, object]:
    checks = Checks()
    status = checks.choice("status", data.status, ACTIVITY_STATUSES)
    fields: dict[str, object] = {
        "activity_type": checks.choice("activity_type", data.activity_type, ACTIVITY_TYPES),
        "subject": checks.text("subject", data.subject),
        "status": status,
        "notes": checks.text("notes", data.notes, required=False, max_len=4000, multiline=True),
    }
    planned_at = check_datetime(checks, "planned_at", data.planned_at, required=status != "done")
    done_at = None
    if status == "done":
        done_at = check_datetime(checks, "done_at", data.done_at, required=False, not_future=True)
        done_at = done_at or utcnow()
    elif data.done_at not in (None, ""):
        checks.fail("done_at", "activity_not_done")
    if data.project_id is None and data.customer_id is None:
        checks.fail(GENERAL, "link_required")
    checks.done()
    fields["planned_at"] = planned_at or done_at
    fields["done_at"] = done_at
    return fields


def _links(ctx: Context, data: ActivityInput) -> tuple[Project | None, Customer, Contact | None]:
    """Resolve project, customer and contact, and check the actor may use them."""
    project = None
    if data.project_id is not None:
        project = ctx.get(Project, data.project_id, "project_id")
        access.require_project(ctx.session, ctx.actor, project, work=True)
    if data.customer_id is not None:
        customer = ctx.get(Customer, data.customer_id, "customer_id")
        if project is not None and customer.id != project.customer_id:
            raise CommandError.one("customer_id", "project_customer_mismatch")
        if project is None:
            access.require_customer(ctx.session, ctx.actor, customer)
    else:
        customer = ctx.get(Customer, project.customer_id, "customer_id")  # type: ignore[union-attr]
    contact = None
    if data.contact_id is not None:
        contact = ctx.get(Contact, data.contact_id, "contact_id")
        if contact.customer_id != customer.id:
            raise CommandError.one("contact_id", "customer_mismatch")
    return project, customer, contact


@command("activity.create")
def create_activity(ctx: Context, data: ActivityInput) -> int:
    fields = _activity_fields(data)
    project, customer, contact = _links(ctx, data)
    owner_id = ctx.actor.id or (project.owner_id if project else customer.owner_id)
    activity = ctx.add(
        Activity(
            owner_id=owner_id,
            project_id=project.id if project else None,
            customer_id=customer.id,
            contact_id=contact.id if contact else None,
            external_id=external_key(data.external_id),
            **fields,
        )
    )
    ctx.audit("activity.create", activity)
    return activity.id


def _manageable_activity(ctx: Context, activity_id: int) -> Activity:
    """The owner, anyone above them in the reporting line, or an admin."""
    activity = ctx.get(Activity, activity_id, "activity_id")
    actor = ctx.actor
    if not (
        actor.is_system
        or actor.role == "admin"
        or activity.owner_id in access.team_ids(ctx.session, actor)
    ):
        raise Forbidden.one(GENERAL, "forbidden")
    if activity.status != "planned":
        raise CommandError.one("status", "activity_done")
    return activity


@command("activity.complete")
def complete_activity(
    ctx: Context,
    activity_id: int,
    done_at: dt.datetime | str | None = None,
    notes: str | None = None,
) -> int:
    """Mark a planned activity done; `notes`, when given, replace the plan's notes."""
    checks = Checks()
    when = check_datetime(checks, "done_at", done_at, required=False, not_future=True)
    clean_notes = checks.text("notes", notes, required=False, max_len=4000, multiline=True)
    checks.done()
    activity = _manageable_activity(ctx, activity_id)
    before = snapshot(activity)
    activity.status = "done"
    activity.done_at = when or utcnow()
    if clean_notes is not None:
        activity.notes = clean_notes
    ctx.audit("activity.complete", activity, before)
    return activity.id


@command("activity.update")
def update_activity(
    ctx: Context,
    activity_id: int,
    planned_at: dt.datetime | str | None = None,
    subject: str | None = None,
    notes: str | None = None,
) -> int:
    """Reschedule or reword a planned activity; fields left as None keep their value."""
    checks = Checks()
    given: dict[str, object] = {}
    if planned_at is not None:
        given["planned_at"] = check_datetime(checks, "planned_at", planned_at)
    if subject is not None:
        given["subject"] = checks.text("subject", subject)
    if notes is not None:
        given["notes"] = checks.text("notes", notes, required=False, max_len=4000, multiline=True)
    if not given:
        checks.fail(GENERAL, "nothing_changed")
    checks.done()
    activity = _manageable_activity(ctx, activity_id)
    changed = {name: value for name, value in given.items() if getattr(activity, name) != value}
    if not changed:
        return activity.id  # a resubmitted form: nothing to write
    ctx.update("activity.update", activity, changed)
    return activity.id


# --- project issues ----------------------------------------------------------------------


@command("project_issue.create")
def create_issue(
    ctx: Context,
    project_id: int,
    title: str | None,
    description: str | None = None,
    severity: str | None = "medium",
) -> int:
    checks = Checks()
    fields = {
        "title": checks.text("title", title),
        "description": checks.text(
            "description", description, required=False, max_len=4000, multiline=True
        ),
        "severity": checks.choice("severity", severity, SEVERITIES),
    }
    checks.done()
    project = work_project(ctx, project_id)
    if project.status != "open":
        raise CommandError.one(GENERAL, "project_closed")
    issue = ctx.add(ProjectIssue(project_id=project.id, status="open", **fields))
    ctx.audit("project_issue.create", issue)
    return issue.id


@command("project_issue.resolve")
def resolve_issue(ctx: Context, issue_id: int, resolution: str | None) -> int:
    checks = Checks()
    clean_resolution = checks.text("resolution", resolution, max_len=4000, multiline=True)
    checks.done()
    issue = ctx.get(ProjectIssue, issue_id, "issue_id")
    work_project(ctx, issue.project_id)
    if issue.status == "resolved":
        raise CommandError.one("status", "issue_resolved")
    before = snapshot(issue)
    issue.status = "resolved"
    issue.resolution = clean_resolution
    issue.resolved_at = utcnow()
    ctx.audit("project_issue.resolve", issue, before)
    return issue.id
