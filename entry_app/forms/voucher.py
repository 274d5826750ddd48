"""A reimbursement form as the approvers and its owner see it: the heading, the total in
Chinese capitals, its lines and its approval trail."""

from __future__ import annotations

from typing import Any

import streamlit as st

from entry_app import ui
from entry_app.queries import approvals
from ingest.commands.base import Actor
from web.i18n import t

TRAIL_COLUMNS = {
    "step": "report.step",
    "decision": "report.decision",
    "actor_name": "ws.by",
    "acted_at": "ws.when",
    "comment": "common.comment",
}


def report_table(rows: list[dict[str, Any]], *, with_owner: bool) -> None:
    """A page of reimbursement forms: the approval queue names each form's owner
    (`with_owner`), the owner's own list does not."""
    owner = {"owner": "common.owner"} if with_owner else {}
    ui.table(
        rows,
        {
            "report_no": "report.no",
            **owner,
            "title": "report.title",
            "status": "common.status",
            "total_amount": "report.total",
            "submitted_at": "report.submitted_at",
        },
        formats={
            "status": lambda s: t(f"report_status_{s}"),
            "total_amount": ui.money,
            "submitted_at": ui.when,
        },
    )


def pick_report(
    actor: Actor, rows: list[dict[str, Any]], choices: list[tuple[int, str]], *, key: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The form chosen (in the widget `key`) among `rows`, and its voucher data; the page
    stops here when there is none to choose."""
    report_id = ui.choose("report.pick", choices, key=key, index=0 if choices else None)
    if report_id is None:
        st.stop()
    row = next(r for r in rows if r["id"] == report_id)
    with ui.reading() as session:
        voucher = approvals.report(session, actor, report_id)
    return row, voucher


def show_voucher(
    voucher: dict[str, Any], heading: str, lines: dict[str, str], *, trail_title: bool
) -> None:
    """`heading` is Markdown already made safe; `lines` the columns of the lines table;
    `trail_title` puts a title above the approval trail."""
    st.markdown(heading)
    st.caption(t("report.in_chinese", text=voucher["totals"]["total_in_chinese"]))
    ui.table(voucher["lines"], lines, formats={"category": lambda v: t(f"expense_category_{v}")})
    if trail_title:
        st.markdown(f"**{t('report.trail')}**")
    ui.table(
        voucher["approvals"],
        TRAIL_COLUMNS,
        formats={
            "step": ui.labelled("step"),
            "decision": ui.labelled("decision"),
            "acted_at": lambda v: (v or "")[:16].replace("T", " "),
        },
    )
