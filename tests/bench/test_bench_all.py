"""`crm bench all`: each benchmark run as a child (here a stand-in writing the JSON the real
benchmark's own code shapes), the target figures weighed against their ceilings and goals,
failures reported, reruns of some, the docs section, `make test` timed in a fresh clone;
and store and seed run for real on the tiny profile (`bench` marker)."""

from __future__ import annotations

import json
import subprocess
from dataclasses import asdict
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

import crm.bench.all as bench_all
from crm.bench import entry, refresh
from crm.bench.dashboards import page_figures
from crm.bench.load.ledger import Ledger, Sample
from crm.bench.load.run import figures as load_figures
from crm.bench.store import StoreBench
from crm.cli import main

INTRO = "# Benchmarks\n\nIntro.\n\n"
REST = (
    "## Refresh\n\nFigures written by hand.\n\n"
    "<!-- scale-curve: written by crm bench, edits are replaced -->\n"
    "## Scale curve\n\nthe curve\n<!-- /scale-curve -->\n"
)

# What each figure's benchmark measures in these tests: a ceiling met but not its goal, both
# met, both missed, and a figure of two parts.
NUMBERS = {
    "lag_s": 30.0,  # ceiling 60 s, goal 15 s
    "incremental_s": 4.0,  # 12 s, 5 s
    "full_s": 50.0,  # 75 s, 45 s
    "full_gb": 2.5,  # 4 GB, 3 GB
    "extract_s": 31.0,  # 25 s, 15 s
    "slowest_page_ms": 100.0,  # 150 ms, 60 ms
    "entry_page_ms": 200.0,  # under load; 300 ms, 150 ms
    "entry_quiet_ms": 220.0,
    "make_test_s": 300.0,  # 12 min, 6 min
}


def _refresh_json(out: Path, numbers: dict[str, float], monkeypatch: pytest.MonkeyPatch) -> None:
    """crm bench refresh's own code, its children and DuckDB replaced by these numbers."""

    def measured(args: list[str], _env: dict[str, str]) -> tuple[str, float, float]:
        if "--direct" in args:
            return "", numbers["incremental_s"] * 0.9, 1.0
        if "--full" in args:
            steps = f"extract 25,000,000 rows ({numbers['extract_s']} s)\nbuild (12.0 s)"
            return steps, numbers["full_s"], numbers["full_gb"]
        return "extract (1.0 s)", numbers["incremental_s"], 1.5

    monkeypatch.setattr(refresh, "prepare_store", lambda *_: {"CRM_DATA_DIR": str(out.parent)})
    monkeypatch.setattr(refresh, "measured_crm", measured)
    monkeypatch.setattr(refresh, "raw_duckdb_seconds", lambda _w: {"models": 9.0, "tests": 3.0})
    monkeypatch.setattr(refresh, "slowest_models", lambda _w: [])
    monkeypatch.setattr(refresh, "apply_changes", lambda _env, count, seed=1: count)
    refresh.run_refresh_bench(["small", "large"], 1, str(out))


def _load_json(numbers: dict[str, float], *, ok: bool = True) -> dict[str, Any]:
    """crm bench load's figures from a ledger of these timings, as run_load completes them."""
    ledger = Ledger()
    ledger.timings_ms = {
        "command lead.create": [120.0] * 5,
        "page manager: lead queue": [numbers["entry_page_ms"]] * 5,
        "page rep: home": [50.0] * 5,
        "dashboard pipeline": [900.0] * 3,
    }
    ledger.samples = [
        Sample("fct_leads", "lead_id", n, n, 1000.0, 1000.0 + numbers["lag_s"]) for n in range(20)
    ]
    result = load_figures(
        ledger,
        [object()] * 16,
        [SimpleNamespace(pages_read=3)] * 4,
        [{"began": 0.0, "ended": 80.0}],
        300.0,
        {"rows": 500},
        final_seconds=60.0,
        drained=2.0,
        stopped_at=2000.0,
        versions=(1, 3),
    )
    result["checks"] = {"successes": 5, "not_exactly_once": [], "reconciliation": []}
    result["ok"] = ok
    return result


def _dashboards_json(numbers: dict[str, float]) -> dict[str, Any]:
    slowest = numbers["slowest_page_ms"] / 1000
    pages = {
        "pipeline": page_figures([0.04] * 12, {"pipeline_kpis": [0.01] * 12}),
        "costs": page_figures([slowest] * 12, {"cost_kpis": [slowest] * 12}),
    }
    return {"profile": "large", "seed": 1, "pages": pages, "store_comparison": {}}


def canned(name: str, out: Path, numbers: dict[str, float], mp: pytest.MonkeyPatch) -> None:
    """The JSON the benchmark `name` writes to `out`, shaped by its own code."""
    if name == "refresh":
        _refresh_json(out, numbers, mp)
        return
    quiet = numbers["entry_quiet_ms"]
    figures: dict[str, Any] = {
        "store": lambda: asdict(
            StoreBench("sqlite:///crm.db", 0, 1, {"all": {"n": 6, "p50": 3.0, "p95": 5.0}}, [])
        ),
        "seed": lambda: {"cpus": 2, "seed": 1, "profiles": [{"profile": "large", "seconds": 1}]},
        "entry": lambda: entry.figures(
            {"load rep: home": [90.0] * 5, "submit rep: new lead": [quiet] * 5}, 1000
        ),
        "dashboards": lambda: _dashboards_json(numbers),
        "load": lambda: _load_json(numbers),
        "faults": lambda: {"faults": {}, "injected": 3, "survived": 3, "tests_passed": True},
    }[name]()
    out.write_text(json.dumps(figures))


LOAD_FAILS = {"load": ("CHECKS FAILED: 2 reconciliation differences", "")}


class Children:
    """Stands in for each `crm bench <name>` child: writes its canned figures and exits 0;
    one told to fail writes its figures anyway (as the load bench does when a check
    fails), its error output and output, and exits 1."""

    def __init__(
        self,
        mp: pytest.MonkeyPatch,
        numbers: dict[str, float],
        fail: dict[str, tuple[str, str]] | None = None,
    ) -> None:
        self.calls: list[tuple[str, list[str], dict[str, str]]] = []
        self.mp, self.numbers, self.fail = mp, numbers, fail or {}

    def __call__(self, args: list[str], env: dict[str, str], out: Path, err: Path) -> int:
        name = args[1]
        self.calls.append((name, args, env))
        canned(name, Path(args[args.index("--out") + 1]), self.numbers, self.mp)
        if name in self.fail:
            errors, output = self.fail[name]
            err.write_text(f"a warning\n{errors}\n" if errors else "")
            out.write_text(f"{name} measured\n{output}\n")
            return 1
        return 0

    @property
    def names(self) -> list[str]:
        return [name for name, _, _ in self.calls]


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CRM_STORE_URL", "sqlite:////the/configured/crm.db")
    entry_store = tmp_path / "entry-store"
    monkeypatch.setattr(
        bench_all, "bench_store", lambda name, _profile: entry_store if name == "entry" else None
    )
    monkeypatch.setattr(bench_all, "time_make_test", lambda *_: (NUMBERS["make_test_s"], 0))
    return tmp_path / "data"


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    page = tmp_path / "benchmarks.md"
    page.write_text(INTRO + REST)
    return page


def _run(docs: Path, *args: str) -> Any:
    return CliRunner().invoke(main, ["bench", "all", "--docs", str(docs), *args])


def _table(page: str) -> dict[str, list[str]]:
    """The rows of the page's tables, by their first cell."""
    rows = [line.strip("|").split(" | ") for line in page.splitlines() if line.startswith("| ")]
    return {cells[0].strip(): [c.strip() for c in cells[1:]] for cells in rows}


def test_each_figure_is_weighed_against_its_ceiling_and_goal(
    data: Path, docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    children = Children(monkeypatch, NUMBERS)
    monkeypatch.setattr(bench_all, "run_child", children)
    result = _run(docs)
    assert result.exit_code == 0, result.output
    assert children.names == ["store", "seed", "refresh", "entry", "dashboards", "load", "faults"]
    rows = _table(docs.read_text())
    # result, ceiling held, goal held
    expected = {
        "entry committed → visible on the dashboards, p95 under load": [
            "30.0 s (20 of 20 entries seen)", "✓", "✗",
        ],
        "incremental refresh, 1,000 changes, through Dagster": [
            "4.0 s (after 1,000 changes)", "✓", "✓",
        ],
        "full refresh, through Dagster: time, peak memory": ["50.0 s, 2.50 GB", "✓", "✗"],
        "full extraction (≈ 25M rows from SQLite)": ["31.0 s", "✗", "✗"],
        "dashboards: every page's uncached queries together, p95, all four scenarios": [
            "100 ms (the costs page)", "✓", "✗",
        ],
        "entry app: any page load or submit, p95, while refreshes run": [
            "200 ms (load manager: lead queue); quiet: 220 ms (submit rep: new lead)", "✓", "✗",
        ],
        "`make test` wall time (fresh clone, install included)": ["5.0 min", "✓", "✓"],
    }  # fmt: skip
    for name, (value, ceiling, goal) in expected.items():
        assert rows[name][2:5] == [value, ceiling, goal], name
    full_refresh = rows["full refresh, through Dagster: time, peak memory"]
    assert full_refresh[:2] == ["75 s, 4 GB", "45 s, 3 GB"]
    assert rows["`crm bench refresh --profiles small,large`"][0] == "passed"
    assert rows["`make test`"][0] == "passed"

    report = json.loads((data / "bench" / "all.json").read_text())
    assert report["profile"] == "large" and report["machine"]["cpus"] >= 1
    assert len(report["commit"]["sha"]) == 40 and isinstance(report["commit"]["dirty"], bool)
    assert set(report["figures"]) == {*children.names, "make-test"}
    assert report["figures"]["refresh"]["large"]["full_peak_memory_gb"] == 2.5
    full = next(row for row in report["summary"] if row["figure"] == "full_refresh")
    assert [(p["ceiling_held"], p["goal_held"]) for p in full["parts"]] == [
        (True, False),  # the time
        (True, True),  # the memory
    ]
    assert "4.0 s (after 1,000 changes); ceiling ✓, goal ✓" in result.output


def test_a_figure_of_two_parts_holds_only_when_both_do(
    data: Path, docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    numbers = {**NUMBERS, "full_s": 40.0, "full_gb": 4.5}  # in time for the goal, over in memory
    monkeypatch.setattr(bench_all, "run_child", Children(monkeypatch, numbers))
    assert _run(docs).exit_code == 0
    row = _table(docs.read_text())["full refresh, through Dagster: time, peak memory"]
    assert row[2:5] == ["40.0 s, 4.50 GB", "✗", "✗"]


def test_the_entry_bench_runs_on_a_bench_store_never_the_configured_one(
    data: Path, docs: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    children = Children(monkeypatch, NUMBERS)
    monkeypatch.setattr(bench_all, "run_child", children)
    assert _run(docs, "--only", "entry,load", "--no-make-test").exit_code == 0
    envs = {name: env for name, _, env in children.calls}
    assert envs["entry"]["CRM_DATA_DIR"] == str(tmp_path / "entry-store")
    assert "CRM_STORE_URL" not in envs["entry"]
    assert envs["load"]["CRM_DATA_DIR"] == str(data)  # the load bench copies its own store


def test_a_failing_benchmark_is_reported_and_the_others_still_run(
    data: Path, docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    children = Children(monkeypatch, NUMBERS, fail=LOAD_FAILS)
    monkeypatch.setattr(bench_all, "run_child", children)
    result = _run(docs)
    assert result.exit_code == 1
    assert children.names[-2:] == ["load", "faults"]
    assert "load: FAILED (exit 1)" in result.output
    assert "failed: `crm bench load --profile large`" in result.output
    report = json.loads((data / "bench" / "all.json").read_text())
    load = report["runs"]["load"]
    assert load["outcome"] == "failed" and load["exit_code"] == 1
    assert load["stderr_tail"][-1] == "CHECKS FAILED: 2 reconciliation differences"
    assert report["runs"]["faults"]["outcome"] == "passed"
    assert "load" not in report["figures"]  # a failed run's figures are not taken
    page = docs.read_text()
    rows = _table(page)
    assert rows["entry committed → visible on the dashboards, p95 under load"][2:5] == [
        "— (`crm bench load` failed)", "—", "—",
    ]  # fmt: skip
    entry_app = rows["entry app: any page load or submit, p95, while refreshes run"]
    assert entry_app[2] == "— (`crm bench load` failed); quiet: 220 ms (submit rep: new lead)"
    assert rows["`crm bench load --profile large`"][0] == "**failed** (exit 1)"
    assert "- `crm bench load --profile large`: CHECKS FAILED" in page


def test_a_benchmark_failing_with_its_output_only_is_told_by_it(
    data: Path, docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    said = "some fault tests failed (the whole report: faults.log)"
    monkeypatch.setattr(
        bench_all, "run_child", Children(monkeypatch, NUMBERS, fail={"faults": ("", said)})
    )
    result = _run(docs, "--no-make-test")
    assert result.exit_code == 1 and f"    {said}" in result.output
    run = json.loads((data / "bench" / "all.json").read_text())["runs"]["faults"]
    assert run["stderr_tail"] == [] and run["stdout_tail"] == ["faults measured", said]
    assert f"- `crm bench faults`: {said}" in docs.read_text()


def test_a_benchmark_whose_store_cannot_be_prepared_fails_alone(
    data: Path, docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_store(name: str, _profile: str) -> Path | None:
        if name == "entry":
            raise RuntimeError("crm seed --profile large failed: disk full")
        return None

    children = Children(monkeypatch, NUMBERS)
    monkeypatch.setattr(bench_all, "run_child", children)
    monkeypatch.setattr(bench_all, "bench_store", no_store)
    assert _run(docs, "--no-make-test").exit_code == 1
    assert "entry" not in children.names and children.names[-1] == "faults"
    run = json.loads((data / "bench" / "all.json").read_text())["runs"]["entry"]
    assert run["exit_code"] is None and "disk full" in run["stderr_tail"][-1]


def test_a_rerun_of_some_keeps_the_others_figures(
    data: Path, docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench_all, "run_child", Children(monkeypatch, NUMBERS))
    assert _run(docs).exit_code == 0
    before = json.loads((data / "bench" / "all.json").read_text())

    rerun = Children(monkeypatch, {**NUMBERS, "slowest_page_ms": 50.0})
    monkeypatch.setattr(bench_all, "run_child", rerun)
    assert _run(docs, "--only", "dashboards", "--no-make-test").exit_code == 0
    assert rerun.names == ["dashboards"]
    after = json.loads((data / "bench" / "all.json").read_text())
    assert list(after["runs"]) == list(before["runs"])
    assert after["runs"]["refresh"] == before["runs"]["refresh"]
    assert after["runs"]["make-test"] == before["runs"]["make-test"]
    assert after["runs"]["dashboards"]["finished_at"] >= before["runs"]["dashboards"]["finished_at"]
    rows = _table(docs.read_text())
    assert rows["incremental refresh, 1,000 changes, through Dagster"][2].startswith("4.0 s ")
    dashboards = next(n for n in rows if n.startswith("dashboards"))
    assert rows[dashboards][2:5] == ["50 ms (the costs page)", "✓", "✓"]

    skipping = Children(monkeypatch, NUMBERS)
    monkeypatch.setattr(bench_all, "run_child", skipping)
    assert _run(docs, "--skip", "load,faults,seed", "--no-make-test").exit_code == 0
    assert skipping.names == ["store", "refresh", "entry", "dashboards"]

    other = Children(monkeypatch, NUMBERS)  # another profile: nothing of large is kept
    monkeypatch.setattr(bench_all, "run_child", other)
    assert _run(docs, "--only", "faults", "--profile", "small", "--no-make-test").exit_code == 0
    assert list(json.loads((data / "bench" / "all.json").read_text())["runs"]) == ["faults"]
    rows = _table(docs.read_text())
    assert rows["incremental refresh, 1,000 changes, through Dagster"][2] == (
        "— (`crm bench refresh` not run)"
    )


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--only", "store,nonsense", "unknown benchmark nonsense"),
        ("--skip", "lod", "unknown benchmark lod"),
        ("--only", ",", "no benchmark named"),
    ],
)
def test_an_unknown_benchmark_is_refused_on_its_field(
    data: Path, docs: Path, monkeypatch: pytest.MonkeyPatch, option: str, value: str, message: str
) -> None:
    children = Children(monkeypatch, NUMBERS)
    monkeypatch.setattr(bench_all, "run_child", children)
    result = _run(docs, option, value)
    assert result.exit_code == 2
    assert f"Invalid value for '{option}'" in result.output and message in result.output
    assert "choose from store, seed, refresh, entry, dashboards, load, faults" in result.output
    assert children.calls == []
    assert docs.read_text() == INTRO + REST
    assert not (data / "bench" / "all.json").exists()


def test_the_summary_lands_after_the_intro_and_a_rerun_replaces_it(
    data: Path, docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench_all, "run_child", Children(monkeypatch, NUMBERS))
    assert _run(docs, "--no-make-test").exit_code == 0
    first = docs.read_text()
    assert first.startswith(INTRO + "<!-- summary: written by crm bench")
    assert first.endswith("<!-- /summary -->\n\n" + REST)
    assert "| 4.0 s (after 1,000 changes) |" in first

    monkeypatch.setattr(
        bench_all, "run_child", Children(monkeypatch, {**NUMBERS, "incremental_s": 9.5})
    )
    assert _run(docs, "--no-make-test").exit_code == 0
    second = docs.read_text()
    assert second.startswith(INTRO) and second.endswith("<!-- /summary -->\n\n" + REST)
    assert second.count("## Summary") == 1 and "| 4.0 s " not in second
    assert "| 9.5 s (after 1,000 changes) | ✓ | ✗ |" in second


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_make_test_is_timed_in_a_fresh_clone_of_the_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "Makefile").write_text(
        "test:\n"
        "\t@echo commit $$(git rev-parse HEAD)\n"
        "\t@echo data [$$CRM_DATA_DIR] store [$$CRM_STORE_URL] tests [$$CRM_TEST_PG]\n"
        "\t@cat state.txt\n"
        "\ttest ! -e .venv\n"
    )
    (repo / "state.txt").write_text("as committed\n")
    _git(repo, "init", "--quiet")
    _git(repo, "add", ".")
    _git(repo, "commit", "--quiet", "-m", "a project")
    (repo / "state.txt").write_text("changed since\n")
    (repo / ".venv").mkdir()
    monkeypatch.setenv("CRM_DATA_DIR", "/the/users/data")
    monkeypatch.setenv("CRM_STORE_URL", "sqlite:////the/users/crm.db")
    monkeypatch.setenv("CRM_TEST_PG", "postgresql://tests")
    commit = bench_all.current_commit(repo)
    assert commit == {"sha": _git(repo, "rev-parse", "HEAD"), "dirty": True}

    log = tmp_path / "make-test.log"
    seconds, code = bench_all.time_make_test(repo, commit["sha"], log)
    assert code == 0 and seconds > 0
    output = log.read_text()
    assert f"commit {commit['sha']}" in output
    assert "data [] store [] tests [postgresql://tests]" in output
    assert "as committed" in output and "changed since" not in output

    (repo / "Makefile").write_text("test:\n\tfalse\n")
    _git(repo, "commit", "--quiet", "-am", "a failing test")
    assert bench_all.time_make_test(repo, _git(repo, "rev-parse", "HEAD"), log)[1] != 0


@pytest.mark.bench
def test_store_and_seed_for_real_on_tiny(
    tmp_path: Path, docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store bench on a fresh store and the seed bench, each in its child (about a
    minute on 2 busy cores)."""
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CRM_STORE_URL", raising=False)
    result = _run(docs, "--only", "store,seed", "--profile", "tiny", "--no-make-test")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "data" / "bench" / "all.json").read_text())
    assert {name: run["outcome"] for name, run in report["runs"].items()} == {
        "store": "passed",
        "seed": "passed",
    }
    assert report["runs"]["seed"]["command"] == "crm bench seed --profiles tiny"
    assert [p["profile"] for p in report["figures"]["seed"]["profiles"]] == ["tiny"]
    assert report["figures"]["store"]["store"].endswith("/bench/store/crm.db")
    assert report["figures"]["store"]["latency_ms"]["all"]["n"] == 2000
    rows = _table(docs.read_text())
    assert rows["`crm bench store`"][0] == "passed"
    assert rows["incremental refresh, 1,000 changes, through Dagster"][2:5] == [
        "— (`crm bench refresh` not run)", "—", "—",
    ]  # fmt: skip
