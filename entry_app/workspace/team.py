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
        formats={"member_role": lambda v: ui.label("member_role", v)},
    )
    if ws.project["can_work"]:
        with EntryForm(f"member_{ws.project_id}") as form:
            user_id = ui.choose("ws.member_user", ws.people, key=form.key("user_id"))
            form.slot("user_id")
            member_role = ui.choose(
                "ws.member_role",
                [(v, t(f"member_role.{v}")) for v in MEMBER_ROLES],
                key=form.key("role"),
                index=1,
            )
            form.slot("member_role")
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
