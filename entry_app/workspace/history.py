"""ws.tab.history: the project's stage and forecast changes, newest first."""

from entry_app import ui
from entry_app.workspace.context import Workspace


def show(ws: Workspace) -> None:
    ui.table(
        ws.project["history"],
        {
            "changed_at": "ws.when",
            "change_type": "ws.change",
            "from_stage": "ws.from_stage",
            "to_stage": "ws.to_stage",
            "amount": "common.amount",
            "expected_close_date": "project.expected_close_date",
            "note": "ws.note",
            "changed_by": "ws.by",
        },
        formats={
            "changed_at": ui.when,
            "change_type": ui.labelled("change_type"),
            "amount": ui.money,
            "expected_close_date": ui.when,
        },
    )
