"""Stage history from another system: each source row is a project's move into a stage at
its source timestamp (see projects.py for how it joins the rows the projects file made)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ingest.commands.activities import check_datetime
from ingest.commands.base import CommandError, Conflict, Context, command, snapshot
from ingest.commands.projects import check_note
from ingest.importer.common import ImportRow, Outcome, apply_changes, load, require_importer
from ingest.importer.projects import find_stage, first_stage, history_rows, mode_stages
from ingest.store.models import Project, ProjectStageHistory, User


@command("import.stage_change")
def import_stage_change(ctx: Context, row: ImportRow) -> Outcome:
    """One move of a project into a stage, at its source timestamp."""
    require_importer(ctx)
    checks = row.checks()
    v = row.values
    project = load(ctx, checks, Project, v.get("project"), "project")
    if v.get("project") is None:
        checks.fail("project", "required")
    changed_at = check_datetime(checks, "changed_at", v.get("changed_at"), not_future=True)
    note = check_note(checks, v.get("note"))
    amount = checks.amount("amount", v.get("amount"), required=False)
    close_date = checks.date("expected_close_date", v.get("expected_close_date"), required=False)
    changed_by = load(ctx, checks, User, v.get("changed_by"), "changed_by")
    stage = from_stage = None
    if project is not None:
        stage = find_stage(ctx, checks, "stage", project.sales_mode_id, v.get("stage"))
        if v.get("stage") in (None, ""):
            checks.fail("stage", "required")
        from_stage = find_stage(
            ctx, checks, "from_stage", project.sales_mode_id, v.get("from_stage")
        )
    checks.done()
    assert project is not None and stage is not None and changed_at is not None
    history = history_rows(ctx, project.id)
    # Every project starts with a 'created' row (the app's and the import's alike).
    created = next((h for h in history if h.change_type == "created"), None)
    if created is None:
        raise CommandError.one("project", "not_found")
    mine = next((h for h in history if h.external_id == row.external_id), None)
    if mine is None and ctx.session.scalar(
        select(ProjectStageHistory.id).where(ProjectStageHistory.external_id == row.external_id)
    ):
        raise Conflict.one("project", "duplicate")  # the source moved the row to another project
    if changed_at < created.changed_at:
        if changed_at.date() < created.changed_at.date():
            raise CommandError.one(
                "changed_at", "date_before", min=created.changed_at.date().isoformat()
            )
        changed_at = created.changed_at  # the same day: the two systems' clocks disagree
    closing = next((h for h in reversed(history) if h.change_type in ("won", "lost")), None)
    values: dict[str, Any] = {"changed_at": changed_at, "external_id": row.external_id}
    if changed_by is not None:
        values["changed_by"] = changed_by.id
    if stage.is_won_stage:
        if project.status != "won" or closing is None:
            raise CommandError.one("stage", "won_stage_by_close")
        later = [h for h in history if h.changed_at > changed_at and h is not closing]
        if later:  # signed before a move the source also records
            raise CommandError.one("changed_at", "date_before", min=str(later[-1].changed_at))
        target, values["note"] = closing, note if note is not None else closing.note
    elif closing is not None and changed_at > closing.changed_at:
        raise CommandError.one("changed_at", "project_closed")
    elif changed_at == created.changed_at:
        target, values["to_stage_id"] = created, stage.id  # the stage it was created in
    else:
        target = mine if mine is not None and mine.change_type == "stage" else None
        earlier = [h for h in history if h.changed_at <= changed_at and h is not target]
        previous = earlier[-1] if earlier else created
        values.update(
            to_stage_id=stage.id,
            note=note,
            amount=amount if amount is not None else previous.amount,
            expected_close_date=close_date or previous.expected_close_date,
        )
        if target is None:
            # Kept only while this is the project's first move: it says where it started.
            values["from_stage_id"] = from_stage.id if from_stage is not None else None
    if mine is not None and mine is not target:
        _release(ctx, mine)  # the source row now means another moment of the project
    if target is None:
        target = ProjectStageHistory(
            project_id=project.id, change_type="stage", status="open", changed_by=ctx.actor.id
        )
        for name, value in values.items():
            setattr(target, name, value)
        ctx.add(target)
        ctx.audit("project_history.import", target)
        outcome = Outcome("created", target.id)
    else:
        outcome = apply_changes(ctx, target, values, "project_history.import")
        if mine is None:
            outcome = Outcome("created", target.id)  # a first import of this source row
    if outcome.action != "unchanged":
        _rechain(ctx, project)
    return outcome


def _release(ctx: Context, row: ProjectStageHistory) -> None:
    if row.change_type == "stage":
        ctx.delete("project_history.delete", row)
    else:
        before = snapshot(row)
        row.external_id = None
        ctx.audit("project_history.update", row, before)


def _rechain(ctx: Context, project: Project) -> None:
    """Make the project's rows one path through its stages, in time order."""
    history = history_rows(ctx, project.id)
    created = history[0]
    moves = [h for h in history if h.change_type == "stage"]
    if created.external_id is None and moves:
        # No source row says where the project started: where its first move came from,
        # else where every project of the mode starts.
        start = moves[0].from_stage_id
        if start is None:
            first = first_stage(mode_stages(ctx, project.sales_mode_id))
            start = first.id if first is not None else created.to_stage_id
        _fix(ctx, created, {"to_stage_id": start})
    previous = created
    for h in history[1:]:
        wanted: dict[str, Any] = {"from_stage_id": previous.to_stage_id}
        if h.change_type in ("amount", "close_date", "owner"):
            wanted["to_stage_id"] = previous.to_stage_id
        _fix(ctx, h, wanted)
        previous = h


def _fix(ctx: Context, row: ProjectStageHistory, values: dict[str, Any]) -> None:
    apply_changes(ctx, row, values, "project_history.update")
