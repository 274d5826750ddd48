"""One translation layer for every user-facing string (zh_CN and en).

`CATALOG` maps a key to its texts; another app (the dashboards) adds its own strings with
`register`. `t(key)` answers in the user's language, which lives in `st.session_state`
and is saved on the user's record (`users.locale`) when they switch, so it follows them
to their next sign-in. Keys the catalog lacks fall back to the domain commands' message
catalog (`ingest.messages`), so an error code from a command can be shown with `t(code)`.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from ingest.messages import CATALOG as MESSAGES
from ingest.messages import LOCALES, Message

# The interface speaks the languages the commands' messages are written in.
LANGUAGES = LOCALES
DEFAULT = "zh_CN"
STATE_KEY = "i18n.language"

CATALOG: dict[str, dict[str, str]] = {}


def register(catalog: dict[str, dict[str, str]]) -> None:
    """Merge another module's strings; a later registration wins for the same key."""
    for key, texts in catalog.items():
        CATALOG[key] = {**CATALOG.get(key, {}), **texts}


def language() -> str:
    """The current user's language: what they chose, else zh_CN (the seed users')."""
    try:
        chosen = st.session_state.get(STATE_KEY)
    except Exception:  # outside a Streamlit run (scripts, unit tests)
        chosen = None
    return chosen if chosen in LANGUAGES else DEFAULT


def set_language(lang: str, *, persist: bool = True) -> None:
    """Switch the language for this session and, when signed in, on the user's record."""
    if lang not in LANGUAGES:
        return
    st.session_state[STATE_KEY] = lang
    if persist:
        # Imported late: session imports this module for its own strings.
        from web.session import save_locale

        save_locale(lang)


def t(key: str, **params: Any) -> str:
    """The text of `key` in the user's language, formatted with `params`."""
    return text(key, language(), **params)


def text(key: str, lang: str, **params: Any) -> str:
    """The text of `key` in a given language (outside a Streamlit run, e.g. the sign-in
    page served over plain HTTP)."""
    texts = CATALOG.get(key)
    if texts is not None:
        template = texts.get(lang) or texts.get(DEFAULT) or key
    elif key in MESSAGES:
        return Message(key, params).text(lang)
    else:
        return key
    return template.format(**params) if params else template


def pick(name_zh: str | None, name_en: str | None) -> str:
    """A record's name in the user's language (reference rows carry both)."""
    if language() == "en":
        return name_en or name_zh or ""
    return name_zh or name_en or ""


def language_switcher(key: str = "i18n.switcher") -> None:
    """A two-way toggle for the sidebar; both apps draw the same one."""
    labels = {"zh_CN": "中文", "en": "English"}

    def changed() -> None:
        set_language(st.session_state[key])

    current = language()
    st.session_state.setdefault(key, current)
    if st.session_state[key] != current:
        st.session_state[key] = current
    st.radio(
        "语言 / Language",
        LANGUAGES,
        format_func=labels.__getitem__,
        key=key,
        horizontal=True,
        on_change=changed,
    )


def _register_own() -> None:
    from web.strings import STRINGS

    register(STRINGS)


_register_own()
