"""我的账户: the signed-in user's own password and language."""

import streamlit as st

from entry_app import ui
from web.account import password_form
from web.i18n import language_switcher, t

actor = ui.actor()
st.title(t("page.account"))
st.subheader(t("account.language"))
language_switcher(key="account.language")
st.subheader(t("account.change_password"))
password_form(actor)
