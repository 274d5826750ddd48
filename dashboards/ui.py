"""What every dashboard page shares: sign-in and page access, the standard filters kept in
the URL, the data's freshness, the KPI row, charts with drill-down, and the records table
with CSV and Excel export. No SQL here: numbers come from warehouse.queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards.metrics import help_text
from ingest import exports
from ingest.commands.base import Actor
from ingest.store import reference
from ingest.store.db import changes_after, read_session
from ingest.store.models import utcnow
from orchestration.snapshots import NoSnapshot
from warehouse.queries import common
from warehouse.queries import options as options_queries
from warehouse.scope import Filters, pages_for
from web import links, numbers
from web.dashboard_strings import TEXTS
from web.i18n import language, register, t
from web.markdown import literal
from web.session import require_sign_in

register(TEXTS)

FILTER_KEYS = (
    "start",
    "end",
    "rep",
    "department",
    "region",
    "industry",
    "customer_type",
    "sales_mode",
)
ALL = ""  # the "all" option of a select filter (absent from the URL)
EXCEL_MAX_ROWS = 1_048_575  # a worksheet's rows, less the header

_REFERENCE = {
    "region": {c: (zh, en) for c, zh, en in reference.REGIONS},
    "industry": {c: (zh, en) for c, zh, en in reference.INDUSTRIES},
    "customer_type": {c: (zh, en) for c, zh, en in reference.CUSTOMER_TYPES},
    "source": {c: (zh, en) for c, zh, en in reference.LEAD_SOURCES},
    "loss_category": dict(reference.LOSS_CATEGORIES.items()),
}


@dataclass(frozen=True)
class Context:
    actor: Actor
    lang: str
    filters: Filters
    freshness: common.Freshness


def code_label(kind: str, code: Any) -> str:
    """A reference code in words (region, industry, customer type, lead source ...)."""
    if code is None or (isinstance(code, float) and pd.isna(code)):
        return t("dash.none")
    names = _REFERENCE.get(kind, {}).get(str(code))
    if names is None:
        return str(code)
    return names[1] if language() == "en" else names[0]


def context(page: str) -> Context:
    """Sign-in, page access and the standard filters; stops the page when it may not run."""
    actor = require_sign_in()
    if page not in pages_for(actor.role):
        st.error(t("dash.not_allowed"))
        st.stop()
    lang = language()
    try:
        fresh = common.freshness()
    except NoSnapshot:
        st.info(t("dash.no_snapshot"))
        st.stop()
        raise  # st.stop() raises; this keeps type checkers content
    filters = _filter_widgets(actor, lang)
    st.title(t(f"dash.page.{page}"))
    st.caption(t(f"dash.period.{page}"))
    st.caption(
        t(
            "dash.freshness",
            as_of=fresh.as_of_date.isoformat(),
            published_at=fresh.published_at.replace("T", " ").replace("+00:00", ""),
            version=fresh.version,
            change_seq=fresh.change_seq,
        )
        + _lag(fresh.change_seq)
    )
    return Context(actor, lang, filters, fresh)


def _lag(change_seq: int) -> str:
    """What the store holds beyond the snapshot: the lag a user would otherwise guess."""
    with read_session() as session:
        count, first_saved = changes_after(session, change_seq)
    if not count:
        return t("dash.lag.none")
    if first_saved is None:  # writes that leave no audit entry
        return t("dash.lag.count", count=count)
    minutes = max(0, round((utcnow() - first_saved).total_seconds() / 60))
    return t("dash.lag.since", count=count, minutes=minutes)


def _bound(widget: Callable[..., Any], label: str, key: str, **kwargs: Any) -> Any:
    """A filter widget whose value lives in the URL (?key=value) and survives page
    switches, so a view can be bookmarked and sent to a colleague."""
    return widget(label, key=key, bind="query-params", persist_state="session", **kwargs)


def _filter_widgets(actor: Actor, lang: str) -> Filters:
    options = options_queries.filter_options(actor)
    with st.sidebar:
        st.subheader(t("dash.filters"))
        start = _bound(st.date_input, t("dash.filter.start"), "start", value=None)
        end = _bound(st.date_input, t("dash.filter.end"), "end", value=None)
        reps = {str(e): name for e, name in options["rep"]}
        rep = _select(t("dash.filter.rep"), "rep", reps)
        departments = {code: (en if lang == "en" else zh) for code, zh, en in options["department"]}
        department = _select(t("dash.filter.department"), "department", departments)
        region = _select(
            t("dash.filter.region"),
            "region",
            {c: code_label("region", c) for c in options["region"]},
        )
        industry = _select(
            t("dash.filter.industry"),
            "industry",
            {c: code_label("industry", c) for c in options["industry"]},
        )
        customer_type = _select(
            t("dash.filter.customer_type"),
            "customer_type",
            {c: code_label("customer_type", c) for c in options["customer_type"]},
        )
        modes = {code: (en if lang == "en" else zh) for code, zh, en in options["sales_mode"]}
        sales_mode = _select(t("dash.filter.sales_mode"), "sales_mode", modes)
        st.caption(t("dash.filter.link_note"))
    return Filters(
        start=start if isinstance(start, dt.date) else None,
        end=end if isinstance(end, dt.date) else None,
        rep=int(rep) if rep else None,
        department=department or None,
        region=region or None,
        industry=industry or None,
        customer_type=customer_type or None,
        sales_mode=sales_mode or None,
    )


def _select(label: str, key: str, choices: dict[str, str]) -> str:
    """A select filter kept in the URL as its code (?region=north_china), whatever the
    language. (Streamlit's own binding stores the displayed label, which differs between
    zh and en and would break a link sent to a colleague reading the other language.)
    The URL wins when it names a value; else the session's last choice, so a filter
    survives a page switch that drops the query string."""
    widget_key, saved_key = f"dash.filter.{key}", f"dash.saved.{key}"
    from_url = st.query_params.get(key)
    wanted = from_url if from_url is not None else st.session_state.get(saved_key, ALL)
    if wanted not in choices:
        wanted = ALL  # unknown, or a value this user may not choose (another team's rep)
    st.session_state[widget_key] = wanted
    everything = t("dash.filter.all")
    value = st.selectbox(
        label,
        [ALL, *choices],
        key=widget_key,
        format_func=lambda v: everything if v == ALL else choices.get(v, v),
        on_change=_remember_choice,
        args=(key,),
    )
    _remember_choice(key, value)
    return value


def _remember_choice(key: str, value: str | None = None) -> None:
    """Keep a select filter's value in the URL and the session (also the on_change
    callback, which runs before the rerun so the new choice beats the old URL)."""
    if value is None:
        value = st.session_state[f"dash.filter.{key}"]
    st.session_state[f"dash.saved.{key}"] = value
    if value == ALL:
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get(key) != value:
        st.query_params[key] = value


def not_applicable(*names: str) -> None:
    """Say which of the standard filters a page cannot apply (rather than ignore silently)."""
    st.caption(t("dash.not_applicable", names="、".join(t(f"dash.filter.{n}") for n in names)))


# --- KPIs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A KPI's number as its card shows it (compact: 34.1亿, 3.41B) and in full, for the
    card's help (3,412,345,678.00); exact is None when the card shows it whole."""

    text: str
    exact: str | None = None


@dataclass(frozen=True)
class Kpi:
    key: str  # label key: dash.kpi.<key>
    value: Figure | str
    metric: str | None = None  # the dbt metric whose definition is the help text
    help_params: dict[str, Any] | None = None


# More cards than this in one row leave too little room for a value at 1280 px.
KPIS_PER_ROW = 5
# A KPI value's font shrinks with its card (CSS container units), from Streamlit's 2.25rem
# down to what keeps nine characters ("888 / 978", "-9999.9万") whole in a narrow card; a
# long label ("Contracts signed") wraps instead of ending in an ellipsis.
# Style only, no markup: Streamlit adds it to the page without taking room.
_KPI_STYLE = """<style>
[data-testid="stMetric"] { container-type: inline-size; }
[data-testid="stMetricValue"] { font-size: min(2.25rem, 17cqi); }
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}
</style>"""


def kpi_row(items: Iterable[Kpi]) -> None:
    """The KPI cards, in one row up to KPIS_PER_ROW, else in rows as even as can be
    (seven: four and three), every card as wide as those of the first row."""
    items = list(items)
    st.html(_KPI_STYLE)
    rows = -(-len(items) // KPIS_PER_ROW)
    width = -(-len(items) // rows)
    for start in range(0, len(items), width):
        chunk = items[start : start + width]
        for column, item in zip(st.columns(width), chunk, strict=False):
            shown = item.value.text if isinstance(item.value, Figure) else item.value
            column.metric(t(f"dash.kpi.{item.key}"), shown, help=_kpi_help(item), border=True)


def _kpi_help(item: Kpi) -> str | None:
    if item.metric is not None:
        lang = language()
        explained = help_text(item.metric, lang, t(f"dash.metric.{item.metric}"))
    else:
        key = f"dash.kpi.{item.key}.help"
        explained = t(key, **(item.help_params or {})) if key in TEXTS else None
    exact = item.value.exact if isinstance(item.value, Figure) else None
    if exact is None:
        return explained
    figure = t("dash.kpi.exact", value=exact)
    return f"{figure}\n\n{explained}" if explained else figure


def _figure(text: str, exact: str) -> Figure:
    return Figure(text, None if text == exact else exact)


def money(value: Any) -> Figure:
    """An amount: 34.1亿 / 3.41B on the card, every yuan in its help."""
    lang = language()
    return _figure(numbers.money(value, lang), numbers.exact(value, lang, places=2))


def rate(value: Any) -> Figure:
    return Figure(numbers.rate(value))


def number(value: Any, places: int = 0) -> Figure:
    """A count or an average: 1,234 / 12.5 whole, 12.3万 / 12.3K from ten thousand on."""
    lang = language()
    return _figure(numbers.count(value, lang, places), numbers.exact(value, lang, places=places))


def days(value: Any) -> Figure:
    """A number of days, to a tenth (12.5)."""
    return number(value, 1)


def share(part: Any, whole: Any) -> Figure:
    """Part of a whole, both counts: 869 / 961."""
    lang = language()
    text = f"{numbers.count(part, lang)} / {numbers.count(whole, lang)}"
    exact = f"{numbers.exact(part, lang, places=0)} / {numbers.exact(whole, lang, places=0)}"
    return _figure(text, exact)


def kpi(
    values: Mapping[str, Any],
    key: str,
    show: Callable[[Any], Figure] = number,
    *,
    metric: str | None = None,
) -> Kpi:
    """The card of `values[key]`, labelled by the same key: most cards show one of a
    page's KPI figures under its own name, so the name is written once."""
    return Kpi(key, show(values[key]), metric=metric)


# --- charts and drill-down -------------------------------------------------------------------


def chart(fig: go.Figure, key: str) -> set[str]:
    """Draw a figure; return the record keys (customdata[0]) of the selected elements."""
    event = st.plotly_chart(fig, key=key, on_select="rerun", selection_mode=("points", "box"))
    selected: set[str] = set()
    points = []
    try:
        points = event.selection.points  # type: ignore[union-attr]
    except AttributeError:
        points = []
    for point in points or []:
        custom = point.get("customdata")
        if isinstance(custom, list | tuple) and custom:
            selected.add(str(custom[0]))
        elif custom is not None:
            selected.add(str(custom))
    return selected


def drill(column: str, selected: set[str]) -> common.Drill:
    """The drill-down of a chart selection, for a records query (nothing selected: all)."""
    if not selected:
        return ()
    st.info(t("dash.drill.active", what=", ".join(literal(s) for s in sorted(selected))))
    return ((column, tuple(sorted(selected))),)


def key_text(value: Any) -> str:
    """A record key as charts and drill-downs carry it: ids without a trailing .0."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool | np.bool_):
        return str(value).lower()  # as SQL casts it: the drill-down compares that text
    return str(value)


# --- records and export ----------------------------------------------------------------------


def records(
    frame: pd.DataFrame,
    name: str,
    *,
    title: str | None = None,
    everything: Callable[[], pd.DataFrame] | None = None,
) -> None:
    """The table of underlying records with CSV and Excel export. The table shows the
    first rows; the export asks `everything` for all of them (when given) on click."""
    st.subheader(title or t("dash.records"))
    if frame.empty:
        st.caption(t("dash.empty"))
        return
    if everything is not None and len(frame) >= common.RECORDS_LIMIT:
        st.caption(t("dash.records.first", n=f"{len(frame):,}"))
    else:
        st.caption(t("dash.records.count", n=f"{len(frame):,}"))
    shown, links_config = with_workspace_links(frame)
    config = {**exact_columns(frame), **(links_config or {})}
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config)
    full = everything or (lambda: frame)
    left, right = st.columns(2)
    left.download_button(
        t("dash.export.csv"),
        data=lambda: to_csv(full()),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"csv.{name}",
        on_click="ignore",
        icon=":material/download:",
    )
    right.download_button(
        t("dash.export.xlsx"),
        data=lambda: to_excel(full().head(EXCEL_MAX_ROWS), name),
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"xlsx.{name}",
        on_click="ignore",
        icon=":material/table_view:",
    )


def query_records(
    name: str, query: Callable[..., pd.DataFrame], *args: Any, title: str | None = None
) -> None:
    """`records` over a records query: `query(*args)` gives the first rows, the export
    asks it again with the limit (its last argument) None."""
    records(query(*args), name, title=title, everything=lambda: query(*args, None))


WORKSPACE_COLUMN = "workspace"


def with_workspace_links(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any] | None]:
    """A table with projects gets a first column opening each in the entry app's project
    workspace (one product: web.links); exports keep the records as they are."""
    if "project_id" not in frame.columns:
        return frame, None
    shown = frame.copy()
    shown.insert(
        0,
        WORKSPACE_COLUMN,
        [None if pd.isna(p) else links.project_url(int(p)) for p in frame["project_id"]],
    )
    column = st.column_config.LinkColumn(
        t("dash.workspace"), help=t("dash.workspace.help"), display_text=r"project=(\d+)$"
    )
    return shown, {WORKSPACE_COLUMN: column}


# Numbers that are names, not quantities: shown without thousands separators.
_NOT_QUANTITIES = ("id", "year", "order", "seq", "version", "code")


def exact_columns(frame: pd.DataFrame) -> dict[str, Any]:
    """Tables keep exact figures with thousands separators (3,190,712.5); the frame, and
    so its exports, keeps raw numbers. Ids, years and orders stay bare (2026, not 2,026)."""
    return {
        str(name): st.column_config.NumberColumn(format="localized")
        for name, dtype in frame.dtypes.items()
        if pd.api.types.is_numeric_dtype(dtype)
        and not pd.api.types.is_bool_dtype(dtype)
        and not str(name).lower().endswith(_NOT_QUANTITIES)
        and "year" not in str(name).lower()
    }


# Exported cells are data, never formulas (ingest.exports).
to_csv = exports.csv_bytes
to_excel = exports.excel_bytes
