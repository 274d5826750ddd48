"""ws.tab.team: who works on the project, in which role."""

from entry_app import ui
from entry_app.workspace.context import Workspace
from ingest.commands.projects import (
    MEMBER_ROLES,
    add_member,
)
from web.forms import EntryForm
from web.i18n import t


def show(ws: Workspace) -> None:
    ui.table(
        ws.project["members"],
        {"name": "ws.member_user", "member_role": "ws.member_role"},
        formats={"member_role": ui.labelled("member_role")},
    )
    if ws.project["can_work"]:
        with EntryForm(f"member_{ws.project_id}") as form:
            user_id = ui.form_choice(form, "user_id", "ws.member_user", ws.people)
            member_role = ui.form_code_choice(
                form,
                "role",
                "ws.member_role",
                MEMBER_ROLES,
                "member_role",
                error_field="member_role",
                index=1,
            )
            submitted = form.submit()
        if submitted:
            form.run(
                ws.actor,
                add_member,
                ws.project_id,
                user_id,
                member_role,
                success=t("ws.member_saved"),
            )
