"""ws.tab.activities: calls and visits on the project."""

from entry_app import ui
from entry_app.forms.activity import activity_form
from entry_app.workspace.context import Workspace


def show(ws: Workspace) -> None:
    ui.table(
        ws.project["activities"],
        {
            "activity_type": "activity.type",
            "subject": "activity.subject",
            "planned_at": "activity.planned_at",
            "done_at": "activity.done_at",
            "status": "common.status",
        },
        formats={
            "activity_type": ui.labelled("activity_type"),
            "planned_at": ui.when,
            "done_at": ui.when,
            "status": ui.labelled("activity_status"),
        },
    )
    if ws.project["can_work"]:
        activity_form(
            ws.actor,
            f"ws_activity_{ws.project_id}",
            title="ws.activity_new",
            project_id=ws.project_id,
        )
