"""User text shown as typed, never as Markdown.

Streamlit renders the body of st.markdown, st.caption, st.info, st.success, st.subheader
(and widget labels) as Markdown: a project named `[click](http://…)` would become a link,
`![x](…)` an image that loads from elsewhere, `**b**` bold text. Every value a user entered
(names, notes, reasons) goes through `literal` before it is placed into such a body.
"""

from __future__ import annotations

import re
import string
from typing import Any

# CommonMark lets any ASCII punctuation be escaped with a backslash, and shows it as
# typed; that covers links, images, emphasis, HTML tags, headings, lists, tables,
# Streamlit's :color[...] directives and $math$.
_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def literal(value: Any) -> str:
    """`value` as Markdown that displays exactly its text (line breaks kept)."""
    text = "" if value is None else str(value)
    return _LINE_BREAK.sub("  \n", _PUNCTUATION.sub(r"\\\1", text))
