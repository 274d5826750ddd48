"""The project workspace opens from a link (?project=N) — refused for a project the user
may not see —, by searching a project's name or its customer's, or by its number, and
lists the user's recent projects: opened in this session, then last changed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine, text

from ingest.commands.projects import change_forecast
from tests.support.app_widgets import shown
from tests.support.factories import make_customer, make_project
from tests.support.org import Org


@pytest.fixture
def projects(store: Engine, company: Org) -> dict[str, int]:
    power = make_customer(store, company.rep, "华北电力设计院")
    water = make_customer(store, company.rep, "滨海水务集团")
    other = make_customer(store, company.rep_b, "南方电网")
    return {
        "dcs": make_project(store, company.rep, power, name="电厂DCS改造"),
        "scada": make_project(store, company.rep, water, name="水厂SCADA"),
        "old": make_project(store, company.rep, power, name="老项目"),
        "theirs": make_project(store, company.rep_b, other, name="南方电网调度"),
    }


def workspace(app, user: int, project: int | None = None):
    at = app(user)
    if project is not None:
        at.query_params["project"] = str(project)
    at.switch_page("views/project.py").run()
    assert not at.exception, at.exception
    return at


def heading(at) -> str:
    return " ".join(shown(h.value) for h in at.subheader)


def offered(at) -> list[int]:
    """The project numbers the finder offers (its labels start with #N)."""
    return [int(o.split(" · ")[0].lstrip("#")) for o in at.selectbox(key="workspace.pick").options]


def visible_matches(engine: Engine, user: int, needle: str) -> set[int]:
    """Independently: the user's projects whose name or customer's name holds `needle`."""
    with engine.connect() as conn:
        found = conn.execute(
            text(
                "select p.id from projects p join customers c on c.id = p.customer_id"
                " where p.owner_id = :user and (p.name like :like or c.name like :like)"
            ),
            {"user": user, "like": f"%{needle}%"},
        )
        return {row.id for row in found}


def test_a_link_opens_the_project(app, company, projects) -> None:
    at = workspace(app, company.rep, projects["scada"])
    assert "水厂SCADA" in heading(at)
    assert at.selectbox(key="workspace.pick").value == projects["scada"]
    assert at.query_params["project"] in (str(projects["scada"]), [str(projects["scada"])])


def test_a_link_to_a_project_the_user_may_not_see_is_refused(app, company, projects) -> None:
    at = workspace(app, company.rep, projects["theirs"])
    assert [shown(e.value) for e in at.error] == ["No such project, or you may not see it"]
    assert "南方电网调度" not in heading(at)
    # the finder names the number asked for, nothing of the project
    assert not any("南方" in option for option in at.selectbox(key="workspace.pick").options)
    # the executive, who sees every project, opens the same link
    assert "南方电网调度" in heading(workspace(app, company.executive, projects["theirs"]))


@pytest.mark.parametrize(("needle", "expected"), [("SCADA", "scada"), ("电力设计", "dcs")])
def test_search_by_name_and_by_customer(app, store, company, projects, needle, expected) -> None:
    at = workspace(app, company.rep)
    at.text_input(key="workspace.search").set_value(needle).run()
    assert set(offered(at)) == visible_matches(store, company.rep, needle)
    assert projects[expected] in offered(at)
    at.selectbox(key="workspace.pick").set_value(projects[expected]).run()
    assert not at.exception, at.exception
    with store.connect() as conn:
        name = conn.execute(
            text("select name from projects where id = :id"), {"id": projects[expected]}
        ).scalar()
    assert name in heading(at)
    assert at.query_params["project"] in (str(projects[expected]), [str(projects[expected])])


def test_search_never_offers_a_project_the_user_may_not_see(app, company, projects) -> None:
    at = workspace(app, company.rep)
    at.text_input(key="workspace.search").set_value("南方电网").run()
    assert offered(at) == []
    at.text_input(key="workspace.search").set_value(str(projects["theirs"])).run()
    assert [shown(e.value) for e in at.error] == ["No such project, or you may not see it"]


def test_a_number_typed_in_the_search_opens_that_project(app, company, projects) -> None:
    at = workspace(app, company.rep)
    at.text_input(key="workspace.search").set_value(f"#{projects['old']}").run()
    assert "老项目" in heading(at)


def test_recent_projects_are_the_opened_then_the_changed(app, store, company, projects) -> None:
    # changed through a command: the audit log remembers who changed it
    change_forecast(store, company.rep, projects["old"], expected_amount=Decimal("123456"))
    change_forecast(store, company.rep_b, projects["theirs"], expected_amount=Decimal("1"))
    at = workspace(app, company.rep)
    recent = [
        int(link.proto.query_string.split("=")[1])
        for link in at.get("page_link")
        if link.proto.page == "project"
    ]
    assert recent == [projects["old"]]  # not rep_b's, which the rep may not see
    for name in ("dcs", "scada"):
        at.query_params["project"] = str(projects[name])
        at.run()
    recent = [
        int(link.proto.query_string.split("=")[1])
        for link in at.get("page_link")
        if link.proto.page == "project"
    ]
    assert recent == [projects["scada"], projects["dcs"], projects["old"]]
