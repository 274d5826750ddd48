"""Driving entry-app forms in AppTest by form name and field, whatever their generation."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Engine, func, select
from streamlit.testing.v1 import AppTest

from ingest.store.db import read_session


def generation(at: AppTest, form: str) -> int:
    key = f"form.{form}.gen"
    return at.session_state[key] if key in at.session_state else 0  # noqa: SIM401


def widget(at: AppTest, kind: str, form: str, field: str) -> Any:
    return getattr(at, kind)(key=f"{form}.{generation(at, form)}.{field}")


def fill(at: AppTest, form: str, **values: Any) -> AppTest:
    """Set form fields; the widget kind is found by key among the usual input kinds."""
    for field, value in values.items():
        key = f"{form}.{generation(at, form)}.{field}"
        for kind in (
            "text_input",
            "text_area",
            "selectbox",
            "date_input",
            "number_input",
            "checkbox",
            "multiselect",
            "radio",
            "time_input",
        ):
            try:
                element = getattr(at, kind)(key=key)
            except KeyError:
                continue
            element.set_value(value)
            break
        else:
            raise KeyError(f"no widget {key}")
    return at


def submit(at: AppTest, form: str) -> AppTest:
    at.button(key=f"{form}.{generation(at, form)}.submit").click()
    return at.run()


def shown(markdown: str) -> str:
    """The text a Markdown body displays (web.markdown.literal escapes user text)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("  \n", "\n")


def errors(at: AppTest) -> list[str]:
    return [shown(element.value) for element in at.error]


def successes(at: AppTest) -> list[str]:
    return [shown(element.value) for element in at.success]


def count(engine: Engine, model: Any, *where: Any) -> int:
    with read_session(engine) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def one(engine: Engine, model: Any, *where: Any) -> Any:
    with read_session(engine) as session:
        return session.scalars(select(model).where(*where)).one()
