"""The scale curve for people: the plot (PNG) and the "Scale curve" section of
docs/benchmarks.md, both from the figures `crm bench scale` writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crm.bench.knee import Fit

# What each knee is called in the section: the cost and the limit it would pass.
KNEE_TEXTS = {
    "full_refresh": "the full refresh would pass its {limit_min:g} min window",
    "incremental_refresh": "an incremental refresh would pass its {limit_min:g} min interval",
    "peak_memory": "a refresh's peak memory would pass this machine's {limit:g} GB",
}


def _compact(rows: int) -> str:
    for size, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if rows >= size:
            return f"{rows / size:.3g}{unit}"
    return str(rows)


def _fit(found: dict[str, Any]) -> Fit | None:
    return Fit(found["fit"], found["fit_a"], found["fit_b"]) if found["factor"] else None


def plot(figures: dict[str, Any], path: Path) -> None:
    """Seconds (full, incremental) and peak memory against the scale, log-scaled, with the
    limits, the fits out to their knees and the knees marked."""
    from matplotlib.figure import Figure  # no pyplot: no display, no global state

    points, knees = figures["points"], figures["knees"]
    factors = [p["factor"] for p in points]
    near = [k["factor"] for k in knees.values() if k["factor"] and k["factor"] < 16 * factors[-1]]
    xs = [min(factors) / 1.5, max([factors[-1] * 2, *(k * 1.3 for k in near)])]
    steps = [xs[0] * (xs[1] / xs[0]) ** (i / 60) for i in range(61)]
    ticks = [(p["factor"], f"×{p['factor']:g}\n{_compact(p['rows'])}") for p in points]
    rows_per_factor, beyond = points[-1]["rows"] / factors[-1], factors[-1] * 2
    while beyond < xs[1]:  # past the points, the rows in parentheses are the same shape's
        ticks.append((beyond, f"×{beyond:g}\n({_compact(round(beyond * rows_per_factor))})"))
        beyond *= 2
    figure = Figure(figsize=(11, 4.6), dpi=120, layout="constrained")
    time_axes, memory_axes = figure.subplots(1, 2)
    panels = [  # axes, knee, label, colour, unit (seconds are drawn in minutes)
        (time_axes, "full_refresh", "full refresh", "tab:blue", 1 / 60),
        (time_axes, "incremental_refresh", "incremental, 1,000 changes", "tab:green", 1 / 60),
        (memory_axes, "peak_memory", "peak memory of a refresh", "tab:red", 1.0),
    ]
    for axes, name, label, colour, unit in panels:
        found = knees[name]
        measured = [p[found["figure"]] * unit for p in points]
        axes.plot(factors, measured, "o-", color=colour, label=label)
        axes.axhline(found["limit"] * unit, color=colour, linestyle=":", linewidth=1)
        fit = _fit(found)
        if fit is None:
            continue
        fitted = [fit.at(x) * unit for x in steps]
        axes.plot(steps, fitted, "--", color=colour, linewidth=1, label=f"{found['fit']} fit")
        if found["factor"] < xs[1]:
            axes.axvline(found["factor"], color=colour, linestyle="-.", linewidth=1)
            at = (found["factor"], found["limit"] * unit)
            axes.annotate(
                f"×{found['factor']:.3g}",
                at,
                xytext=(4, 4),
                color=colour,
                textcoords="offset points",
            )
    time_axes.set_yscale("log")
    time_axes.set_ylabel("minutes (dotted: the window of each)")
    time_axes.set_title("Refresh time")
    memory_axes.set_ylabel("GB (dotted: this machine's memory)")
    memory_axes.set_title("Peak memory")
    memory_axes.set_ylim(bottom=0)
    for axes in (time_axes, memory_axes):
        axes.set_xscale("log", base=2)
        axes.set_xlim(*xs)
        axes.set_xticks([x for x, _ in ticks], [label for _, label in ticks])
        axes.minorticks_off()
        axes.set_xlabel(f"scale of the {figures['profile']} profile (rows in the store)")
        axes.grid(True, alpha=0.3)
        axes.legend(fontsize="small", loc="upper left")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)


def section(figures: dict[str, Any], image: str) -> str:
    """The markdown of the docs section: how it was measured, the table, the plot, knees."""
    points = figures["points"]
    scales = ", ".join(f"×{p['factor']:g}" for p in points)
    lines = [
        f"## Scale curve (`crm bench scale --profile {figures['profile']}`)",
        "",
        f"The {figures['profile']} profile at {scales} (`crm seed --scale`: reps, managers and "
        "staff, customers, projects, activities and expenses multiplied; the demo accounts and "
        f"the department leaders kept), seed {figures['seed']}, as of {figures['as_of']}; "
        f"measured {figures['measured_at'][:10]} on {figures['cpus']} cores and "
        f"{figures['machine_memory_gb']:g} GB. Refreshes through Dagster as `crm refresh` runs "
        "them, the incremental one after 1,000 changes through the domain commands; peak "
        "memory of the refresh and everything it started; the warehouse is the build files "
        "after the full build; dashboards: the slowest page's p95 of its queries, uncached.",
        "",
        "| scale | rows | full refresh | incremental refresh | peak memory | warehouse "
        "| dashboards p95 |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| ×{p['factor']:g} | {p['rows']:,} | {p['full_refresh_s']:,.1f} s "
        f"| {p['incremental_refresh_s']:,.1f} s | {p['peak_memory_gb']:.1f} GB "
        f"| {p['warehouse_gb']:.2f} GB | {p['dashboards_p95_ms']:,.0f} ms |"
        for p in points
    ]
    lines += ["", f"![Scale curve: refresh time and peak memory against the scale]({image})", ""]
    lines.append(
        "Where the costs would pass their limits, by a straight-line and a power-law fit over "
        "the points (the earlier of the two; x is the scale):"
    )
    lines.append("")
    for name, found in figures["knees"].items():
        what = KNEE_TEXTS[name].format(limit=found["limit"], limit_min=found["limit"] / 60)
        if found["factor"]:
            where = (
                f"at about ×{found['factor']:.3g} ({found['rows']:,} rows; "
                f"{found['fit']} fit, {found['fit_formula']})"
            )
        else:
            where = "nowhere: no fit over the points grows to it"
        lines.append(f"- {what[0].upper()}{what[1:]} {where}.")
    return "\n".join(lines)
