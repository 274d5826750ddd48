"""Home: each role's cockpit — what waits for the user today, each item a link to the
page where it is worked, with the record chosen there.

rep: today's and overdue activities (marked done here), flagged deals, pipeline against
target this quarter, leads waiting; manager: leads to qualify, forms to approve, the team's
pipeline coverage and flagged deals; finance: forms to approve and to pay; executive and
department head: the company's headline KPIs, each opening its dashboard; data steward (and
admin): prospects awaiting promotion and the last imports. Store items come from
entry_app.queries (the cockpit and the lists); flags and KPIs from the published snapshot
(warehouse.queries), and the page says so politely while there is none yet.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

import streamlit as st

from entry_app import ui
from entry_app.queries import approvals, cockpit, customers, leads
from entry_app.queries.common import ListRequest, Page
from ingest.commands.activities import complete_activity
from ingest.commands.base import Actor
from ingest.store.models import utcnow
from orchestration.snapshots import NoSnapshot
from warehouse.queries import common, win_loss
from warehouse.queries import forecast as forecast_queries
from warehouse.queries import health as health_queries
from warehouse.queries import pipeline as pipeline_queries
from warehouse.queries.health import HEALTH_FLAGS
from warehouse.scope import Filters
from web import charts, links
from web.dashboard_strings import TEXTS
from web.forms import run_action, show_flash
from web.i18n import register, t
from web.markdown import literal
from web.numbers import count
from web.scores import score_line
from web.session import current_user

register(TEXTS)  # the dashboards' names of flags and KPIs

PROJECT_PAGE = "views/project.py"


def greet(actor: Actor) -> None:
    user = current_user()
    name = user.display_name if user is not None and user.display_name else ""
    st.title(t("page.home"))
    st.subheader(t("home.welcome", name=literal(name or actor.username)))


def section(key: str, count: int | None = None) -> None:
    title = t(key)
    st.subheader(title if count is None else f"{title} ({count:,})")


def see_all(page: str, total: int, shown: int) -> None:
    """The cockpit shows the first items of a list; its page has them all."""
    if total > shown:
        st.page_link(page, label=t("home.see_all", count=f"{total:,}"), icon=":material/list:")


def linked_rows(
    key: str,
    page: str,
    result: Page,
    label: Callable[[dict[str, Any]], str],
    address: Callable[[dict[str, Any]], dict[str, str]],
) -> None:
    """A section of the first rows of a list, each a link to the list's `page` with the row
    named in the address (`address`), and a link to all of them when there are more."""
    section(key, result.total)
    if not result.rows:
        st.caption(t("home.none"))
    for row in result.rows:
        st.page_link(page, label=label(row), query_params=address(row))
    see_all(page, result.total, len(result.rows))


def grid(*parts: Callable[[], None]) -> None:
    """Sections side by side in bordered boxes, two a row (one a row on a phone)."""
    for first in range(0, len(parts), 2):
        row = parts[first : first + 2]
        for column, part in zip(st.columns(2), row, strict=False):
            with column.container(border=True):
                part()


FLAG_ICON = ":material/warning:"


def to_project(project_id: int, label: str, icon: str | None = None) -> None:
    st.page_link(PROJECT_PAGE, label=label, icon=icon, query_params={"project": str(project_id)})


def local_today() -> dt.date:
    """Today where the browser is (its offset is UTC minus local time, in minutes)."""
    offset = st.context.timezone_offset
    if offset is None:
        return dt.date.today()
    return (utcnow() - dt.timedelta(minutes=offset)).date()


def local_midnight(day: dt.date) -> dt.datetime:
    """Midnight of `day` in the browser's time zone, as the store's naive UTC."""
    offset = st.context.timezone_offset
    midnight = dt.datetime.combine(day, dt.time())
    return midnight + dt.timedelta(minutes=offset) if offset is not None else midnight


def activities_due(actor: Actor) -> None:
    today = local_today()
    start, until = local_midnight(today), local_midnight(today + dt.timedelta(days=1))
    with ui.reading() as session:
        rows = cockpit.due_activities(session, actor, until)
        total = cockpit.count_due_activities(session, actor, until)
    section("home.activities", total)
    show_flash("home.done")
    if not rows:
        st.caption(t("home.no_activities"))
    for row in rows:
        overdue = row["planned_at"] < start
        when = ui.when(row["planned_at"])
        label = " · ".join(
            part
            for part in (
                f":red[{t('home.overdue')}] {when}" if overdue else when,
                ui.label("activity_type", row["activity_type"]),
                literal(row["subject"]),
                literal(row["project"] or row["customer"] or ""),
            )
            if part
        )
        left, right = st.columns([5, 2], vertical_alignment="center")
        with left:
            if row["project_id"] is not None:
                to_project(row["project_id"], label)
            else:
                st.page_link("views/activities.py", label=label)
        if right.button(
            t("home.done"),
            key=f"home.done.{row['id']}",
            icon=":material/check:",
            help=t("activity.complete"),
        ) and run_action(
            actor, "home.done", complete_activity, row["id"], success=t("activity.completed")
        ):
            st.rerun()
    see_all("views/activities.py", total, len(rows))


def flagged_deals(actor: Actor) -> None:
    try:
        deals = health_queries.deal_health(Filters(), actor, ui.lang(), 30, (), True, cockpit.ITEMS)
        total = health_queries.health_kpis(Filters(), actor, 30)["flagged_count"]
    except NoSnapshot:
        section("home.flagged")
        st.info(t("home.no_snapshot"))
        return
    section("home.flagged", total)
    if deals.empty:
        st.caption(t("home.no_flags"))
    for deal in deals.itertuples():
        reasons = ("、" if ui.lang() == "zh_CN" else ", ").join(
            t(f"dash.flag.{flag}") for flag in HEALTH_FLAGS if getattr(deal, flag)
        )
        to_project(
            int(deal.project_id),
            f"{literal(deal.project_name)} · {ui.money(deal.expected_amount)}",
            FLAG_ICON,
        )
        st.caption(f":orange[{reasons}]")  # why, under the deal: names are long
        if scored := score_line(deal, ui.lang()):
            st.caption(scored)
    st.page_link(
        links.dashboards_url("health", role=actor.role),
        label=t("home.open_dashboard", page=t("dash.page.health")),
        icon=":material/open_in_new:",
    )


def pipeline(actor: Actor, key: str) -> None:
    with ui.reading() as session:
        people = cockpit.people_of(session, actor)
        numbers = cockpit.pipeline_against_target(session, people, local_today())
    start, end = cockpit.quarter(local_today())
    section(key)
    coverage = common.ratio(numbers["pipeline"], numbers["target"])
    # one under another: amounts need the box's width
    ui.money_card(st, t("home.pipeline"), numbers["pipeline"], border=True)
    ui.money_card(st, t("home.target"), numbers["target"], border=True)
    st.metric(
        t("home.coverage"),
        "—" if coverage is None else charts.rate_text(coverage),
        border=True,
    )
    st.caption(t("home.quarter", start=start.isoformat(), end=end.isoformat()))
    st.page_link("views/projects.py", label=t("home.open_projects"), icon=":material/work:")


def leads_waiting(actor: Actor) -> None:
    with ui.reading() as session:
        waiting = leads.leads(
            session, actor, ui.lang(), ListRequest(status="new", mine=True, limit=cockpit.ITEMS)
        )
    linked_rows(
        "home.leads",
        "views/leads.py",
        waiting,
        lambda row: f"{literal(row['company_name'])} · {literal(row['contact_name'] or '')}",
        lambda row: {"lead": str(row["id"])},
    )


def leads_to_qualify(actor: Actor) -> None:
    with ui.reading() as session:
        queue = leads.lead_queue(session, actor, ui.lang(), ListRequest(limit=cockpit.ITEMS))
    linked_rows(
        "home.to_qualify",
        "views/qualify.py",
        queue,
        lambda row: f"{literal(row['company_name'])} · {literal(row['owner'])}",
        lambda row: {"lead": str(row["id"])},
    )


def reports_waiting(actor: Actor, key: str, status: str | None = None) -> None:
    with ui.reading() as session:
        queue = approvals.approval_queue(
            session, actor, ListRequest(status=status, limit=cockpit.ITEMS)
        )
    linked_rows(
        key,
        "views/approvals.py",
        queue,
        lambda row: " · ".join(
            (
                literal(row["report_no"]),
                literal(row["owner"]),
                literal(row["title"]),
                ui.money(row["total_amount"]),
            )
        ),
        lambda row: {"report": str(row["id"])},
    )


def headline_kpis(actor: Actor) -> None:
    section("home.kpis")
    try:
        fresh = common.freshness()
    except NoSnapshot:
        st.info(t("home.no_snapshot"))
        return
    as_of = fresh.as_of_date
    start, end = cockpit.quarter(as_of)
    year = Filters(start=as_of.replace(month=1, day=1), end=as_of)
    this_quarter = Filters(start=start, end=end)
    pipe = pipeline_queries.pipeline_kpis(Filters(), actor)
    won = win_loss.winloss_kpis(year, actor)
    forecast = forecast_queries.forecast_kpis(this_quarter, actor)
    health = health_queries.health_kpis(Filters(), actor)
    lang = ui.lang()
    kpis = [
        ("open_amount", pipe["open_amount"], "pipeline", Filters()),
        ("weighted_amount", pipe["weighted_amount"], "pipeline", Filters()),
        ("won_amount", won["won_amount"], "win_loss", year),
        ("win_rate_by_count", charts.rate_text(won["win_rate_by_count"]), "win_loss", year),
        ("attainment", charts.rate_text(forecast["attainment"]), "forecast", this_quarter),
        ("flagged_count", count(health["flagged_count"], lang), "health", Filters()),
    ]
    for first in range(0, len(kpis), 3):  # three a row
        row = kpis[first : first + 3]
        for column, (key, value, page, period) in zip(st.columns(3), row, strict=True):
            if isinstance(value, str):
                column.metric(t(f"dash.kpi.{key}"), value, border=True)
            else:  # an amount: compact, exact in its help
                ui.money_card(column, t(f"dash.kpi.{key}"), value, border=True)
            column.page_link(
                links.dashboards_url(page, role=actor.role, **period.as_params()),
                label=t(f"dash.page.{page}"),
                icon=":material/open_in_new:",
            )
    st.caption(t("home.kpi_periods", as_of=as_of.isoformat(), year=as_of.year))


def prospects(actor: Actor) -> None:
    with ui.reading() as session:
        waiting = customers.customers(
            session, actor, ui.lang(), ListRequest(status="prospect", limit=cockpit.ITEMS)
        )
    linked_rows(
        "home.prospects",
        "views/steward.py",
        waiting,
        lambda row: f"{literal(row['name'])} · {literal(row['owner'])}",
        lambda row: {"search": row["name"]},
    )


def last_imports() -> None:
    with ui.reading() as session:
        runs = cockpit.recent_imports(session)
    section("home.imports")
    if not runs:
        st.caption(t("home.none"))
    for run in runs:
        st.page_link(
            "views/import_data.py",
            label=" · ".join(
                (
                    ui.when(run["started_at"]),
                    literal(run["file_name"]),
                    t(f"home.import_status.{run['status']}"),
                    t("home.rows", count=f"{run['rows_committed']:,}"),
                )
            ),
        )


actor = ui.actor()
greet(actor)

if actor.role == "rep":
    grid(
        lambda: activities_due(actor),
        lambda: pipeline(actor, "home.my_pipeline"),
        lambda: flagged_deals(actor),
        lambda: leads_waiting(actor),
    )
elif actor.role == "manager":
    grid(
        lambda: leads_to_qualify(actor),
        lambda: reports_waiting(actor, "home.to_approve"),
        lambda: pipeline(actor, "home.team_pipeline"),
        lambda: flagged_deals(actor),
        lambda: activities_due(actor),
    )
elif actor.role == "finance":
    grid(
        lambda: reports_waiting(actor, "home.to_approve", "manager_approved"),
        lambda: reports_waiting(actor, "home.to_pay", "approved"),
    )
elif actor.role in ("executive", "department_head"):
    with st.container(border=True):
        headline_kpis(actor)
    grid(lambda: reports_waiting(actor, "home.to_approve"))
else:  # data steward, admin
    grid(lambda: prospects(actor), last_imports)
