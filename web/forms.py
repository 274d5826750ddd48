"""Data-entry forms: field-level errors beside the field, input kept on error, a clear
confirmation on success, and idempotent submits.

Idempotency: the key a command runs under is a hash of the signed-in user, the form, a
per-form counter and the submitted values. A double click or a resubmit after a lost
answer sends the same values, finds the key already used and creates nothing twice; the
user is told so and may deliberately save an identical record again (which bumps the
counter). The counter starts from the sign-in token, which survives a browser reload, so
a reload followed by the same submit is caught too.

Keeping input: widgets carry keys that include a generation number; an error leaves the
generation (and so the typed values) alone, a success bumps it so the form opens empty
with the confirmation above it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import streamlit as st
from sqlalchemy import select

from ingest.commands.base import GENERAL, Actor, CommandError
from ingest.store.db import read_session
from ingest.store.models import IdempotencyKey
from web.i18n import t
from web.markdown import literal
from web.session import TOKEN_KEY, engine


def _state_key(form: str, what: str) -> str:
    return f"form.{form}.{what}"


def generation(form: str) -> int:
    return int(st.session_state.get(_state_key(form, "gen"), 0))


def reset(form: str) -> None:
    """Open the form empty on the next run."""
    st.session_state[_state_key(form, "gen")] = generation(form) + 1


def flash(form: str, message: str) -> None:
    st.session_state[_state_key(form, "flash")] = message


def idempotency_key(actor: Actor, form: str, values: Any) -> str:
    counter = st.session_state.get(_state_key(form, "counter"), 0)
    origin = st.session_state.get(TOKEN_KEY, "")
    payload = json.dumps([actor.id, origin, form, counter, values], default=repr, sort_keys=True)
    return "app:" + hashlib.sha256(payload.encode()).hexdigest()


def _already_used(key: str) -> bool:
    with read_session(engine()) as session:
        return (
            session.scalar(select(IdempotencyKey.key).where(IdempotencyKey.key == key)) is not None
        )


class EntryForm:
    """`with EntryForm("lead_create") as form:` draws an st.form; inside, give every widget
    `key=form.key("field")` and call `form.slot("field")` right below it. `heading`, the
    key of a text, is shown in bold at the top, below where general errors appear."""

    def __init__(self, name: str, *, border: bool = True, heading: str | None = None) -> None:
        self.name = name
        self.border = border
        self.heading = heading
        self.slots: dict[str, Any] = {}
        self._form: Any = None

    def key(self, field: str) -> str:
        return f"{self.name}.{generation(self.name)}.{field}"

    def value(self, field: str, default: Any = None) -> Any:
        return st.session_state.get(self.key(field), default)

    def __enter__(self) -> EntryForm:
        message = st.session_state.pop(_state_key(self.name, "flash"), None)
        if message:
            st.success(literal(message), icon=":material/check_circle:")
        self._form = st.form(f"{self.name}.{generation(self.name)}", border=self.border)
        self._form.__enter__()
        self.slots[GENERAL] = st.empty()
        if self.heading is not None:
            st.markdown(f"**{t(self.heading)}**")
        return self

    def __exit__(self, *exc: Any) -> None:
        self._form.__exit__(*exc)

    def slot(self, field: str) -> None:
        """Where the error of `field` appears: right below its widget."""
        self.slots[field] = st.empty()

    def widget(
        self,
        draw: Callable[..., Any],
        field: str,
        label_key: str,
        *,
        error_field: str | None = None,
        **options: Any,
    ) -> Any:
        """`draw` (st.text_input, st.date_input, ...) labelled with the text of `label_key`
        and keyed `field`, with the slot for its error right below it; `error_field` is the
        name the command gives the field, when that is not `field`."""
        value = draw(t(label_key), key=self.key(field), **options)
        self.slot(error_field or field)
        return value

    def submit(self, label: str | None = None) -> bool:
        return st.form_submit_button(
            label or t("common.save"), type="primary", key=self.key("submit")
        )

    def show_errors(self, errors: dict[str, str]) -> None:
        general: list[str] = []
        for field, text in errors.items():
            slot = self._slot_for(field)
            if slot is None:
                general.append(literal(text))
            else:
                slot.error(literal(text))
        if any(field != GENERAL for field in errors):
            general.append(t("common.fix_errors"))
        self.slots[GENERAL].error("\n\n".join(general))

    def _slot_for(self, field: str) -> Any:
        if field == GENERAL:
            return None
        parts = field.split(".")
        for end in range(len(parts), 0, -1):
            slot = self.slots.get(".".join(parts[:end]))
            if slot is not None:
                return slot
        return None

    def run(
        self,
        actor: Actor,
        command: Callable[..., Any],
        *args: Any,
        success: str | Callable[[Any], str],
        on_success: Callable[[Any], None] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run the command once for these values; show errors here or confirm and reset."""
        key = idempotency_key(actor, self.name, [command.__name__, args, kwargs])
        if _already_used(key):
            self.slots[GENERAL].info(t("common.already_saved"))
            if st.button(t("common.save_again"), key=f"{self.name}.again"):
                counter = _state_key(self.name, "counter")
                st.session_state[counter] = st.session_state.get(counter, 0) + 1
                st.rerun()
            return None
        try:
            result = command(engine(), actor.id, *args, idempotency_key=key, **kwargs)
        except CommandError as error:
            self.show_errors(error.texts(_lang()))
            return None
        if on_success is not None:
            on_success(result)
        flash(self.name, success(result) if callable(success) else success)
        reset(self.name)
        st.rerun()
        return result


def _lang() -> str:
    from web.i18n import language

    return language()


def run_action(
    actor: Actor,
    name: str,
    command: Callable[..., Any],
    *args: Any,
    success: str,
    **kwargs: Any,
) -> bool:
    """A one-button action outside a form (submit a report, mark paid): same idempotency,
    errors shown where the button is. True when it ran."""
    key = idempotency_key(actor, name, [command.__name__, args, kwargs])
    try:
        command(engine(), actor.id, *args, idempotency_key=key, **kwargs)
    except CommandError as error:
        for text in error.texts(_lang()).values():
            st.error(literal(text))
        return False
    st.session_state[_state_key(name, "flash")] = success
    return True


def show_flash(name: str) -> None:
    message = st.session_state.pop(_state_key(name, "flash"), None)
    if message:
        st.success(literal(message), icon=":material/check_circle:")
