"""ws.tab.expenses: expenses recorded against the project."""

from entry_app import ui
from entry_app.forms.expense import expense_form
from entry_app.workspace.context import Workspace
from web.i18n import t


def show(ws: Workspace) -> None:
    actor = ws.actor
    project = ws.project
    project_id = ws.project_id
    ui.table(
        project["expenses"],
        {
            "incurred_date": "expense.incurred_date",
            "category": "expense.category",
            "amount": "common.amount",
            "description": "common.description",
        },
        formats={
            "incurred_date": ui.when,
            "category": lambda v: t(f"expense_category_{v}"),
            "amount": ui.money,
        },
    )
    if project["can_work"]:
        expense_form(
            actor,
            f"ws_expense_{project_id}",
            title="ws.expense_new",
            date_key="date",
            project_id=project_id,
        )
