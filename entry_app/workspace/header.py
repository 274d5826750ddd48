"""The top of the project workspace: the project's facts, its stage progress and win
score, and whether it is closed or read-only."""

from types import SimpleNamespace

import streamlit as st

from entry_app import ui
from entry_app.workspace.context import Workspace
from ingest.commands.base import Actor
from orchestration.snapshots import NoSnapshot
from warehouse.queries import scores
from warehouse.scope import NotAllowed
from web.i18n import t
from web.markdown import literal
from web.scores import score_line


def show_score(actor: Actor, project_id: int) -> None:
    """The deal's win score from the published snapshot (as of its last refresh): nothing
    before the first refresh, for a deal scored in none, or for a role without the page."""
    try:
        deal = scores.deal_score(actor, project_id)
    except (NoSnapshot, NotAllowed):
        return
    if deal and (line := score_line(SimpleNamespace(**deal), ui.lang())):
        st.caption(line)


def show(ws: Workspace) -> None:
    st.subheader(f"#{ws.project['id']} {literal(ws.project['name'])}")
    facts = st.columns(4)  # a metric's value is Markdown too
    facts[0].metric(t("project.customer"), literal(ws.project["customer"]))
    ui.money_card(facts[1], t("project.expected_amount"), ws.project["expected_amount"])
    facts[2].metric(t("project.expected_close_date"), ui.when(ws.project["expected_close_date"]))
    facts[3].metric(t("common.owner"), literal(ws.project["owner"]))

    stages = ws.project["stages"]
    st.caption(
        f"{t('project.sales_mode')}: {literal(ws.project['sales_mode'])} · {t('ws.progress')}"
    )
    marks = []
    for i, stage in enumerate(stages):
        if i < ws.stage_index or (ws.project["status"] == "won" and i <= ws.stage_index):
            marks.append(f"✓ {literal(stage['name'])}")
        elif i == ws.stage_index:
            marks.append(f"**▶ {literal(stage['name'])}**")
        else:
            marks.append(f"○ {literal(stage['name'])}")
    st.markdown(" → ".join(marks))
    st.progress((ws.stage_index + 1) / max(len(stages), 1))
    if ws.is_open:
        show_score(ws.actor, ws.project["id"])

    if not ws.is_open:
        status_text = ui.label("project_status", ws.project["status"])
        if ws.project["status"] == "lost":
            status_text += f" · {literal(ws.project['loss_reason'])}"
            if ws.project["loss_note"]:
                status_text += f" · {literal(ws.project['loss_note'])}"
        st.info(t("ws.closed", status=status_text))
    if ws.project["contract"]:
        contract = ws.project["contract"]
        st.success(
            t(
                "ws.contract",
                no=literal(contract["contract_no"]),
                date=ui.when(contract["signed_date"]),
                amount=ui.money(contract["amount"]),
            )
        )
    if ws.is_open and not ws.project["can_work"]:
        st.caption(t("ws.read_only"))
