"""Everything an AppTest run put on the page, as one text: what a user could read or save.

Markdown, titles, captions, metrics, alerts, widget labels and options, tab and expander
labels, dataframes' cells (and, for dashboards, `<id column>=<value>` tokens so records
without a name can be told apart), Plotly figures' data and the contents of every download
button (static data and the deferred exports a click would produce; PDFs and Excel files
decoded). Used by the visibility matrices to look for records a role may not see.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Dataframe

from tests.support.pdf_text import pdf_text

ID_COLUMNS = ("project_id", "customer_id", "lead_id", "expense_id", "employee_id", "owner_id")


@contextmanager
def _capturing_downloads() -> Iterator[list[tuple[str, Callable[[], Any]]]]:
    """Record the data of every download button drawn meanwhile (file name, data maker)."""
    captured: list[tuple[str, Callable[[], Any]]] = []
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def recording_add(self: MediaFileManager, data: Any, mimetype: Any, coordinates: str, file_name: Any = None, is_for_static_download: bool = False) -> str:  # fmt: skip  # noqa: E501
        if is_for_static_download:
            captured.append((str(file_name), lambda: data))
        return add(self, data, mimetype, coordinates, file_name, is_for_static_download)

    def recording_deferred(self: MediaFileManager, maker: Any, mimetype: Any, coordinates: str, file_name: Any = None, **kw: Any) -> str:  # fmt: skip  # noqa: E501
        captured.append((str(file_name), maker))
        return add_deferred(self, maker, mimetype, coordinates, file_name, **kw)

    MediaFileManager.add = recording_add  # type: ignore[method-assign]
    MediaFileManager.add_deferred = recording_deferred  # type: ignore[method-assign]
    try:
        yield captured
    finally:
        MediaFileManager.add = add  # type: ignore[method-assign]
        MediaFileManager.add_deferred = add_deferred  # type: ignore[method-assign]


def file_text(data: Any) -> str:
    """A downloaded file as text: PDF glyphs, an Excel workbook's XML, else UTF-8."""
    if hasattr(data, "read"):
        data = data.read()
    if isinstance(data, str):
        return data
    data = bytes(data)
    if data.startswith(b"%PDF"):
        return pdf_text(data)
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            return "\n".join(
                book.read(name).decode("utf-8") for name in book.namelist() if name.endswith(".xml")
            )
    return data.decode("utf-8-sig", errors="replace")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif value is not None:
        yield str(value)


def _frame_text(frame: pd.DataFrame) -> str:
    tokens = [
        f"{column}={int(value)}"
        for column in frame.columns
        if column in ID_COLUMNS
        for value in frame[column].dropna()
    ]
    return frame.to_csv(index=False) + "\n" + " ".join(tokens)


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def page_text(at: AppTest, downloads: list[tuple[str, Callable[[], Any]]] = ()) -> str:  # type: ignore[assignment]
    parts: list[str] = []
    for node in _nodes(at._tree):
        if isinstance(node, Dataframe):
            parts.append(_frame_text(node.value))
            continue
        proto = getattr(node, "proto", None)
        if isinstance(proto, Message):
            parts.extend(_strings(MessageToDict(proto)))
    for name, maker in downloads:
        parts.append(name)
        parts.append(file_text(maker()))
    # User text is shown as Markdown-escaped literal text (web/markdown.py): read it
    # as the user sees it.
    return _ESCAPED.sub(r"\1", "\n".join(parts))


def run(at: AppTest) -> str:
    """Run the app once; everything that run rendered and offered for download."""
    with _capturing_downloads() as downloads:
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    return page_text(at, downloads)
