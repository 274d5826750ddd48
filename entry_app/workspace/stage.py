"""The common actions on an open project: move its stage, change amount and close date,
close it won or lost (in a dialog)."""

import datetime as dt

import streamlit as st

from entry_app import ui
from entry_app.workspace.context import Workspace
from ingest.commands.projects import (
    CloseWonInput,
    change_forecast,
    close_lost,
    close_won,
    move_stage,
)
from web.forms import EntryForm
from web.i18n import t

# Which dialog is open lives in the session, so that a full rerun (not only the dialog's
# own) keeps it open until it succeeds or the user dismisses it.
DIALOG = "workspace.dialog"


def _close_dialog(*_: object) -> None:
    st.session_state.pop(DIALOG, None)


def show(ws: Workspace) -> None:

    @st.dialog(t("ws.close_won"), on_dismiss=_close_dialog)
    def close_won_dialog() -> None:
        quotes = [
            (q["id"], f"{q['quote_no']} · {ui.money(q['total_amount'])}")
            for q in ws.project["quotes"]
        ]
        with EntryForm(f"close_won_{ws.project_id}", border=False) as form:
            amount = form.widget(
                st.text_input,
                "amount",
                "ws.contract_amount",
                value=str(ws.project["expected_amount"]),
            )
            signed = form.widget(
                st.date_input,
                "signed",
                "ws.signed_date",
                error_field="signed_date",
                value=dt.date.today(),
            )
            contract_no = form.widget(st.text_input, "contract_no", "ws.contract_no")
            quote_id = ui.form_choice(
                form, "quote_id", "ws.quote_for_contract", quotes, allow_none=True
            )
            notes = form.widget(st.text_area, "notes", "common.notes")
            submitted = form.submit(t("ws.close_won"))
        if submitted:
            form.run(
                ws.actor,
                close_won,
                ws.project_id,
                CloseWonInput(
                    amount=amount,
                    signed_date=signed,
                    contract_no=contract_no or None,
                    quote_id=quote_id,
                    notes=notes or None,
                ),
                expected_version=ws.version,
                success=t("ws.won"),
                on_success=_close_dialog,
            )

    @st.dialog(t("ws.close_lost"), on_dismiss=_close_dialog)
    def close_lost_dialog() -> None:
        with EntryForm(f"close_lost_{ws.project_id}", border=False) as form:
            reason = ui.form_choice(
                form, "loss_reason", "ws.loss_reason", ws.reasons, allow_none=True
            )
            note = form.widget(st.text_area, "note", "ws.note")
            closed = form.widget(
                st.date_input,
                "closed",
                "ws.closed_date",
                error_field="closed_date",
                value=dt.date.today(),
            )
            submitted = form.submit(t("ws.close_lost"))
        if submitted:
            form.run(
                ws.actor,
                close_lost,
                ws.project_id,
                reason,
                note=note or None,
                closed_date=closed,
                expected_version=ws.version,
                success=t("ws.lost"),
                on_success=_close_dialog,
            )

    if ws.can_work:
        left, right = st.columns(2)
        with left:
            stages = ws.project["stages"]
            targets = [
                (stage["code"], stage["name"])
                for stage in stages
                if stage["id"] != ws.project["stage_id"] and not stage["is_won_stage"]
            ]
            next_index = next(
                (
                    i
                    for i, (code, _) in enumerate(targets)
                    if stages[min(ws.stage_index + 1, len(stages) - 1)]["code"] == code
                ),
                0,
            )
            with EntryForm(f"move_stage_{ws.project_id}", heading="ws.move_stage") as form:
                stage_code = ui.form_choice(
                    form, "stage", "ws.target_stage", targets, index=next_index
                )
                note = form.widget(st.text_input, "note", "ws.note")
                submitted = form.submit(t("ws.move_stage"))
            if submitted:
                names = dict(targets)
                form.run(
                    ws.actor,
                    move_stage,
                    ws.project_id,
                    stage_code,
                    expected_version=ws.version,
                    note=note or None,
                    success=t("ws.moved", stage=names.get(stage_code, "")),
                )
        with right:
            with EntryForm(f"forecast_{ws.project_id}", heading="ws.forecast") as form:
                amount = form.widget(
                    st.text_input,
                    "amount",
                    "project.expected_amount",
                    error_field="expected_amount",
                    value=str(ws.project["expected_amount"]),
                )
                close_date = form.widget(
                    st.date_input,
                    "close_date",
                    "project.expected_close_date",
                    error_field="expected_close_date",
                    value=ws.project["expected_close_date"],
                )
                submitted = form.submit()
            if submitted:
                form.run(
                    ws.actor,
                    change_forecast,
                    ws.project_id,
                    expected_amount=amount,
                    expected_close_date=close_date,
                    expected_version=ws.version,
                    success=t("ws.forecast_saved"),
                )
        buttons = st.columns(2)
        if buttons[0].button(t("ws.close_won"), key="ws.open_won", icon=":material/handshake:"):
            st.session_state[DIALOG] = ("won", ws.project_id)
        if buttons[1].button(t("ws.close_lost"), key="ws.open_lost", icon=":material/block:"):
            st.session_state[DIALOG] = ("lost", ws.project_id)
        if st.session_state.get(DIALOG) == ("won", ws.project_id):
            close_won_dialog()
        elif st.session_state.get(DIALOG) == ("lost", ws.project_id):
            close_lost_dialog()
