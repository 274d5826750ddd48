"""费用报销单: gather unclaimed expenses on a form, submit it, follow its approvals."""

import streamlit as st

from entry_app import ui
from entry_app.forms.voucher import pick_report, report_table, show_voucher
from entry_app.queries import approvals, expenses
from entry_app.queries.common import ListRequest
from ingest.commands.expenses import create_report, submit_report
from web.forms import EntryForm, run_action, show_flash
from web.i18n import t
from web.markdown import literal

actor = ui.actor()
st.title(t("page.reports"))

with ui.reading() as session:
    unclaimed = expenses.expenses(session, actor, ListRequest(limit=200), unclaimed=True)
choices = [
    (
        row["id"],
        f"{ui.when(row['incurred_date'])} · {t('expense_category_' + row['category'])} · "
        f"{ui.money(row['amount'])} · {row['project'] or row['customer'] or ''}",
    )
    for row in unclaimed.rows
]
labels = dict(choices)
with EntryForm("report_create", heading="report.new") as form:
    title = form.widget(st.text_input, "title", "report.title")
    expense_ids = st.multiselect(
        t("report.expenses"),
        [value for value, _ in choices],
        format_func=labels.get,
        key=form.key("expense_ids"),
    )
    form.slot("expense_ids")
    submitted = form.submit()


def created(report_id: int) -> str:
    with ui.reading() as session:
        return t("report.created", no=approvals.report_number(session, report_id))


if submitted:
    form.run(
        actor,
        create_report,
        title,
        sorted(expense_ids),
        success=created,
        # The new form is the one the user goes on with (submit it, check its lines).
        on_success=lambda report_id: st.session_state.update({"reports.pick": report_id}),
    )

st.subheader(t("report.list"))
show_flash("report_submit")
with ui.reading() as session:
    result = approvals.reports(session, actor, ui.list_request("reports"))
report_table(result.rows, with_owner=False)
ui.page_input("reports", result)

forms = [(row["id"], f"{row['report_no']} · {row['title']}") for row in result.rows]
row, voucher = pick_report(actor, result.rows, forms, key="reports.pick")
report_id = row["id"]
show_voucher(
    voucher,
    f"**{literal(voucher['report']['report_no'])}** · {t('report_status_' + row['status'])} · "
    f"{ui.money(voucher['totals']['total_amount'])}",
    {
        "no": "common.id",
        "incurred_date": "expense.incurred_date",
        "category": "expense.category",
        "amount": "common.amount",
        "project_name": "expense.project",
        "description": "common.description",
    },
    trail_title=True,
)
if (
    row["status"] in ("draft", "rejected")
    and st.button(t("report.submit"), key="reports.submit", type="primary")
    and run_action(
        actor,
        "report_submit",
        submit_report,
        report_id,
        expected_version=row["version"],
        success=t("report.submitted"),
    )
):
    st.rerun()
