"""Fixtures shared by every test package: a fresh store on SQLite or PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, create_engine

from ingest.commands import users
from ingest.store.db import get_engine
from ingest.store.setup import init_store
from tests.support.figures import FIGURES
from tests.support.org import Org, make_org
from tests.support.stores import PG_ADMIN, _reset_postgres, copied_store


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """Production argon2 parameters cost ~50 ms a hash; tests create many users."""
    original = users.hasher
    users.hasher = lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # type: ignore[assignment]
    yield
    users.hasher = original


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An initialised SQLite store, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "crm.db"
    engine = create_engine(f"sqlite:///{path}")
    init_store(get_engine(f"sqlite:///{path}"))
    engine.dispose()
    get_engine(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    # One database per test process, so parallel runs never drop each other's.
    name = f"crm_test_{_worker()}_{os.getpid()}"
    admin_dsn = PG_ADMIN.replace("+psycopg", "")
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    init_store(get_engine(url))
    yield url
    get_engine(url).dispose()
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    """A store with only the reference data, on each backend in turn."""
    if request.param == "sqlite":
        return copied_store(request.getfixturevalue("sqlite_template"), tmp_path)[1]
    engine = get_engine(request.getfixturevalue("pg_url"))
    _reset_postgres(engine)
    return engine


@pytest.fixture
def sqlite_engine(tmp_path: Path, sqlite_template: Path) -> Engine:
    return copied_store(sqlite_template, tmp_path)[1]


@pytest.fixture
def org(engine: Engine) -> Org:
    return make_org(engine)


# --- how many hostile inputs a run tried (tests/support/hostile.py) ------------------------
# Under xdist each worker counts its own and hands the count to the controller, which
# prints the total at the end of the run. A run that selected the hostile modules whole and
# had no failure must have tried the promised number of generated inputs, or it fails.

# Figures a test measures but does not assert (they vary with the machine): each is a line
# of the terminal summary, as the hostile count is.

HOSTILE_MODULES = ("tests/ingest/test_hostile_input.py", "tests/ingest/test_hostile_import.py")
_hostile_collected: dict[str, int] = {}  # module → its items, before any selection
_hostile_run: dict[str, bool] = {"whole": False, "too_few": False}


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.nodeid in HOSTILE_MODULES and report.passed:
        _hostile_collected[report.nodeid] = len(report.result)


# --- the order modules are handed to the workers ---------------------------------------------
# `make test` gives each xdist worker whole modules, in collection order (with
# --no-loadscope-reorder). The longest modules go first, so that the run does not end with
# one worker still busy on a long module while the other idles. Measured with --durations;
# the rest keep their order after these.
LONGEST_FIRST = [
    "tests/orchestration/test_dagster_refresh.py",
    "tests/orchestration/test_refresh.py",
    "tests/e2e/test_dashboards_pages.py",
    "tests/e2e/test_readable_numbers.py",
    "tests/faults/test_killed_refresh.py",
    "tests/e2e/test_cockpit_screens.py",
    "tests/dashboards/test_queries.py",
    "tests/orchestration/test_reconciliation.py",
    "tests/orchestration/test_dagster_defs.py",
    "tests/orchestration/test_backup.py",
    "tests/orchestration/test_serve_stop.py",
    "tests/faults/test_killed_writer.py",
    "tests/faults/test_postgres_restart.py",
    "tests/e2e/test_story.py",
    "tests/e2e/test_sessions.py",
    "tests/orchestration/test_retention.py",
    "tests/dashboards/test_app.py",
    "tests/dashboards/test_visibility_matrix.py",
    "tests/ingest/test_signin_flood.py",
    "tests/ingest/test_import_chunks.py",
]


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {module: n for n, module in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))
    selected: dict[str, int] = {}
    for item in items:
        module = item.nodeid.split("::")[0]
        selected[module] = selected.get(module, 0) + 1
    _hostile_run["whole"] = all(
        module in _hostile_collected and _hostile_collected[module] == selected.get(module)
        for module in HOSTILE_MODULES
    )


def pytest_sessionfinish(session: pytest.Session) -> None:
    from tests.support.hostile import EXAMPLES, PROMISED, generated

    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["hostile_examples"] = dict(EXAMPLES)
        workeroutput["hostile_whole"] = _hostile_run["whole"]
        workeroutput["figures"] = FIGURES
        return
    if _hostile_run["whole"] and not session.testsfailed and generated(EXAMPLES) < PROMISED:
        _hostile_run["too_few"] = True
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)  # an xdist hook: absent when xdist is not loaded
def pytest_testnodedown(node: object, error: object) -> None:
    from tests.support.hostile import EXAMPLES

    output = getattr(node, "workeroutput", {})
    EXAMPLES.update(output.get("hostile_examples", {}))
    _hostile_run["whole"] |= output.get("hostile_whole", False)
    FIGURES.extend(output.get("figures", []))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.support.hostile import EXAMPLES, PROMISED, generated

    for line in FIGURES:
        terminalreporter.write_line(line)
    if not EXAMPLES:
        return
    groups: dict[str, int] = {}
    for name, count in EXAMPLES.items():
        group = name.split(":")[0]
        groups[group] = groups.get(group, 0) + count
    detail = ", ".join(f"{group} {count}" for group, count in sorted(groups.items()))
    inputs = sum(count for group, count in groups.items() if group != "import cells")
    drawn = generated(EXAMPLES)
    terminalreporter.write_line(f"hostile inputs tried: {inputs}, {drawn} generated ({detail})")
    if _hostile_run["too_few"]:
        terminalreporter.write_line(
            f"FAILED: the hostile modules ran whole but generated {drawn} inputs, "
            f"fewer than the {PROMISED} promised",
            red=True,
        )
