"""ws.tab.expenses: expenses recorded against the project."""

from entry_app import ui
from entry_app.forms.expense import expense_form
from entry_app.workspace.context import Workspace
from web.i18n import t


def show(ws: Workspace) -> None:
    ui.table(
        ws.project["expenses"],
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
    if ws.project["can_work"]:
        expense_form(
            ws.actor,
            f"ws_expense_{ws.project_id}",
            title="ws.expense_new",
            date_key="date",
            project_id=ws.project_id,
        )
