"""项目工作台: pick one project (by search, number, link or the recent list) and lay out
its workspace — the header, the stage and close actions, and the tabs (history, 决策树,
竞争与合作, 报价单, 行动, 费用, 遇到的问题, the team), each drawn by `entry_app.workspace`."""

import streamlit as st

from entry_app import ui
from entry_app.queries import cockpit
from entry_app.workspace import (
    activities,
    competition,
    contacts,
    expenses,
    header,
    history,
    issues,
    quotes,
    stage,
    team,
)
from entry_app.workspace.context import open_workspace
from ingest.commands.base import CommandError
from web.i18n import t
from web.markdown import literal

actor = ui.actor()
lang = ui.lang()
st.title(t("page.project"))

RECENT_KEY = "workspace.opened"  # projects opened in this session, the latest first


def label(row: dict) -> str:
    return f"#{row['id']} · {row['name']} · {row['customer']}"


def chose() -> None:
    """The finder's choice becomes the project shown, and the address says so."""
    picked = st.session_state.get("workspace.pick")
    if picked is not None:
        st.session_state["workspace.project_id"] = picked
        st.query_params["project"] = str(picked)


# A link (?project=N, from the home page or a dashboard) wins over the last project shown.
address = st.query_params.get("project", "")
if address.isdigit():
    st.session_state["workspace.project_id"] = int(address)
chosen = st.session_state.get("workspace.project_id")


def typed() -> None:
    """A project number typed into the search (#12 or 12) opens that project at once."""
    number = (st.session_state.get("workspace.search") or "").strip().lstrip("#")
    if number.isdigit() and len(number) < 19:
        st.session_state["workspace.project_id"] = int(number)
        st.query_params["project"] = number


finder, recent_column = st.columns([3, 2])
search = finder.text_input(t("ws.choose"), key="workspace.search", on_change=typed)
with ui.reading() as session:
    found = cockpit.find_projects(session, actor, search)
names = {row["id"]: label(row) for row in found}
offered = [row["id"] for row in found]
if chosen is not None and chosen not in offered:
    offered.insert(0, chosen)  # named by a link or picked before the search changed
st.session_state["workspace.pick"] = chosen if chosen in offered else None
finder.selectbox(
    t("ws.pick"),
    offered,
    index=None,
    format_func=lambda project_id: names.get(project_id, f"#{project_id}"),
    key="workspace.pick",
    placeholder=t("ws.no_match") if not offered else t("common.choose_record"),
    on_change=chose,
)
recent_box = recent_column.expander(t("ws.recent"), expanded=chosen is None)


def show_recent() -> None:
    """Filled once this run's project is known to be one the user may open."""
    with ui.reading() as session:
        recent = cockpit.recent_projects(session, actor, st.session_state.get(RECENT_KEY, []))
    with recent_box:
        if not recent:
            st.caption(t("common.empty"))
        for row in recent:
            st.page_link(
                "views/project.py",
                label=literal(label(row)),
                query_params={"project": str(row["id"])},
            )


if chosen is None:
    show_recent()
    st.info(t("common.choose_record"))
    st.stop()
project_id = int(chosen)
st.query_params["project"] = str(project_id)

try:
    with ui.reading() as session:
        workspace = open_workspace(session, actor, project_id, lang)
except CommandError:
    show_recent()
    st.error(t("ws.not_found"))
    st.stop()
opened = [project_id, *(p for p in st.session_state.get(RECENT_KEY, []) if p != project_id)]
st.session_state[RECENT_KEY] = opened[: cockpit.RECENT_PROJECTS]
show_recent()

header.show(workspace)
stage.show(workspace)

# Only the open tab runs (lazy tabs): the workspace stays one quick rerun however much
# hangs on the project.
TABS = (
    ("ws.tab.history", history.show),
    ("ws.tab.contacts", contacts.show),
    ("ws.tab.competition", competition.show),
    ("ws.tab.quotes", quotes.show),
    ("ws.tab.activities", activities.show),
    ("ws.tab.expenses", expenses.show),
    ("ws.tab.issues", issues.show),
    ("ws.tab.team", team.show),
)
tabs = st.tabs([t(key) for key, _ in TABS], key="workspace.tab", on_change="rerun")
for tab, (_, show) in zip(tabs, TABS, strict=True):
    with tab:
        if tab.open:
            show(workspace)
