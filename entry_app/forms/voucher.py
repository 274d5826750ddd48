"""A reimbursement form as the approvers and its owner see it: the heading, the total in
Chinese capitals, its lines and its approval trail."""

from __future__ import annotations

from typing import Any

import streamlit as st

from entry_app import ui
from web.i18n import t

TRAIL_COLUMNS = {
    "step": "report.step",
    "decision": "report.decision",
    "actor_name": "ws.by",
    "acted_at": "ws.when",
    "comment": "common.comment",
}


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
            "step": lambda v: ui.label("step", v),
            "decision": lambda v: ui.label("decision", v),
            "acted_at": lambda v: (v or "")[:16].replace("T", " "),
        },
    )
