"""The role × page × record matrix of the dashboards: every role opens every dashboard (a)
through the menu, (b) by a direct address naming another department's rep (?rep=), and
(c) through the link an executive copies after filtering on a rep and a department; and (d)
the entry app's home page, whose cockpit reads the same snapshot (KPI cards, flagged deals).
Every text drawn — KPIs, tables, chart data, the CSV and Excel exports — holds no marker of
a record the role may not see, and the records it may see are there.

The world is tests/support/marked_world.py, refreshed once into a snapshot for the module: R1..R8
in teams T1..T4 (T1 = north, T2 = south in industrial_it; T3, T4 in systems); the
signed-in rep is R1, the manager M1, the department head H1.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from ingest.commands.base import ROLES
from ingest.store.db import read_session
from ingest.store.models import Project
from orchestration.refresh import run_refresh
from tests.support.marked_world import (
    TEAM_DEPARTMENT,
    World,
    app_session,
    covered_reps,
    world_store,
)
from tests.support.rendered import run
from warehouse import reader
from warehouse.scope import PAGES, pages_for
from web.dashboard_strings import TEXTS
from web.i18n import CATALOG

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")
ENTRY_APP = str(Path(__file__).resolve().parents[2] / "entry_app" / "app.py")

# --- who may see what (README "The dashboards"; warehouse/scope.py) -------------------------
#
# own: what the user owns · team: the user and everyone reporting to them · all / none.
# A rep who is only a member of a project does not see it here (R1 on R8's project).
#
#  role               projects¹  leads   people²  pages
VISIBILITY = {
    "rep": ("own", "own", "own", "all"),
    "manager": ("team", "team", "team", "all"),
    "department_head": ("all", "all", "all", "all"),
    "executive": ("all", "all", "all", "all"),
    "finance": ("all", "none", "all", "costs"),
    "data_steward": ("own", "own", "none", "all"),  # owns nothing: empty pages
    "admin": ("all", "all", "all", "all"),
}
# ¹ with their customers, expenses and contracts (every figure built from them)
# ² reps and managers by name: scorecard rows, the rep filter, owner columns

# which of a rep's records each dashboard lists (its records tables and charts)
SHOWS = {
    "pipeline": ("open", "cust", "person"),
    "velocity": ("open", "won", "person"),
    "win_loss": ("won", "cust", "person"),
    "forecast": ("open", "person"),
    "costs": ("open", "cust", "exp", "person"),
    "leads": ("lead", "person"),
    "scorecard": ("person",),
    "health": ("open", "person"),
}
EXPORTS = ("expenses.csv", "expenses.xlsx", "customer_costs.csv", "project_costs.xlsx")
FAMILY = {"open": 0, "won": 0, "cust": 0, "exp": 0, "lead": 1, "person": 2}
Record = tuple[int, str]  # (rep number, kind); kind "person" is the rep themselves


def visible(world: World, role: str) -> set[Record]:
    rules = VISIBILITY[role]
    return {
        (n, kind)
        for kind, family in FAMILY.items()
        for n in covered_reps(world, role, rules[family])
    }


def text_of(world: World, record: Record) -> str:
    n, kind = record
    if kind == "person":
        return world_names(world)[n]
    if kind == "lead":
        return f"lead_id={world.ids[(n, 'lead')]}"
    if kind == "exp":
        return f"expense_id={world.ids[(n, 'exp')]}"
    return world.markers[record]


def world_names(world: World) -> dict[int, str]:
    return {n: rep.name for n, rep in world.reps.items()}


def managers_seen(world: World, role: str) -> set[str]:
    """Managers appear by name (scorecard, rep filter) to whoever sees their team."""
    shown = covered_reps(world, role, VISIBILITY[role][2])
    return {
        f"N-D{(team + 1) // 2}-T{team}-MGR"
        for team in range(1, 5)
        if world.team_of(f"M{team}") <= shown
    }


def leaks(world: World, role: str, text: str, seen: set[Record] | None = None) -> set[str]:
    """Hidden records (and managers) named in `text`; `seen`: what the role may see, when
    not `visible`."""
    hidden = {(n, kind) for n in world.reps for kind in FAMILY} - (
        visible(world, role) if seen is None else seen
    )
    found = {text_of(world, r) for r in hidden if text_of(world, r) in text}
    all_managers = {f"N-D{(t + 1) // 2}-T{t}-MGR" for t in range(1, 5)}
    return found | {m for m in all_managers - managers_seen(world, role) if m in text}


def expected(world: World, role: str, page: str, reps: set[int] | None = None) -> set[Record]:
    """What `page` lists for the role, narrowed to `reps` when a filter applies."""
    records = {r for r in visible(world, role) if r[1] in SHOWS[page]}
    return {r for r in records if reps is None or r[0] in reps}


def missing(world: World, records: set[Record], text: str) -> set[str]:
    return {text_of(world, r) for r in records if text_of(world, r) not in text}


# --- the world and its snapshot, built once for the module ----------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("dash_matrix")
    (folder / "warehouse").mkdir()
    with world_store(folder, sqlite_template) as (built, patch):
        patch.setenv("DAGSTER_HOME", str(folder / "dagster"))
        run_refresh(
            full=True,
            as_of=str(dt.date.today()),
            engine=built.engine,
            warehouse=folder / "warehouse" / "build.duckdb",
        )
        reader.clear()
        yield built
        reader.clear()


def session(world: World, role: str) -> AppTest:
    return app_session(world, role, APP, timeout=120)


def at_address(at: AppTest, page: str, params: dict[str, str]) -> AppTest:
    """The dashboard at its own address /<page>?<params>, as a browser asks for it."""
    at.query_params.clear()
    at.query_params.update(params)
    at._page_hash = calc_hash(page)  # the url_path of the page (dashboards/app.py)
    return at


def shown(at: AppTest, page: str) -> str:
    """Run the page; deal health lists only flagged projects at first, so it is widened to
    every open one (the world's projects are healthy)."""
    text = run(at)
    if page == "health" and at.toggle(key="health.only_flagged").value:
        at.toggle(key="health.only_flagged").set_value(False)
        text += run(at)
    return text


def check(world: World, role: str, page: str, text: str, reps: set[int] | None = None) -> list[str]:
    problems = []
    if leaked := leaks(world, role, text):
        problems.append(f"{page}: leaks {sorted(leaked)}")
    if lost := missing(world, expected(world, role, page, reps), text):
        problems.append(f"{page}: misses {sorted(lost)}")
    return problems


# --- (a) through the menu -------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_through_the_menu(world: World, role: str) -> None:
    at = session(world, role)
    run(at)
    problems = []
    for page in pages_for(role):
        at.switch_page(f"views/{page}.py")
        text = shown(at, page)
        problems += check(world, role, page, text)
        if page == "costs" and role != "data_steward":  # the exports were read too
            problems += [f"costs: no {name}" for name in EXPORTS if name not in text]
    assert not problems, problems


# --- (b) a direct address naming another department's rep ----------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_a_direct_address_naming_another_departments_rep(world: World, role: str) -> None:
    """?rep=R5: who may see R5 gets R5's records; for the others the filter is dropped (R5
    is not among their choices) and they get their own view, never R5's."""
    at = session(world, role)
    r5_visible = 5 in covered_reps(world, role, VISIBILITY[role][0])
    problems = []
    for page in PAGES:
        at_address(at, page, {"rep": str(world.users["R5"])})
        if page not in pages_for(role):
            text = run(at)
            if TEXTS[f"dash.page.{page}"]["en"] in [t.value for t in at.title]:
                problems.append(f"{page}: opened for a role without it")
            problems += [p for p in check(world, role, page, text) if "leaks" in p]
            continue
        problems += check(world, role, page, shown(at, page), {5} if r5_visible else None)
    assert not problems, problems


# --- (c) a colleague's link -----------------------------------------------------------------


@pytest.fixture(scope="module")
def executives_link(world: World) -> dict[str, dict[str, str]]:
    """Per page, the address the executive copies after choosing rep R2 and department
    north in the filters: the page and its query string, nothing else."""
    at = session(world, "executive")
    run(at)
    links = {}
    for page in PAGES:
        at.switch_page(f"views/{page}.py")
        run(at)
        at.selectbox(key="dash.filter.rep").set_value(str(world.users["R2"]))
        run(at)
        at.selectbox(key="dash.filter.department").set_value("north")
        text = run(at)
        assert world_names(world)[2] in text
        links[page] = dict(at.query_params)
    assert links["pipeline"]["rep"] == str(world.users["R2"])
    return links


@pytest.mark.parametrize("role", ROLES)
def test_a_colleagues_link(world: World, executives_link, role: str) -> None:
    """The receiver sees the linked view through their own rights: R2's records in north
    when they may choose R2, else their own records in north."""
    at = session(world, role)
    choosable = covered_reps(world, role, VISIBILITY[role][2])
    north = {n for n, rep in world.reps.items() if TEAM_DEPARTMENT[rep.team] == "north"}
    reps = {2} if 2 in choosable else north
    problems = []
    for page in pages_for(role):
        at_address(at, page, executives_link[page])
        problems += check(world, role, page, shown(at, page), reps)
    assert not problems, problems


# --- (d) the entry app's home page, over the same snapshot ----------------------------------
#
# The cockpit's flagged deals and KPI cards come from the snapshot (the dashboards' rules);
# its lists from the store, by the entry app's rules, which differ for one role here: the
# data steward promotes every prospect, so sees each customer and its owner's name.
HOME_ALSO = {"data_steward": ("cust", "person")}
# which cockpit reads the snapshot, and how (entry_app/views/home.py)
HOME_SNAPSHOT = {
    "rep": "flagged",
    "manager": "flagged",
    "department_head": "kpis",
    "executive": "kpis",
}
LINK = re.compile(r"\b(project|lead)=(\d+)\b")


def home_seen(world: World, role: str) -> set[Record]:
    extra = HOME_ALSO.get(role, ())
    return visible(world, role) | {(n, kind) for n in world.reps for kind in extra}


def home_leaks(world: World, role: str, text: str) -> set[str]:
    """leaks(), and the markers and ids of hidden projects and leads: the home page names
    them in its links' labels and addresses (?project=, ?lead=)."""
    seen = home_seen(world, role)
    hidden = {(n, kind) for n in world.reps for kind in ("open", "won", "lead")} - seen
    markers = {world.markers[r] for r in hidden if world.markers[r] in text}
    params = {"open": "project", "won": "project", "lead": "lead"}
    hidden_links = {(params[kind], str(world.ids[(n, kind)])) for n, kind in hidden}
    linked = {f"{p}={i}" for p, i in set(LINK.findall(text)) & hidden_links}
    return leaks(world, role, text, seen) | markers | linked


def open_ids(world: World, role: str) -> set[int]:
    return {world.ids[r] for r in visible(world, role) if r[1] == "open"}


def linked_projects(at: AppTest) -> set[int]:
    return {
        int(LINK.search(link.proto.query_string)[2])
        for link in at.get("page_link")
        if link.proto.page == "project"
    }


def exact_amount(world: World, project_ids: set[int]) -> str:
    with read_session(world.engine) as session:
        total = session.scalar(
            select(func.sum(Project.expected_amount)).where(Project.id.in_(project_ids))
        )
    return f"{total:,.2f}"


@pytest.mark.parametrize("role", ROLES)
def test_the_entry_apps_home_page(world: World, role: str) -> None:
    """The cockpit over the published snapshot: no record the role may not see, and what
    the snapshot feeds it is there (every open deal of this world is flagged: none has a
    decision maker)."""
    at = app_session(world, role, ENTRY_APP, timeout=120)
    text = run(at)
    assert at.title[0].value == CATALOG["page.home"]["en"]
    assert not (leaked := home_leaks(world, role, text)), sorted(leaked)
    assert CATALOG["home.no_snapshot"]["en"] not in text
    deals = open_ids(world, role)
    if HOME_SNAPSHOT.get(role) == "flagged":  # the role's own deals, each a link to it
        assert deals and linked_projects(at) == deals
        heading = f"{CATALOG['home.flagged']['en']} ({len(deals)})"
        assert heading in [h.value for h in at.subheader]
    if HOME_SNAPSHOT.get(role) == "kpis":  # cards with the world's figures
        cards = {m.label: m for m in at.metric}
        pipeline = cards[TEXTS["dash.kpi.open_amount"]["en"]]
        assert exact_amount(world, deals) in pipeline.help
        assert cards[TEXTS["dash.kpi.flagged_count"]["en"]].value == str(len(deals))
