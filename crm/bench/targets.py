"""The figures the benchmarks answer to, each with its ceiling (it must hold) and its goal
(where the project aims), for the large profile on a 2-core machine; and where in the
benchmarks' JSON each is read. `crm bench all` weighs them (crm/bench/all_report.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# The JSON each benchmark wrote, by benchmark name ("make-test" for `make test`'s time).
Measured = Mapping[str, Any]


@dataclass(frozen=True)
class Bound:
    """One quantity of a figure (a figure may have two, e.g. time and memory)."""

    unit: str  # "s", "ms", "GB", "min"
    ceiling: float
    goal: float


@dataclass(frozen=True)
class Reading:
    """What the benchmarks measured for a figure: a value per bound, in its unit (none when
    they did not measure it), what the value is of, and a related value shown beside it."""

    values: tuple[float, ...] = ()
    detail: str = ""
    beside: str = ""


@dataclass(frozen=True)
class Target:
    key: str
    name: str
    bounds: tuple[Bound, ...]
    benchmarks: tuple[str, ...]  # whose JSON it reads, the one measuring it first
    measured_by: str
    read: Callable[[Measured, str], Reading]  # (the JSON, the profile) → the reading


def dig(value: Any, *path: str) -> Any:
    """`value[path[0]][path[1]]...`, or None where a key is missing."""
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def _slowest(rows: Mapping[str, float]) -> tuple[str, float] | None:
    return max(rows.items(), key=lambda row: row[1]) if rows else None


def _refresh_lag(measured: Measured, _profile: str) -> Reading:
    lag = dig(measured, "load", "refresh_lag_s")
    if not lag or not lag["seen"]:  # no sampled entry reached the dashboards: no figure
        return Reading()
    return Reading((lag["p95"],), f"{lag['seen']:,} of {lag['samples']:,} entries seen")


def _incremental_refresh(measured: Measured, profile: str) -> Reading:
    refresh = dig(measured, "refresh", profile)
    if dig(refresh, "incremental_refresh_s") is None:  # measured on the large profile only
        return Reading()
    changes = refresh["incremental_changes"]
    return Reading((refresh["incremental_refresh_s"],), f"after {changes:,} changes")


def _full_refresh(measured: Measured, profile: str) -> Reading:
    refresh = dig(measured, "refresh", profile)
    if refresh is None:
        return Reading()
    return Reading((refresh["full_refresh_s"], refresh["full_peak_memory_gb"]))


def _extraction(measured: Measured, profile: str) -> Reading:
    seconds = dig(measured, "refresh", profile, "steps_s", "extract")
    return Reading() if seconds is None else Reading((seconds,))


def _dashboards(measured: Measured, _profile: str) -> Reading:
    pages = dig(measured, "dashboards", "pages") or {}
    slowest = _slowest({page: row["page_p95_ms"] for page, row in pages.items()})
    return Reading() if slowest is None else Reading((slowest[1],), f"the {slowest[0]} page")


def _entry_app(measured: Measured, _profile: str) -> Reading:
    """Under load, the slowest of the entry pages' loads and submits as the load bench's
    users make them; beside it, the slowest interaction of the app measured quietly."""
    interactions = dig(measured, "entry", "interactions") or {}
    quiet = _slowest({name: row["p95_ms"] for name, row in interactions.items()})
    beside = f"quiet: {quiet[1]:,.0f} ms ({quiet[0]})" if quiet else ""
    load = dig(measured, "load") or {}
    slowest = _slowest(
        {
            **{f"load {page}": row["p95"] for page, row in load.get("page_ms", {}).items()},
            **{f"submit {cmd}": row["p95"] for cmd, row in load.get("command_ms", {}).items()},
        }
    )
    if slowest is None:
        return Reading(beside=beside)
    return Reading((slowest[1],), slowest[0], beside)


def _make_test(measured: Measured, _profile: str) -> Reading:
    seconds = dig(measured, "make-test", "seconds")
    return Reading() if seconds is None else Reading((seconds / 60,))


TARGETS = (
    Target(
        "refresh_lag",
        "entry committed → visible on the dashboards, p95 under load",
        (Bound("s", 60, 15),),
        ("load",),
        "`crm bench load`: a sampled entry's commit → the first dashboard reader to find it",
        _refresh_lag,
    ),
    Target(
        "incremental_refresh",
        "incremental refresh, 1,000 changes, through Dagster",
        (Bound("s", 12, 5),),
        ("refresh",),
        "`crm bench refresh`: wall time of an incremental `crm refresh`, the changes made "
        "through the domain commands",
        _incremental_refresh,
    ),
    Target(
        "full_refresh",
        "full refresh, through Dagster: time, peak memory",
        (Bound("s", 75, 45), Bound("GB", 4, 3)),
        ("refresh",),
        "`crm bench refresh`: wall time of `crm refresh --full`, peak memory of it and all "
        "it started",
        _full_refresh,
    ),
    Target(
        "full_extraction",
        "full extraction (≈ 25M rows from SQLite)",
        (Bound("s", 25, 15),),
        ("refresh",),
        "`crm bench refresh`: the extract step of the full refresh",
        _extraction,
    ),
    Target(
        "dashboards",
        "dashboards: every page's uncached queries together, p95, all four scenarios",
        (Bound("ms", 150, 60),),
        ("dashboards",),
        "`crm bench dashboards`: the slowest page",
        _dashboards,
    ),
    Target(
        "entry_app",
        "entry app: any page load or submit, p95, while refreshes run",
        (Bound("ms", 300, 150),),
        ("load", "entry"),
        "`crm bench load`: each page's queries and each submit's command as its users make "
        "them; quiet: `crm bench entry`, one Streamlit run each",
        _entry_app,
    ),
    Target(
        "make_test",
        "`make test` wall time (fresh clone, install included)",
        (Bound("min", 12, 6),),
        ("make-test",),
        "`make test` in a fresh clone of the commit",
        _make_test,
    ),
)
