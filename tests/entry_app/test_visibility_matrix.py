"""The role × page × record matrix of the entry app: every role opens every page (a) through
the menu, (b) by a direct address carrying crafted filters (another rep's project, customer,
lead and form, another department), and (c) through the workspace links a colleague who sees
everything would copy. Whatever the page draws (tables, options, metrics, downloads) holds
no marker of a record the role may not see, and the records it may see are there.

The world is tests/support/marked_world.py: R1..R8 in teams T1..T4 of departments D1, D2; the
signed-in user of each role is in D1/T1 (rep R1, manager M1, head H1). R1 is a member of R8's
open project.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from entry_app.navigation import PAGES, pages_for
from ingest.commands.base import ROLES
from tests.support.marked_world import (
    KINDS,
    ON_OPEN,
    ON_WON,
    SIGNED_IN,
    World,
    app_session,
    covered_reps,
    world_store,
)
from tests.support.rendered import run
from web.i18n import CATALOG

APP = str(Path(__file__).resolve().parents[2] / "entry_app" / "app.py")

# --- who may see what (README "The operational store"; ingest/commands/access.py) -----------
#
# own: what the user owns · member: projects the user (or, for a manager, anyone in their
# team) is a member of · team: the user and everyone reporting to them · of-projects: the
# customers of the projects the user sees · all / none.
#
#  role               projects¹            customers²            leads   forms³  targets
VISIBILITY = {
    "rep": ("own member", "own of-projects", "own", "own", "none"),
    "manager": ("team member", "team of-projects", "team", "team", "team"),
    "department_head": ("all", "all", "all", "all", "all"),
    "executive": ("all", "all", "all", "all", "all"),
    "finance": ("all", "all", "none", "all", "none"),
    "data_steward": ("none", "all", "none", "none", "none"),
    "admin": ("all", "all", "all", "all", "all"),
}
# ¹ with their quotes, contracts, activities, expenses and problems  ² with their contacts
# ³ reimbursement forms (费用报销单)

Record = tuple[int, str]  # (rep number, kind) — see tests/support/marked_world.py


def visible(world: World, role: str) -> set[Record]:
    """Every marked record the role's user may see, by the VISIBILITY table."""
    projects, customers, leads, forms, targets = VISIBILITY[role]
    owners = covered_reps(world, role, projects)
    seen_projects = {(n, "open") for n in owners} | {(n, "won") for n in owners}
    if "member" in projects and 1 in covered_reps(world, role, projects.replace("member", "")):
        seen_projects.add((8, "open"))  # R1 works on R8's open project
    records = set(seen_projects)
    for n, kind in seen_projects:
        records |= {(n, k) for k in (ON_OPEN if kind == "open" else ON_WON)}
    customer_owners = covered_reps(world, role, customers)
    if "of-projects" in customers:
        customer_owners |= {n for n, _ in seen_projects}
    records |= {(n, k) for n in customer_owners for k in ("cust", "cont")}
    records |= {(n, "lead") for n in covered_reps(world, role, leads)}
    records |= {(n, "rpt") for n in covered_reps(world, role, forms)}
    records |= {(n, "target") for n in covered_reps(world, role, targets)}
    return records


def everything(world: World) -> set[Record]:
    return {(n, kind) for n in world.reps for kind in KINDS_SHOWN}


KINDS_SHOWN = (*KINDS, "target")  # a rep's target shows as its amount


def text_of(world: World, record: Record) -> str:
    n, kind = record
    return world.target_text(n) if kind == "target" else world.markers[record]


def leaks(world: World, role: str, text: str) -> set[str]:
    return {
        text_of(world, r)
        for r in everything(world) - visible(world, role)
        if text_of(world, r) in text
    }


def missing(world: World, expected: set[Record], text: str) -> set[str]:
    return {text_of(world, r) for r in expected if text_of(world, r) not in text}


# --- the world, built once for the module ---------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[World]:
    with world_store(tmp_path_factory.mktemp("entry_matrix"), sqlite_template) as (built, _):
        yield built


def session(world: World, role: str) -> AppTest:
    return app_session(world, role, APP, timeout=30)


def title_of(path: str) -> str:
    return next(CATALOG[spec.title]["en"] for spec in PAGES if spec.path == path)


# --- (a) through the menu -------------------------------------------------------------------


def _shown_by_menu(world: World, role: str, path: str, seen: set[Record]) -> set[Record]:
    """What the page shows once its lists are widened to all the role may see."""
    me = SIGNED_IN[role]
    mine = {int(me[1:])} if me.startswith("R") else set()
    deciding = role in ("manager", "department_head", "executive", "admin")
    if path == "views/leads.py" or (path == "views/qualify.py" and deciding):
        return {r for r in seen if r[1] == "lead"}
    if path in ("views/customers.py", "views/steward.py"):
        return {r for r in seen if r[1] == "cust"}
    if path == "views/projects.py":
        return {r for r in seen if r[1] in ("open", "won")}
    if path in ("views/activities.py", "views/expenses.py"):
        own = "act" if path == "views/activities.py" else "exp"
        pickers = {r for r in seen if r[1] in ("open", "cust")}
        return pickers | {(n, own) for n in mine}
    if path == "views/reports.py":
        return {(n, k) for n in mine for k in ("rpt", "exp")}
    if path == "views/approvals.py":
        return {(n, "rpt") for n in _queue(world, role)}
    if path == "views/targets.py":
        return {r for r in seen if r[1] == "target"}
    return set()


def _queue(world: World, role: str) -> set[int]:
    """Whose forms wait for the role: odd reps' are past their manager (marked_world)."""
    if role == "finance":
        return {n for n in world.reps if n % 2}
    if role == "manager":
        return {n for n in world.team_of(SIGNED_IN[role]) if not n % 2}
    return set()


def _widen(at: AppTest, path: str) -> list[str]:
    """Show every visible row: lists default to 'mine'; the approval queue and the customers'
    contacts show one record at a time, so each is picked in turn."""
    texts = []
    if path == "views/leads.py":
        at.toggle(key="leads.mine").set_value(False)
        texts.append(run(at))
    elif path == "views/customers.py":
        at.toggle(key="customers.mine").set_value(False)
        texts.append(run(at))
        for index in range(len(at.selectbox(key="customers.pick").options)):
            at.selectbox(key="customers.pick").select_index(index)
            texts.append(run(at))
    elif path == "views/projects.py":
        at.radio(key="projects.scope").set_value("visible")
        texts.append(run(at))
    elif path == "views/approvals.py":
        for index in range(len(at.selectbox(key="approvals.pick").options)):
            at.selectbox(key="approvals.pick").select_index(index)
            texts.append(run(at))
    return texts


@pytest.mark.parametrize("role", ROLES)
def test_through_the_menu(world: World, role: str) -> None:
    at = session(world, role)
    home = run(at)
    seen = visible(world, role)
    problems = [f"home: leaks {leaks(world, role, home)}"] if leaks(world, role, home) else []
    registered = set()
    shown_anywhere = ""
    for spec in pages_for(role):
        at.switch_page(spec.path)
        texts = [run(at), *_widen(at, spec.path)]
        registered.add(spec.path)
        text = "\n".join(texts)
        shown_anywhere += text
        if leaked := leaks(world, role, text):
            problems.append(f"{spec.path}: leaks {sorted(leaked)}")
        if lost := missing(world, _shown_by_menu(world, role, spec.path, seen), text):
            problems.append(f"{spec.path}: misses {sorted(lost)}")
        if spec.path == "views/approvals.py" and role == "finance" and ".pdf" not in text:
            problems.append("views/approvals.py: R1's voucher PDF was not offered")
    # contacts: each visible customer's, picked in turn on the customers page
    if "views/customers.py" in registered:
        contacts = {r for r in seen if r[1] == "cont"}
        if lost := missing(world, contacts, shown_anywhere):
            problems.append(f"views/customers.py: misses contacts {sorted(lost)}")
    assert not problems, problems


# --- (b) a direct address with crafted filters ----------------------------------------------


# Everything of R5 (department D2) a user might type into an address, under every name a
# page could read: only the workspace reads one (?project=), the others must ignore them.
def crafted(world: World) -> dict[str, str]:
    return {
        "project": str(world.ids[(5, "open")]),
        "customer": str(world.ids[(5, "cust")]),
        "lead": str(world.ids[(5, "lead")]),
        "report": str(world.ids[(5, "rpt")]),
        "rep": str(world.users["R5"]),
        "owner": str(world.users["R5"]),
        "department": "systems",
        "mine": "false",
    }


def opened_directly(at: AppTest, path: str, params: dict[str, str]) -> AppTest:
    """The page at its own address with `params`, as a browser asks for it: by the page's
    name in the address (so a page missing from the role's menu is asked for too), with
    nothing chosen on the page before (the workspace prefers a project chosen earlier)."""
    for key in [k for k in ("workspace.project_id", "workspace.tab") if k in at.session_state]:
        del at.session_state[key]
    at.query_params.clear()
    at.query_params.update(params)
    at._page_hash = calc_hash(Path(path).stem)  # what the address /<page> names
    return at


@pytest.mark.parametrize("role", ROLES)
def test_a_direct_address_with_crafted_filters(world: World, role: str) -> None:
    allowed = {spec.path for spec in pages_for(role)}
    problems = []
    at = session(world, role)
    for spec in PAGES:
        text = run(opened_directly(at, spec.path, crafted(world)))
        titles = [title.value for title in at.title]
        if spec.path not in allowed and title_of(spec.path) in titles:
            problems.append(f"{spec.path}: opened for a role without it")
        if leaked := leaks(world, role, text):
            problems.append(f"{spec.path}: leaks {sorted(leaked)}")
        if spec.path == "views/project.py" and spec.path in allowed:
            # the one page that reads the address: R5's project, when the role may see it
            if (5, "open") in visible(world, role):
                if world.markers[(5, "open")] not in text:
                    problems.append(f"{spec.path}: misses R5's project")
            elif CATALOG["ws.not_found"]["en"] not in text:
                problems.append(f"{spec.path}: no refusal for R5's project")
    assert not problems, problems


# --- (c) a colleague's link to a project ----------------------------------------------------

WORKSPACE_TABS = (
    "ws.tab.contacts",
    "ws.tab.quotes",
    "ws.tab.activities",
    "ws.tab.expenses",
    "ws.tab.issues",
)
# the project whose tabs each role opens in turn: one of someone else's that it may see
TABS_OF = {"rep": 8, "manager": 2, "department_head": 5, "executive": 5, "finance": 5, "admin": 5}


# own, teammate's, other team's, other department's, and the one R1 is a member of
LINKED = [(1, "open"), (1, "won"), (2, "open"), (3, "open"), (5, "open"), (8, "open"), (8, "won")]


@pytest.fixture(scope="module")
def links(world: World) -> dict[Record, dict[str, str]]:
    """The address of every project's workspace, as the executive (who sees them all) has it
    in the browser after typing the project's number: page and query string only."""
    at = session(world, "executive")
    run(at)
    at.switch_page("views/project.py")
    run(at)
    found = {}
    for n, kind in LINKED:
        at.text_input(key="workspace.search").set_value(str(world.ids[(n, kind)]))
        text = run(at)
        assert world.markers[(n, kind)] in text
        found[(n, kind)] = dict(at.query_params)
    return found


@pytest.mark.parametrize(
    "role", [r for r in ROLES if "views/project.py" in {s.path for s in pages_for(r)}]
)
def test_a_colleagues_link_to_each_project(world: World, links, role: str) -> None:
    seen = visible(world, role)
    problems = []
    for record, params in links.items():
        at = session(world, role)  # whoever opens a link starts from its address
        text = run(opened_directly(at, "views/project.py", params))
        if leaked := leaks(world, role, text):
            problems.append(f"{record}: leaks {sorted(leaked)}")
        attached = ON_OPEN[:1] if record[1] == "open" else ON_WON
        if record in seen:
            if lost := missing(world, {(record[0], k) for k in attached}, text):
                problems.append(f"{record}: misses {sorted(lost)}")
        elif CATALOG["ws.not_found"]["en"] not in text:
            problems.append(f"{record}: not refused")
        if record == (TABS_OF[role], "open"):
            for tab in WORKSPACE_TABS:
                at.session_state["workspace.tab"] = CATALOG[tab]["en"]
                text += run(at)
            if leaked := leaks(world, role, text):
                problems.append(f"{record} tabs: leaks {sorted(leaked)}")
            expected = {(record[0], k) for k in ON_OPEN}
            if lost := missing(world, expected, text):
                problems.append(f"{record} tabs: misses {sorted(lost)}")
    assert not problems, problems
