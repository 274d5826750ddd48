"""`crm bench all`: every benchmark in turn, each in a child process as an administrator runs
it (`crm bench <name> ... --out bench/all/<name>.json`), then the wall time of `make test`
in a fresh clone of the commit; and one report of the target figures against their
ceilings and goals (crm/bench/targets.py): bench/all.json and the "Summary" section of
docs/benchmarks.md (crm/bench/all_report.py).

A benchmark that fails is reported as failed, with the last lines of its error output, and
the others still run; the command then exits 1. A rerun of some (`--only`, `--skip`) keeps
the others' runs and figures from the report before, when that was of the same profile.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crm.bench.all_report import HELD, command, evaluate, result_cell, section
from crm.bench.common import crm, folder_env, machine_memory_gb, write_docs_section, write_figures
from ingest.settings import data_dir

ROOT = Path(__file__).resolve().parents[2]  # the source checkout whose `make test` is timed
SEED = 1  # the benchmarks' own default
SECTION = "summary"
MAKE_TEST = "make-test"
TAIL_LINES = 15

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Benchmark:
    name: str
    args: Callable[[str], list[str]]  # its options after `crm bench <name>`, for a profile


def _with_small(profile: str) -> list[str]:
    # On large, seed and refresh keep the small profile's figures too, as their defaults do.
    return ["--profiles", "small,large" if profile == "large" else profile]


BENCHMARKS = (
    Benchmark("store", lambda _profile: []),
    Benchmark("seed", _with_small),
    Benchmark("refresh", _with_small),
    Benchmark("entry", lambda _profile: []),
    Benchmark("dashboards", lambda profile: ["--profile", profile]),
    Benchmark("load", lambda profile: ["--profile", profile]),
    Benchmark("faults", lambda _profile: []),
)
NAMES = tuple(b.name for b in BENCHMARKS)


def bench_store(name: str, profile: str) -> Path | None:
    """The data directory a benchmark runs on where it would otherwise write into the
    configured store: the store bench a fresh empty store; the entry bench, whose submits
    save records, the dashboards bench's seeded and refreshed store (those records never
    reach the snapshot that bench reads). The others keep their own stores under bench/."""
    if name == "store":
        folder = data_dir() / "bench" / "store"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        crm(["init"], folder_env(folder))
        return folder
    if name == "entry":
        from crm.bench.dashboards import prepare

        return prepare(profile, SEED)
    return None


def run_child(args: list[str], env: dict[str, str], stdout: Path, stderr: Path) -> int:
    """`crm ARGS` in a child, its output in the two files; its exit code."""
    with stdout.open("w") as out, stderr.open("w") as err:
        return subprocess.run(
            [sys.executable, "-m", "crm.cli", *args], env=env, stdout=out, stderr=err, check=False
        ).returncode


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _tail(path: Path) -> list[str]:
    text = path.read_text(errors="replace") if path.exists() else ""
    return text.strip().splitlines()[-TAIL_LINES:]


def _record(
    code: int | None, seconds: float, errors: list[str], output: list[str], **about: Any
) -> dict[str, Any]:
    """How one benchmark went: passed or failed (its exit code, None when it never
    started), its wall time and, when it failed, the last lines of its error output and of
    its output (where the load and faults benches say which check failed)."""
    record = {
        **about,
        "outcome": "passed" if code == 0 else "failed",
        "exit_code": code,
        "seconds": round(seconds, 1),
        "finished_at": _now(),
    }
    if code != 0:
        record["stderr_tail"], record["stdout_tail"] = errors, output
    return record


def run_benchmark(
    bench: Benchmark, profile: str, folder: Path, commit: str | None, progress: Progress
) -> dict[str, Any]:
    out = folder / f"{bench.name}.json"
    out.unlink(missing_ok=True)  # a failed run must not leave the figures of a run before
    args = ["bench", bench.name, *bench.args(profile)]
    about = {"command": "crm " + " ".join(args), "profile": profile, "commit": commit}
    stdout, stderr = folder / f"{bench.name}.stdout.log", folder / f"{bench.name}.stderr.log"
    progress(f"{bench.name}: {about['command']} (output in {folder}/{bench.name}.*.log) ...")
    began = time.perf_counter()
    try:
        store = bench_store(bench.name, profile)
        env = folder_env(store) if store else dict(os.environ)
        code: int | None = run_child([*args, "--out", str(out)], env, stdout, stderr)
        errors = _tail(stderr)
        if code == 0 and not out.exists():
            code, errors = 1, [*errors, f"it wrote no figures to {out}"]
    except Exception as error:  # its store could not be prepared: a failure like any other
        code, errors = None, f"{type(error).__name__}: {error}".splitlines()[-TAIL_LINES:]
    record = _record(code, time.perf_counter() - began, errors, _tail(stdout), **about)
    _tell(bench.name, record, progress)
    return record


def _tell(name: str, record: dict[str, Any], progress: Progress) -> None:
    if record["outcome"] == "passed":
        progress(f"{name}: passed in {record['seconds']:,.0f} s")
        return
    progress(f"{name}: FAILED (exit {record['exit_code']}) in {record['seconds']:,.0f} s:")
    for line in (record["stderr_tail"] or record["stdout_tail"])[-5:]:
        progress(f"    {line}")


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {done.stderr.strip()[-300:]}")
    return done.stdout.strip()


def current_commit(root: Path) -> dict[str, Any]:
    """The commit the checkout is at and whether its tree had uncommitted changes (None
    for both outside a git checkout, e.g. an installed package)."""
    try:
        if Path(_git(root, "rev-parse", "--show-toplevel")).resolve() != root.resolve():
            return {"sha": None, "dirty": None}
        return {
            "sha": _git(root, "rev-parse", "HEAD"),
            "dirty": bool(_git(root, "status", "--porcelain")),
        }
    except (OSError, RuntimeError):
        return {"sha": None, "dirty": None}


def clean_env() -> dict[str, str]:
    """This environment without the product's settings (its data directory, its store, ...)
    nor an active virtual environment, as on a fresh machine; the tests' own settings
    (CRM_TEST_*) stay."""
    return {
        name: value
        for name, value in os.environ.items()
        if name.startswith("CRM_TEST_")
        or not (name.startswith("CRM_") or name in ("DAGSTER_HOME", "VIRTUAL_ENV"))
    }


def time_make_test(root: Path, sha: str, log: Path) -> tuple[float, int]:
    """The wall time and exit code of `make test` in a fresh clone of commit `sha` of the
    checkout at `root`, install included (the clone has no .venv); its output in `log`."""
    with tempfile.TemporaryDirectory(prefix="crm-make-test-") as scratch:
        clone = Path(scratch) / "crm"
        _git(root, "clone", "--quiet", str(root), str(clone))
        _git(clone, "checkout", "--quiet", "--detach", sha)
        with log.open("w") as output:
            began = time.perf_counter()
            done = subprocess.run(
                ["make", "test"],
                cwd=clone,
                env=clean_env(),
                stdout=output,
                stderr=subprocess.STDOUT,
                check=False,
            )
            return time.perf_counter() - began, done.returncode


def run_make_test(folder: Path, commit: str | None, progress: Progress) -> dict[str, Any]:
    out = folder / f"{MAKE_TEST}.json"
    out.unlink(missing_ok=True)
    log = folder / f"{MAKE_TEST}.log"
    about = {"command": "make test", "commit": commit}
    progress(f"{MAKE_TEST}: make test in a fresh clone of {commit or 'HEAD'} (output in {log}) ...")
    began = time.perf_counter()
    try:
        if commit is None:
            raise RuntimeError(f"{ROOT} is not a git checkout: make test is timed in a clone")
        seconds, code = time_make_test(ROOT, commit, log)
        errors = _tail(log)  # make's output and errors, together
    except Exception as error:  # no clone: a failure like any other
        seconds, code = time.perf_counter() - began, None
        errors = f"{type(error).__name__}: {error}".splitlines()[-TAIL_LINES:]
    if code == 0:
        figures = {"seconds": round(seconds, 1), "commit": commit, "measured_at": _now()}
        write_figures(str(out), MAKE_TEST, figures, indent=2)
    record = _record(code, seconds, errors, [], **about)
    _tell(MAKE_TEST, record, progress)
    return record


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(machine_memory_gb(), 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def earlier_runs(report: Path, profile: str, folder: Path) -> dict[str, dict[str, Any]]:
    """The runs of the report before, if it was of the same profile: those that failed,
    and those that passed whose figures are still there."""
    try:
        before = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if before.get("profile") != profile:
        return {}
    return {
        name: run
        for name, run in before.get("runs", {}).items()
        if run["outcome"] != "passed" or (folder / f"{name}.json").exists()
    }


def run_all(
    names: list[str],
    profile: str,
    *,
    make_test: bool,
    out: str | None,
    docs: Path | None,
    progress: Progress = print,
) -> tuple[list[str], bool]:
    """The benchmarks named (in their order), `make test` unless told not to, the report;
    the lines to print, and whether everything run this time passed."""
    folder = data_dir() / "bench" / "all"
    folder.mkdir(parents=True, exist_ok=True)
    report_path = Path(out) if out else data_dir() / "bench" / "all.json"
    started, commit = _now(), current_commit(ROOT)
    runs = earlier_runs(report_path, profile, folder)
    ran = {
        bench.name: run_benchmark(bench, profile, folder, commit["sha"], progress)
        for bench in BENCHMARKS
        if bench.name in names
    }
    if make_test:
        ran[MAKE_TEST] = run_make_test(folder, commit["sha"], progress)
    runs.update(ran)
    runs = {name: runs[name] for name in (*NAMES, MAKE_TEST) if name in runs}
    measured = {
        name: json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        for name, run in runs.items()
        if run["outcome"] == "passed"
    }
    report = {
        "started_at": started,
        "finished_at": _now(),
        "profile": profile,
        "commit": commit,
        "machine": machine(),
        "runs": runs,
        "summary": evaluate(measured, profile, runs),
        "figures": measured,
    }
    path = write_figures(str(report_path), "all", report, indent=2, ensure_ascii=False)
    lines = [
        f"{row['name']}: {result_cell(row)}; ceiling {HELD[row['ceiling_held']]}, "
        f"goal {HELD[row['goal_held']]}"
        for row in report["summary"]
    ]
    failed = [command(name, run) for name, run in ran.items() if run["outcome"] != "passed"]
    if failed:
        lines.append(f"failed: {', '.join(failed)}")
    lines.append(f"report written to {path}")
    if docs is not None and docs.exists():
        write_docs_section(docs, SECTION, section(report), first=True)
        lines.append(f'section "Summary" written to {docs}')
    return lines, not failed
