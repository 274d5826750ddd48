"""The small company most tests work in: two teams in the Industrial IT department, plus
the other roles, all with one password."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from ingest.commands.users import UserInput, add_user

PASSWORD = "secret-pass-1"


@dataclass
class Org:
    """A small company: two teams in the Industrial IT department, plus the other roles."""

    admin: int
    executive: int
    head: int
    manager: int
    rep: int
    rep2: int
    manager_b: int
    rep_b: int
    finance: int
    steward: int


def make_org(engine: Engine) -> Org:
    def user(name: str, role: str, department: str, manager: int | None = None, **kw) -> int:
        return add_user(
            engine,
            None,
            UserInput(
                username=name,
                display_name=name,
                role=role,
                password=PASSWORD,
                department=department,
                manager_id=manager,
                must_change_password=False,  # the people of the test company chose theirs
                **kw,
            ),
        )

    admin = user("admin", "admin", "industrial_it")
    executive = user("ceo", "executive", "industrial_it")
    head = user("head", "department_head", "industrial_it", executive)
    manager = user("mgr", "manager", "north", head, region="north_china")
    rep = user("rep", "rep", "north", manager, region="north_china", industries=["power"])
    rep2 = user("rep2", "rep", "north", manager, region="north_china", industries=["water"])
    manager_b = user("mgr_b", "manager", "south", head, region="south_china")
    rep_b = user("rep_b", "rep", "south", manager_b, region="south_china")
    finance = user("fin", "finance", "contracts_orders", executive)
    steward = user("steward", "data_steward", "marketing", executive)
    return Org(admin, executive, head, manager, rep, rep2, manager_b, rep_b, finance, steward)
