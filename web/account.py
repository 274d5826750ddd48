"""A user's own password: changed on the account page, and forced at the first sign-in
with a demo or temporary password (both apps draw the same form)."""

from __future__ import annotations

import streamlit as st

from ingest.auth.sessions import keep_after_password_change
from ingest.auth.signin import check_password
from ingest.commands.base import Actor, CommandError
from ingest.commands.users import set_password
from web.forms import EntryForm, flash, reset
from web.i18n import language, t
from web.session import TOKEN_KEY, engine, sign_out

# Wrong current passwords tolerated in one tab before it is signed out (a tab left open
# is not a way to guess the password).
MAX_WRONG_CURRENT = 5
_WRONG = "account.wrong_current"


def password_form(actor: Actor, *, forced: bool = False) -> None:
    name = "password_change"
    with EntryForm(name) as form:
        if forced:
            st.info(t("account.must_change_help"))
        current = st.text_input(
            t("account.current_password"), type="password", key=form.key("current")
        )
        form.slot("current")
        new = st.text_input(t("account.new_password"), type="password", key=form.key("password"))
        form.slot("password")
        repeat = st.text_input(
            t("account.repeat_password"), type="password", key=form.key("repeat")
        )
        form.slot("repeat")
        st.caption(t("account.password_rules"))
        submitted = form.submit(t("account.change_password"))
    if not submitted:
        return
    errors: dict[str, str] = {}
    if not check_password(actor.id, current or "", engine()):  # type: ignore[arg-type]
        st.session_state[_WRONG] = st.session_state.get(_WRONG, 0) + 1
        if st.session_state[_WRONG] >= MAX_WRONG_CURRENT:
            sign_out()
        errors["current"] = t("account.wrong_current_password")
    elif new != repeat:
        errors["repeat"] = t("account.passwords_differ")
    elif new == current:
        errors["password"] = t("account.password_unchanged")
    else:
        try:
            set_password(engine(), actor.id, actor.id, new, source="app")
        except CommandError as error:
            errors = error.texts(language())
    if errors:
        form.show_errors(errors)
        return
    keep_after_password_change(st.session_state[TOKEN_KEY], engine())
    st.session_state.pop(_WRONG, None)
    # Typed passwords leave the session state with the form's old generation.
    for key in [k for k in st.session_state if str(k).startswith(f"{name}.")]:
        del st.session_state[key]
    if not forced:
        flash(name, t("account.password_changed"))
        reset(name)
    st.rerun()
