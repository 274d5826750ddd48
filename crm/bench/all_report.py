"""`crm bench all` for people: each target figure weighed against its ceiling and its goal,
and the "Summary" section of docs/benchmarks.md, both from what the benchmarks wrote."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm.bench.targets import TARGETS, Measured, Target

HELD = {True: "✓", False: "✗", None: "—"}
FORMATS = {"s": "{:,.1f} s", "ms": "{:,.0f} ms", "GB": "{:.2f} GB", "min": "{:.1f} min"}


def command(name: str, run: Mapping[str, Any] | None = None) -> str:
    """How a benchmark is run, for people: `crm bench load --profile large`, `make test`."""
    if run and run.get("command"):
        return f"`{run['command']}`"
    return "`make test`" if name == "make-test" else f"`crm bench {name}`"


def evaluate(
    measured: Measured, profile: str, runs: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Every target with its result and whether its ceiling and its goal hold. A figure of
    two parts holds only when both do; one not measured holds neither (None) and says why."""
    rows = []
    for target in TARGETS:
        reading = target.read(measured, profile)
        measured_parts = zip(target.bounds, reading.values, strict=True) if reading.values else []
        parts = [
            {
                "unit": bound.unit,
                "ceiling": bound.ceiling,
                "goal": bound.goal,
                "result": value,
                "ceiling_held": value <= bound.ceiling,
                "goal_held": value <= bound.goal,
            }
            for bound, value in measured_parts
        ]
        complete = bool(parts)
        rows.append(
            {
                "figure": target.key,
                "name": target.name,
                "parts": parts,
                "ceiling_held": all(p["ceiling_held"] for p in parts) if complete else None,
                "goal_held": all(p["goal_held"] for p in parts) if complete else None,
                "detail": reading.detail,
                "beside": reading.beside,
                "measured_by": target.measured_by,
                "not_measured": None if complete else _why_not(target, runs),
            }
        )
    return rows


def _why_not(target: Target, runs: Mapping[str, Mapping[str, Any]]) -> str:
    name = target.benchmarks[0]
    outcome = runs.get(name, {}).get("outcome")
    if outcome == "failed":
        return f"{command(name)} failed"
    if outcome is None:
        return f"{command(name)} not run"
    return f"not measured by {command(name)} on this profile"


def _value(value: float, unit: str) -> str:
    return FORMATS[unit].format(value)


def _bounds(target: Target, which: str) -> str:
    return ", ".join(f"{getattr(b, which):g} {b.unit}" for b in target.bounds)


def result_cell(row: Mapping[str, Any]) -> str:
    """The result (each part in its unit, then what it is of) and what is shown beside it."""
    if row["not_measured"]:
        text = f"— ({row['not_measured']})"
    else:
        text = ", ".join(_value(p["result"], p["unit"]) for p in row["parts"])
        text += f" ({row['detail']})" if row["detail"] else ""
    return f"{text}; {row['beside']}" if row["beside"] else text


def _duration(seconds: float) -> str:
    return f"{seconds:,.0f} s" if seconds < 120 else f"{seconds / 60:,.1f} min"


def section(report: Mapping[str, Any]) -> str:
    """The markdown of the "Summary" section: where and what was measured, the figures
    against their ceilings and goals, and how each benchmark went."""
    machine, commit = report["machine"], report["commit"]
    sha = f"`{commit['sha'][:12]}`" if commit["sha"] else "an unknown commit"
    dirty = " with uncommitted changes" if commit["dirty"] else ""
    lines = [
        "## Summary (`crm bench all`)",
        "",
        f"The {report['profile']} profile, measured {report['finished_at'][:10]} on "
        f"{machine['cpus']} cores and {machine['memory_gb']:g} GB ({machine['platform']}, "
        f"Python {machine['python']}), at commit {sha}{dirty}. A ceiling must hold; a goal is "
        "where the project aims (✓ holds, ✗ does not; a figure of two parts holds when both "
        "do). The figures of every benchmark are in `$CRM_DATA_DIR/bench/all.json`.",
        "",
        "| figure | ceiling | goal | result | ceiling held | goal held | measured by |",
        "|---|---|---|---|---|---|---|",
    ]
    targets = {t.key: t for t in TARGETS}
    for row in report["summary"]:
        target = targets[row["figure"]]
        lines.append(
            f"| {row['name']} | {_bounds(target, 'ceiling')} "
            f"| {_bounds(target, 'goal')} | {result_cell(row)} "
            f"| {HELD[row['ceiling_held']]} | {HELD[row['goal_held']]} "
            f"| {row['measured_by']} |"
        )
    lines += [
        "",
        "| benchmark | outcome | wall time | finished (UTC) | commit |",
        "|---|---|---|---|---|",
    ]
    failures = []
    for name, run in report["runs"].items():
        passed = run["outcome"] == "passed"
        outcome = "passed" if passed else f"**failed** (exit {run['exit_code']})"
        lines.append(
            f"| {command(name, run)} | {outcome} | {_duration(run['seconds'])} "
            f"| {run['finished_at'][:16].replace('T', ' ')} | `{(run['commit'] or '?')[:12]}` |"
        )
        said = (run.get("stderr_tail") or run.get("stdout_tail") or []) if not passed else []
        if said:
            failures.append(f"- {command(name, run)}: {said[-1]}")
    if failures:
        lines += ["", "The last line each failed benchmark wrote (errors first):", "", *failures]
    return "\n".join(lines)
