"""`crm bench entry`: how long the entry app takes per interaction on a (large) store.

Each interaction is one Streamlit script run of the real app (`AppTest`, in process, the
same code path as a browser's rerun minus the websocket): opening a page as a given role,
and submitting a form (the command plus the rerun that shows the result). Every interaction
is repeated and reported as median, p95 and max in milliseconds. The target is 1 s.

Submits write real records (a lead, a stage move, an expense, a qualification): run it on
a bench store, never on production data.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from crm.bench.common import percentile, write_figures

TARGET_MS = 1000.0
APP = Path(__file__).resolve().parents[2] / "entry_app" / "app.py"


def _timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


class _App:
    """The entry app signed in as one user, like a browser tab."""

    def __init__(self, user_id: int, engine: Any) -> None:
        from streamlit.testing.v1 import AppTest

        from ingest.auth.sessions import benchmark_session
        from web.session import TOKEN_KEY

        self.at = AppTest.from_file(str(APP), default_timeout=120)
        self.at.session_state["i18n.language"] = "zh_CN"
        self.at.session_state[TOKEN_KEY] = benchmark_session(user_id, engine)
        self.at.run()

    def open(self, page: str, **state: Any) -> None:
        for key, value in state.items():
            self.at.session_state[key] = value
        self.at.switch_page(page).run()
        self._check()

    def rerun(self) -> None:
        self.at.run()
        self._check()

    def _key(self, form: str, field: str) -> str:
        gen_key = f"form.{form}.gen"
        gen = self.at.session_state[gen_key] if gen_key in self.at.session_state else 0  # noqa: SIM401
        return f"{form}.{gen}.{field}"

    def fill(self, form: str, **values: Any) -> None:
        for field, value in values.items():
            key = self._key(form, field)
            for kind in ("text_input", "selectbox", "text_area", "date_input"):
                try:
                    getattr(self.at, kind)(key=key).set_value(value)
                    break
                except KeyError:
                    continue
            else:
                raise KeyError(key)

    def submit(self, form: str) -> None:
        self.at.button(key=self._key(form, "submit")).click()
        self.at.run()
        self._check()
        if self.at.error:
            raise RuntimeError(f"{form}: {[e.value for e in self.at.error]}")

    def _check(self) -> None:
        if self.at.exception:
            raise RuntimeError(str(self.at.exception[0].message))


def _users(session: Any) -> dict[str, int]:
    from ingest.store.models import User

    wanted = ("rep", "manager", "exec", "finance", "steward")
    rows = session.execute(select(User.username, User.id).where(User.username.in_(wanted)))
    found = dict(rows.all())
    missing = set(wanted) - set(found)
    if missing:
        raise RuntimeError(
            f"demo accounts missing ({', '.join(sorted(missing))}): run `crm user demo`"
        )
    return found


def _rep_project(session: Any, rep_id: int) -> int:
    from ingest.store.models import Project

    project_id = session.scalar(
        select(Project.id)
        .where(Project.owner_id == rep_id, Project.status == "open")
        .order_by(Project.id.desc())
        .limit(1)
    )
    if project_id is None:
        raise RuntimeError("the demo rep owns no open project: seed the store first")
    return project_id


def run_entry_bench(
    repeat: int = 5, out: str | Path | None = None, progress: Callable[[str], None] = print
) -> dict[str, Any]:
    from ingest.commands.leads import LeadInput, create_lead
    from ingest.store.db import get_engine, read_session
    from ingest.store.models import Project, Stage
    from web.i18n import CATALOG

    engine = get_engine()
    with read_session(engine) as session:
        users = _users(session)
        project_id = _rep_project(session, users["rep"])
        projects = session.scalar(select(func.count()).select_from(Project)) or 0
    progress(f"store: {projects:,} projects; {repeat} repetitions per interaction")

    timings: dict[str, list[float]] = {}

    def measure(name: str, fn: Callable[[], Any]) -> None:
        timings.setdefault(name, []).append(_timed(fn))

    rep = _App(users["rep"], engine)
    manager = _App(users["manager"], engine)
    executive = _App(users["exec"], engine)
    finance = _App(users["finance"], engine)
    steward = _App(users["steward"], engine)
    loads: list[tuple[str, _App, str, dict[str, Any]]] = [
        ("rep: home", rep, "views/home.py", {}),
        ("rep: leads", rep, "views/leads.py", {}),
        ("rep: customers", rep, "views/customers.py", {}),
        ("rep: projects", rep, "views/projects.py", {}),
        ("rep: project workspace", rep, "views/project.py", {"workspace.project_id": project_id}),
        ("rep: activities", rep, "views/activities.py", {}),
        ("rep: expenses", rep, "views/expenses.py", {}),
        ("rep: reimbursement forms", rep, "views/reports.py", {}),
        ("manager: projects (team)", manager, "views/projects.py", {}),
        ("manager: lead queue", manager, "views/qualify.py", {}),
        ("manager: approvals", manager, "views/approvals.py", {}),
        ("executive: projects (all)", executive, "views/projects.py", {}),
        ("executive: customers (all)", executive, "views/customers.py", {}),
        ("finance: approvals", finance, "views/approvals.py", {}),
        ("steward: formal customers", steward, "views/steward.py", {}),
    ]
    for round_no in range(repeat):
        for name, app, page, state in loads:
            app.open(page, **state)  # switching pages is a load too; the rerun is timed
            measure(f"load {name}", app.rerun)
        stamp = f"{dt.datetime.now():%H%M%S%f}-{round_no}"

        rep.open("views/leads.py")
        rep.fill("lead_create", company_name=f"基准测试公司 {stamp}", phone="010-12345678")
        measure("submit rep: new lead", lambda: rep.submit("lead_create"))

        rep.open(
            "views/project.py",
            **{
                "workspace.project_id": project_id,
                "workspace.tab": CATALOG["ws.tab.history"]["zh_CN"],
            },
        )
        with read_session(engine) as session:
            project = session.get(Project, project_id)
            stages = session.scalars(
                select(Stage.code)
                .where(
                    Stage.sales_mode_id == project.sales_mode_id,  # type: ignore[union-attr]
                    Stage.is_won_stage.is_(False),
                    Stage.is_active.is_(True),
                    Stage.id != project.stage_id,  # type: ignore[union-attr]
                )
                .order_by(Stage.stage_order)
            ).all()
        rep.fill(f"move_stage_{project_id}", stage=stages[round_no % len(stages)])
        measure("submit rep: move stage", lambda: rep.submit(f"move_stage_{project_id}"))
        # The expense form is on the workspace's expenses tab (only the open tab runs).
        rep.open("views/project.py", **{"workspace.tab": CATALOG["ws.tab.expenses"]["zh_CN"]})
        rep.fill(f"ws_expense_{project_id}", amount=f"{100 + round_no}.00")
        measure("submit rep: expense on project", lambda: rep.submit(f"ws_expense_{project_id}"))

        lead_id = create_lead(
            engine,
            users["rep"],
            LeadInput(f"待认定 {stamp}", "phone_inquiry", phone="010-87654321"),
            source="bench",
        )
        manager.open("views/qualify.py", **{"qualify.lead": lead_id})
        manager.fill(f"qualify_{lead_id}", amount="1000000")
        qualify_form = f"qualify_{lead_id}"
        measure("submit manager: qualify lead", lambda form=qualify_form: manager.submit(form))
        progress(f"round {round_no + 1}/{repeat} done")

    result = figures(timings, projects)
    result["path"] = str(write_figures(out, "entry", result, ensure_ascii=False, indent=2))
    return result


def figures(timings: dict[str, list[float]], projects: int) -> dict[str, Any]:
    """The figures of a run from each interaction's times in milliseconds: median, p95 and
    max of each, and whether every p95 is within the target."""
    rows = {
        name: {
            "median_ms": round(statistics.median(values), 1),
            "p95_ms": round(percentile(values, 0.95), 1),
            "max_ms": round(max(values), 1),
            "runs": len(values),
        }
        for name, values in timings.items()
    }
    return {
        "projects": projects,
        "target_ms": TARGET_MS,
        "within_target": all(row["p95_ms"] <= TARGET_MS for row in rows.values()),
        "interactions": rows,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def lines(result: dict[str, Any]) -> list[str]:
    out = [f"{'interaction':<40} {'median':>8} {'p95':>8} {'max':>8}  (ms)"]
    for name, row in result["interactions"].items():
        flag = "" if row["p95_ms"] <= result["target_ms"] else "  > target"
        out.append(
            f"{name:<40} {row['median_ms']:>8.0f} {row['p95_ms']:>8.0f} {row['max_ms']:>8.0f}{flag}"
        )
    verdict = "all within" if result["within_target"] else "NOT all within"
    out.append(
        f"{result['projects']:,} projects; {verdict} {result['target_ms']:.0f} ms p95; "
        f"written to {result['path']}"
    )
    return out
