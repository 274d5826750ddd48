"""The entry app's cockpit on the small demo company with a published snapshot: a rep's
flagged deals (with their reasons) are the ones recomputed from the store, each opening
its workspace; an executive's headline KPIs are the dashboards' numbers, each linking to
its dashboard; and a dashboard's record table opens each project in the workspace."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from entry_app.queries import cockpit
from ingest.commands.base import Actor
from tests.support import independent as ind
from tests.support.app_widgets import shown
from tests.support.company import AS_OF, Company
from tests.support.signin import signed_in
from warehouse.queries import health
from warehouse.scope import Filters
from web import charts, numbers
from web.dashboard_strings import TEXTS

ROOT = Path(__file__).resolve().parents[2]
INACTIVE_DAYS = 30  # the cockpit's, as the health dashboard's default


@pytest.fixture(scope="module")
def users(company: Company) -> pd.DataFrame:
    with company.engine.connect() as conn:
        return pd.read_sql_table("users", conn)


def busiest_rep(company: Company, users: pd.DataFrame) -> pd.Series:
    with company.engine.connect() as conn:
        owners = pd.read_sql_table("projects", conn).query("status == 'open'").owner_id
    reps = users[(users.role == "rep") & users.is_active]
    return reps.loc[reps.id.map(owners.value_counts()).fillna(0).idxmax()]


def home(company: Company, user: pd.Series, lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(ROOT / "entry_app" / "app.py"), default_timeout=120)
    at.session_state["i18n.language"] = lang
    signed_in(at, int(user.id), company.engine)
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_reps_flagged_deals_are_those_of_the_store(company, users) -> None:
    rep = busiest_rep(company, users)
    at = home(company, rep, lang="zh_CN")
    assert at.subheader[0].value == f"欢迎，{rep.display_name}"  # the name, not the login
    store = ind.read_store(company.engine, AS_OF)
    actor = Actor(id=int(rep.id), role="rep")
    flagged = ind.flagged_projects(store, actor, Filters(), INACTIVE_DAYS)
    expected = flagged[: cockpit.ITEMS]
    assert expected  # the demo company's busiest rep has deals to worry about
    deals = [
        int(parse_qs(link.proto.query_string)["project"][0])
        for link in at.get("page_link")
        if link.proto.page == "project" and link.proto.icon == ":material/warning:"
    ]
    assert deals == [p for p, _ in expected]
    names = {flag: TEXTS[f"dash.flag.{flag}"]["zh_CN"] for flag in health.HEALTH_FLAGS}
    reasons = [c.value for c in at.caption if c.value.startswith(":orange[")]
    for shown_reasons, (_, flags) in zip(reasons, expected, strict=True):
        assert set(shown_reasons[len(":orange[") : -1].split("、")) == {
            names[flag] for flag in flags
        }
    heading = next(h.value for h in at.subheader if h.value.startswith("有预警的商机"))
    assert heading == f"有预警的商机 ({len(flagged):,})"
    dashboards = [
        link.proto.page for link in at.get("page_link") if link.proto.page.endswith("/health")
    ]
    assert dashboards == ["http://localhost:8502/health"]


def test_an_executives_kpis_are_the_dashboards_numbers(company, users) -> None:
    executive = users[(users.role == "executive") & users.is_active].iloc[0]
    at = home(company, executive)
    actor = Actor(id=int(executive.id), role="executive")
    store = ind.read_store(company.engine, AS_OF)
    pipeline = ind.pipeline(store, actor, Filters(), 60)
    year = Filters(start=AS_OF.replace(month=1, day=1), end=AS_OF)
    won = ind.win_loss(store, actor, year)
    metrics = {m.label: m.value for m in at.metric}
    helps = {m.label: m.help for m in at.metric}
    for label, amount in (
        ("Open pipeline", pipeline["open_amount"]),
        ("Weighted pipeline", pipeline["weighted_amount"]),
        ("Won amount", won["won_amount"]),
    ):  # compact on the card, exact in its help
        assert metrics[label] == numbers.money(amount, "en")
        assert f"{amount:,.2f}" in helps[label]
    assert metrics["Win rate (count)"] == charts.rate_text(won["win_rate_by_count"])
    flagged = ind.flagged_projects(store, actor, Filters(), INACTIVE_DAYS)
    assert metrics["Flagged projects"] == f"{len(flagged):,}"
    targets = {
        urlsplit(link.proto.page).path: parse_qs(urlsplit(link.proto.page).query)
        for link in at.get("page_link")
        if link.proto.external and link.proto.page.startswith("http://localhost:8502/")
    }
    assert targets["/win_loss"] == {"start": [year.start.isoformat()], "end": [AS_OF.isoformat()]}
    # the pipeline is the executive's default page: at the root (its name would show
    # Streamlit's "page not found")
    assert targets["/"] == {} and targets["/health"] == {} and "/pipeline" not in targets
    assert set(targets["/forecast"]) == {"start", "end"}
    assert not [shown(i.value) for i in at.info if "not published" in i.value]


def test_a_dashboard_record_table_opens_projects_in_the_workspace(company, users) -> None:
    rep = busiest_rep(company, users)
    at = AppTest.from_file(str(ROOT / "dashboards" / "app.py"), default_timeout=120)
    at.session_state["i18n.language"] = "en"
    signed_in(at, int(rep.id), company.engine)
    at.switch_page("views/health.py").run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert table.columns[0] == "workspace"
    assert list(table["workspace"]) == [
        f"http://localhost:8501/project?project={int(p)}" for p in table["project_id"]
    ]
    assert len(table) > 0
