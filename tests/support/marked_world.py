"""A small company whose every record carries a unique marker, for the visibility matrices
(tests/entry_app/test_visibility_matrix.py, tests/dashboards/test_visibility_matrix.py).

Two departments, two teams each, two reps per team (R1..R8):

    industrial_it  (head H1)  team T1 = north (M1: R1, R2)   team T2 = south (M2: R3, R4)
    systems        (head H2)  team T3         (M3: R5, R6)   team T4         (M4: R7, R8)

plus an executive above the heads, finance, a data steward and an admin. Every rep owns a
customer with a contact, an open project (with a quote, an activity, an expense on a
reimbursement form and a problem) and a won project (with its contract), a new lead and a
monthly target. Odd reps' forms are approved by their manager (R1's by finance too, so
its voucher PDF is offered); even reps' wait for theirs. R1 is also a member of R8's open
project (another department's): the entry app shows members what they work on, the
dashboards count only what one owns.

A record's marker is `M-D<d>-T<t>-R<n>-<kind>` (a person's name `N-...`), short enough to
survive the dashboards' 18-character chart labels; quotes carry the number the store gave
them, so their marker is that number. Made through the domain commands, as the apps would.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from ingest.commands.activities import ActivityInput, create_activity, create_issue
from ingest.commands.catalog import ProductInput, create_product
from ingest.commands.customers import ContactInput, CustomerInput, create_contact, create_customer
from ingest.commands.expenses import (
    ExpenseInput,
    approve_report,
    create_expense,
    create_report,
    submit_report,
)
from ingest.commands.leads import LeadInput, create_lead
from ingest.commands.project_links import QuoteInput, QuoteLineInput, create_quote
from ingest.commands.projects import (
    CloseWonInput,
    ProjectInput,
    add_member,
    close_won,
    create_project,
)
from ingest.commands.targets import set_target
from ingest.commands.users import UserInput, add_user
from ingest.store.db import get_engine, read_session
from ingest.store.models import Quote
from tests.support.signin import signed_in

PASSWORD = "secret-pass-1"
# kinds of record a rep owns; each one's marker is M-D?-T?-R?-<kind>
KINDS = ("cust", "cont", "open", "won", "quote", "sign", "act", "exp", "iss", "rpt", "lead")
# what hangs on the open project (seen wherever the project is), and on the won one
ON_OPEN = ("open", "quote", "act", "exp", "iss")
ON_WON = ("won", "sign")
DEPARTMENTS = {1: "industrial_it", 2: "systems"}
TEAM_DEPARTMENT = {1: "north", 2: "south", 3: "systems", 4: "systems"}


@dataclass(frozen=True)
class Rep:
    number: int  # 1..8
    team: int  # 1..4
    department: int  # 1..2
    user_id: int
    manager_id: int

    @property
    def tag(self) -> str:
        return f"D{self.department}-T{self.team}-R{self.number}"

    @property
    def name(self) -> str:
        return f"N-{self.tag}"

    def marker(self, kind: str) -> str:
        return f"M-{self.tag}-{kind}"


@dataclass
class World:
    engine: Engine
    users: dict[str, int]  # R1..R8, M1..M4, H1, H2, E, F, S, A
    reps: dict[int, Rep]
    markers: dict[tuple[int, str], str] = field(default_factory=dict)  # (rep, kind) → text
    ids: dict[tuple[int, str], int] = field(default_factory=dict)  # (rep, kind) → row id
    target_month: dt.date = dt.date(2026, 1, 1)

    def team_of(self, manager: str) -> set[int]:
        """The rep numbers of a manager's team."""
        team = int(manager[1:])
        return {n for n, rep in self.reps.items() if rep.team == team}

    def target_text(self, rep: int) -> str:
        """A rep's monthly target as the entry app shows it (unique per rep)."""
        return f"{target_amount(rep):,}.00"


def target_amount(rep: int) -> int:
    return 7_000_000 + rep * 1_111


def build_world(engine: Engine) -> World:
    def user(name: str, role: str, department: str, manager: int | None, display: str) -> int:
        return add_user(
            engine,
            None,
            UserInput(
                username=name,
                display_name=display,
                role=role,
                password=PASSWORD,
                department=department,
                manager_id=manager,
                must_change_password=False,
                industries=["power"] if role == "rep" else [],
            ),
        )

    users: dict[str, int] = {}
    users["A"] = user("admin", "admin", "industrial_it", None, "N-admin")
    users["E"] = user("exec", "executive", "industrial_it", None, "N-exec")
    users["F"] = user("finance", "finance", "contracts_orders", users["E"], "N-finance")
    users["S"] = user("steward", "data_steward", "marketing", users["E"], "N-steward")
    reps: dict[int, Rep] = {}
    for department, code in DEPARTMENTS.items():
        head = users[f"H{department}"] = user(
            f"head{department}", "department_head", code, users["E"], f"N-D{department}-HEAD"
        )
        for team in (2 * department - 1, 2 * department):
            tag = f"D{department}-T{team}"
            manager = users[f"M{team}"] = user(
                f"mgr{team}", "manager", TEAM_DEPARTMENT[team], head, f"N-{tag}-MGR"
            )
            for number in (2 * team - 1, 2 * team):
                rep_id = users[f"R{number}"] = user(
                    f"rep{number}", "rep", TEAM_DEPARTMENT[team], manager, f"N-{tag}-R{number}"
                )
                reps[number] = Rep(number, team, department, rep_id, manager)
    world = World(engine, users, reps)
    create_product(
        engine, users["S"], ProductInput("FT-3000", "容错服务器", "FT server", "server", "250000")
    )
    for rep in reps.values():
        _rep_records(world, rep)
    # R1 works on R8's open project (added by R8's manager): another department's project
    add_member(engine, users["M4"], world.ids[(8, "open")], users["R1"], "presales_engineer")
    return world


def _rep_records(world: World, rep: Rep) -> None:
    engine, me = world.engine, rep.user_id
    today = dt.date.today()

    def keep(kind: str, row_id: int, text: str | None = None) -> None:
        world.ids[(rep.number, kind)] = row_id
        world.markers[(rep.number, kind)] = text or rep.marker(kind)

    region = "north_china" if rep.department == 1 else "east_china"
    customer = create_customer(
        engine,
        me,
        CustomerInput(rep.marker("cust"), "end_user", "power", region),
    )
    keep("cust", customer)
    keep("cont", create_contact(engine, me, ContactInput(customer, rep.marker("cont"))))

    def project(kind: str, amount: int) -> int:
        project_id = create_project(
            engine,
            me,
            ProjectInput(
                rep.marker(kind),
                customer,
                "si_supply",
                amount,
                today + dt.timedelta(days=60),
                budget_amount=1000,
            ),
        )
        keep(kind, project_id)
        return project_id

    open_id = project("open", 100_000 * rep.number)
    quote_id = create_quote(engine, me, QuoteInput(open_id, lines=[QuoteLineInput("FT-3000", 1)]))
    with read_session(engine) as session:
        quote_no = session.scalar(select(Quote.quote_no).where(Quote.id == quote_id))
    keep("quote", quote_id, quote_no)
    keep(
        "act",
        create_activity(
            engine,
            me,
            ActivityInput("visit", rep.marker("act"), project_id=open_id, status="done"),
        ),
    )
    keep("iss", create_issue(engine, me, open_id, rep.marker("iss")))
    expense = create_expense(
        engine,
        me,
        ExpenseInput(
            "travel",
            f"{rep.number}00.00",
            today,
            project_id=open_id,
            description=rep.marker("exp"),
        ),
    )
    keep("exp", expense)
    report = create_report(engine, me, rep.marker("rpt"), [expense])
    submit_report(engine, me, report)
    if rep.number % 2:  # odd reps' forms are past their manager: in finance's queue
        approve_report(engine, rep.manager_id, report)
    if rep.number == 1:  # and R1's past finance too: its voucher PDF can be downloaded
        approve_report(engine, world.users["F"], report)
    keep("rpt", report)

    won_id = project("won", 50_000 * rep.number)
    close_won(
        engine,
        me,
        won_id,
        CloseWonInput(
            amount=50_000 * rep.number, signed_date=today, contract_no=rep.marker("sign")
        ),
    )
    keep("sign", won_id)
    keep(
        "lead",
        create_lead(
            engine, me, LeadInput(rep.marker("lead"), "phone_inquiry", phone="010-1234567")
        ),
    )
    set_target(engine, rep.manager_id, world.target_month, target_amount(rep.number), user_id=me)


# --- what both matrices share: the store, who is signed in, whose records a rule covers ----

# the signed-in user of each role (World.users), in D1/T1 where the role has a team
SIGNED_IN = {
    "rep": "R1",
    "manager": "M1",
    "department_head": "H1",
    "executive": "E",
    "finance": "F",
    "data_steward": "S",
    "admin": "A",
}


@contextmanager
def world_store(folder: Path, sqlite_template: Path) -> Iterator[tuple[World, pytest.MonkeyPatch]]:
    """The world built in a copy of the empty store in `folder`, which CRM_STORE_URL and
    CRM_DATA_DIR name while the block runs (the patch can name more)."""
    shutil.copy(sqlite_template, folder / "crm.db")
    url = f"sqlite:///{folder / 'crm.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CRM_STORE_URL", url)
        patch.setenv("CRM_DATA_DIR", str(folder))
        engine = get_engine(url)
        try:
            yield build_world(engine), patch
        finally:
            engine.dispose()


def covered_reps(world: World, role: str, words: str) -> set[int]:
    """The reps whose records a visibility rule's words cover ("all", "team", "own", ...)
    for the role's signed-in user."""
    if "all" in words:
        return set(world.reps)
    if "team" in words and role == "manager":
        return world.team_of(SIGNED_IN[role])
    if "own" in words and role == "rep":
        return {int(SIGNED_IN[role][1:])}
    return set()


def app_session(world: World, role: str, app: str, timeout: int) -> AppTest:
    """An AppTest of `app` in English, signed in as the role's user (not yet run)."""
    at = AppTest.from_file(app, default_timeout=timeout)
    at.session_state["i18n.language"] = "en"
    return signed_in(at, world.users[SIGNED_IN[role]], world.engine)
