"""报销审批: forms waiting for the signed-in manager (first signature) or finance (second
signature, then payment); finance downloads the voucher PDF of an approved form."""

import streamlit as st

from entry_app import ui
from entry_app.forms.voucher import pick_report, report_table, show_voucher
from entry_app.queries import approvals
from ingest.commands.expenses import approve_report, mark_paid, reject_report
from web.forms import EntryForm, run_action, show_flash
from web.i18n import t
from web.markdown import literal
from web.voucher_pdf import PRINTABLE, voucher_pdf

actor = ui.actor()
st.title(t("page.approvals"))
show_flash("approval_pay")
ui.take_from_address("report", "approvals.pick", pager="approvals")

with ui.reading() as session:
    queue = approvals.approval_queue(session, actor, ui.list_request("approvals"))
st.subheader(t("approval.queue"))
report_table(queue.rows, with_owner=True)
ui.page_input("approvals", queue)

choices = [
    (row["id"], f"{row['report_no']} · {row['owner']} · {row['title']}") for row in queue.rows
]
row, voucher = pick_report(actor, queue.rows, choices, key="approvals.pick")
report_id = row["id"]
show_voucher(
    voucher,
    f"**{literal(row['report_no'])}** · {literal(row['owner'])} · "
    f"{t('report_status_' + row['status'])} · "
    f"{ui.money(row['total_amount'])}",
    {
        "incurred_date": "expense.incurred_date",
        "category": "expense.category",
        "amount": "common.amount",
        "project_name": "expense.project",
        "customer_name": "project.customer",
        "description": "common.description",
    },
    trail_title=False,
)

if row["status"] in ("submitted", "manager_approved"):
    with EntryForm(f"decide_{report_id}") as form:
        comment = form.widget(
            st.text_area, "comment", "common.comment", help=t("approval.comment_help")
        )
        buttons = st.columns(2)
        with buttons[0]:
            approve = st.form_submit_button(
                t("approval.approve"), type="primary", key=form.key("submit")
            )
        with buttons[1]:
            reject = st.form_submit_button(t("approval.reject"), key=form.key("reject"))
    if approve or reject:
        form.run(
            actor,
            approve_report if approve else reject_report,
            report_id,
            comment or None,
            expected_version=row["version"],
            success=t("approval.approved" if approve else "approval.rejected_done"),
        )

if row["status"] in PRINTABLE:
    st.download_button(
        t("approval.voucher"),
        data=voucher_pdf(voucher),
        file_name=f"{row['report_no']}.pdf",
        mime="application/pdf",
        key=f"approvals.voucher.{report_id}",
        icon=":material/download:",
    )
paying = row["status"] == "approved" and actor.role == "finance"
if (
    paying
    and st.button(t("approval.pay"), key="approvals.pay")
    and run_action(
        actor,
        "approval_pay",
        mark_paid,
        report_id,
        expected_version=row["version"],
        success=t("approval.paid"),
    )
):
    st.rerun()
