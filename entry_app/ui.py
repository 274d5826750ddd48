"""Small drawing helpers every page shares: the signed-in actor, tables with translated
headers, a pager, money and status labels. No SQL here; lists come from
`entry_app.queries`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from functools import partial
from typing import Any

import streamlit as st
from sqlalchemy.orm import Session

from entry_app.queries import reference
from entry_app.queries.common import PAGE_SIZE, ListRequest, Page
from ingest.commands.base import Actor
from ingest.store.db import read_session
from web import numbers
from web.forms import EntryForm
from web.i18n import language, t
from web.session import engine, require_sign_in


def actor() -> Actor:
    return require_sign_in()


@contextmanager
def reading() -> Iterator[Session]:
    with read_session(engine()) as session:
        yield session


def lang() -> str:
    return language()


def money(value: Any) -> str:
    """An amount in full, as tables and forms show it: 3,190,712.50."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value):,.2f}"


def money_card(column: Any, label: str, value: Any, **options: Any) -> None:
    """An amount on a metric card: compact (34.1亿, 3.41B) so it fits, in full in its help.
    `options` go to st.metric (border=True)."""
    if value is None or value == "":
        column.metric(label, numbers.MISSING, **options)
        return
    column.metric(
        label,
        numbers.money(value, lang()),
        help=t("common.exact", value=money(value)),
        **options,
    )


def when(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def label(prefix: str, value: Any) -> str:
    """A code shown as words: `label("project_status", "won")` shows the text of the key
    project_status.won."""
    if value is None or value == "":
        return ""
    return t(f"{prefix}.{value}")


def labelled(prefix: str) -> Callable[[Any], str]:
    """`label` as a table's format for a column of codes: `formats={"status":
    labelled("project_status")}`."""
    return partial(label, prefix)


def yes_no(value: Any) -> str:
    """A flag as a table shows it: Yes or No in the user's language."""
    return t("common.yes") if value else t("common.no")


def table(
    rows: list[dict[str, Any]],
    columns: dict[str, str],
    *,
    formats: dict[str, Any] | None = None,
    key: str | None = None,
    selectable: bool = False,
) -> int | None:
    """Rows as a table with translated headers; with `selectable`, the id of the row the
    user picked (or None)."""
    formats = formats or {}
    if not rows:
        st.caption(t("common.empty"))
        return None
    shown = [
        {
            t(header): formats[column](row.get(column)) if column in formats else row.get(column)
            for column, header in columns.items()
        }
        for row in rows
    ]
    if not selectable:
        st.dataframe(shown, hide_index=True, width="stretch")
        return None
    event = st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        key=key,
        on_select="rerun",
        selection_mode="single-row",
    )
    picked = event.selection.rows if event is not None else []
    return rows[picked[0]]["id"] if picked else None


def pager(key: str, result: Page) -> None:
    """The page caption and, when there is more than one page, a page number input."""
    total = t("common.many", count=f"{result.total:,}") if result.capped else f"{result.total:,}"
    st.caption(
        t("common.page_of", total=total, page=result.offset // result.limit + 1, pages=result.pages)
    )


def list_request(list_key: str, **filters: Any) -> ListRequest:
    """The page number chosen for list `list_key` (1-based, see `page_input`) with `filters`
    (search, status, mine), as the list's query takes them."""
    number = int(st.session_state.get(f"{list_key}.page", 1) or 1)
    return ListRequest(offset=(max(number, 1) - 1) * PAGE_SIZE, **filters)


def page_input(key: str, result: Page) -> None:
    if result.pages > 1:
        # Filters that shrink the list must not leave the pager beyond its last page.
        if st.session_state.get(f"{key}.page", 1) > result.pages:
            st.session_state[f"{key}.page"] = result.pages
        st.number_input(
            t("common.page"),
            min_value=1,
            max_value=result.pages,
            step=1,
            key=f"{key}.page",
        )
    pager(key, result)


def paged_table(
    list_key: str, result: Page, columns: dict[str, str], **table_options: Any
) -> int | None:
    """One page of a list as a `table`, with its pager (`page_input` keyed `list_key`) below;
    what `table` returns (the picked id, with `selectable`)."""
    picked = table(result.rows, columns, **table_options)
    page_input(list_key, result)
    return picked


def names(values: Any, prefix: str) -> Any:
    """A format_func for codes: the texts are looked up now, in this run's language (a
    lambda calling t() later may run outside the session, e.g. under AppTest)."""
    texts = {value: t("common.all") if value is None else t(f"{prefix}{value}") for value in values}
    return lambda value: texts.get(value, str(value))


def search_and_status(
    columns: Any, list_key: str, statuses: list[str], prefix: str
) -> tuple[str, str | None]:
    """The search box and the status choice (None for all) above a list, in the first two
    of `columns`, keyed `<list_key>.search` and `<list_key>.status`; `prefix` names the
    statuses' texts."""
    search = columns[0].text_input(t("common.search"), key=f"{list_key}.search")
    return search, status_filter(columns[1], list_key, statuses, prefix)


def list_filters(list_key: str, statuses: list[str], prefix: str, *, mine: bool) -> ListRequest:
    """The search box, the status choice and the "mine" toggle (on at first when `mine`)
    above a list, with the page chosen, as the request its query takes."""
    columns = st.columns([3, 2, 1])
    search, status = search_and_status(columns, list_key, statuses, prefix)
    only_mine = columns[2].toggle(t("common.mine"), value=mine, key=f"{list_key}.mine")
    return list_request(list_key, search=search, status=status, mine=only_mine)


def status_filter(place: Any, list_key: str, statuses: list[str], prefix: str) -> str | None:
    """The status choice (None for all) above a list, keyed `<list_key>.status`, drawn in
    `place` (a column, or `st`); `prefix` names the statuses' texts."""
    options = [None, *statuses]
    return place.selectbox(
        t("common.status"),
        options,
        format_func=names(options, prefix),
        key=f"{list_key}.status",
    )


def link_options(
    actor: Actor, list_key: str
) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The projects and the customers a new record may hang on, narrowed by a search box
    keyed `<list_key>.link_search`."""
    search = st.text_input(t("project.customer_search"), key=f"{list_key}.link_search")
    with reading() as session:
        return (
            reference.project_options(session, actor, search),
            reference.customer_options(session, actor, search),
        )


def choose(
    label_key: str,
    options: list[tuple[Any, str]],
    *,
    key: str,
    allow_none: bool = False,
    index: int | None = 0,
    preferred: Sequence[Any] = (),
    help: str | None = None,
) -> Any:
    """A selectbox over (value, label) pairs that returns the value. With `preferred` (the
    record's current value, a suggestion), the first of them found among the values is
    chosen at first instead of the option at `index`."""
    if preferred:
        index = position(options, *preferred, allow_none=allow_none)
    values = [value for value, _ in options]
    names = dict(options)
    if allow_none:
        values = [None, *values]
        names[None] = t("common.none")
    # A choice kept from an earlier run that is no longer offered (the list was empty, or
    # changed) would show as blank: fall back to the default instead.
    if key in st.session_state and st.session_state[key] not in values:
        del st.session_state[key]
    return st.selectbox(
        t(label_key),
        values,
        index=index if values else None,
        format_func=lambda value: names.get(value, str(value)),
        key=key,
        help=help,
    )


def position(options: list[tuple[Any, str]], *preferred: Any, allow_none: bool = False) -> int:
    """The `index` for `choose` that preselects the first of `preferred` found among the
    options' values, else the first option; `allow_none` as given to `choose`, which puts
    "none" first."""
    values = [value for value, _ in options]
    if allow_none:
        values = [None, *values]
    return next((values.index(value) for value in preferred if value in values), 0)


def form_choice(
    form: EntryForm,
    field: str,
    label_key: str,
    options: list[tuple[Any, str]],
    *,
    error_field: str | None = None,
    **choose_options: Any,
) -> Any:
    """`choose` inside an entry form: keyed `field`, with the slot for its error right below
    it; `error_field` is the name the command gives the field, when that is not `field`."""
    value = choose(label_key, options, key=form.key(field), **choose_options)
    form.slot(error_field or field)
    return value


def form_code_choice(
    form: EntryForm, field: str, label_key: str, codes: Any, prefix: str, **options: Any
) -> Any:
    """`form_choice` over fixed codes (threat levels, roles, statuses) shown as the texts
    `<prefix>.<code>`, as `label` shows them in tables; `options` go to `form_choice`."""
    return form_choice(form, field, label_key, [(c, t(f"{prefix}.{c}")) for c in codes], **options)


def form_links(
    form: EntryForm,
    projects: list[tuple[int, str]],
    customers: list[tuple[int, str]] | None,
    prefix: str,
) -> tuple[int | None, int | None]:
    """The project and the customer a new record hangs on (either may be none), chosen in an
    entry form from `link_options`; labelled `<prefix>.project` and `<prefix>.customer`."""
    project_id = form_choice(form, "project_id", f"{prefix}.project", projects, allow_none=True)
    customer_id = form_choice(
        form, "customer_id", f"{prefix}.customer", customers or [], allow_none=True
    )
    return project_id, customer_id


def take_from_address(
    param: str, key: str, *, number: bool = True, pager: str | None = None
) -> bool:
    """A record a link named in the address (the home page's `?lead=12`) chosen in the
    widget `key`, once: the address then forgets it, so the user may choose another.
    `pager`, the list the record is picked from, goes back to its first page, where the
    home page's items (the same list's first rows) are. True when the address named one."""
    raw = st.query_params.get(param)
    if raw is None:
        return False
    del st.query_params[param]
    if number and not raw.isdigit():
        return False
    st.session_state[key] = int(raw) if number else raw[:200]
    if pager is not None:
        st.session_state[f"{pager}.page"] = 1
    return True


def open_project(project_id: int) -> None:
    """Go to the project workspace for this project."""
    st.session_state["workspace.project_id"] = project_id
    st.switch_page("views/project.py")


def no_access() -> None:
    st.warning(t("common.no_access"))
    st.stop()
