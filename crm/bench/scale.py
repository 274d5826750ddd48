"""`crm bench scale`: what the refresh and the dashboards cost as the company grows, and the
size at which this machine's memory or the refresh window would no longer hold.

At each factor the profile is seeded that many times as big (`crm seed --scale`, same
shape; each store cached under bench/ like the refresh bench's), then, as
`crm bench refresh` and `crm bench dashboards` measure them: a full refresh through
Dagster (wall time, peak memory), the warehouse's size on disk (build and marts files),
1,000 changes through the domain commands and an incremental refresh, and every
dashboard page's queries uncached (p95 of the slowest page). The figures go to
bench/scale.json; the plot and a "Scale curve" section with the knees (crm/bench/knee.py)
to the documentation.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from crm.bench.common import AS_OF, DOCS, machine_memory_gb, write_docs_section, write_figures
from crm.bench.dashboards import reading, scenarios, time_pages
from crm.bench.knee import knee
from crm.bench.refresh import (
    apply_changes,
    measured_crm,
    prepare_store,
    slowest_lines,
    slowest_models,
    step_seconds,
)
from crm.bench.scale_report import plot, section
from ingest.store.models import ENTITY_TABLES
from orchestration.dbt_runner import marts_path
from orchestration.defs.assets import dbt_project, prepare_manifest

CHANGES = 1000  # as crm bench refresh's incremental refresh
# No setting bounds the nightly full refresh (CRM_FULL_CRON only starts it, at 02:00): its
# window is stated, 30 minutes unless --refresh-window says otherwise. The incremental
# refresh has its schedule's interval (CRM_INCREMENTAL_CRON, every 15 minutes).
REFRESH_WINDOW_MIN = 30.0
INCREMENTAL_WINDOW_MIN = 15.0
SECTION = "scale-curve"
IMAGE = "img/scale_curve.png"  # beside the docs page


def store_rows(folder: Path) -> int:
    """Rows in the tables the refresh extracts."""
    engine = create_engine(f"sqlite:///{folder / 'crm.db'}")
    try:
        with engine.connect() as conn:
            return sum(
                conn.execute(text(f'select count(*) from "{table.name}"')).scalar_one()
                for table in ENTITY_TABLES
            )
    finally:
        engine.dispose()


def warehouse_gb(folder: Path) -> float:
    """The build files on disk (with their write-ahead logs), not the published snapshots."""
    build = folder / "warehouse" / "build.duckdb"
    files = [build, marts_path(build)]
    files += [f.with_name(f.name + ".wal") for f in files]
    return sum(f.stat().st_size for f in files if f.exists()) / 1024**3


def bench_factor(profile: str, seed: int, factor: float) -> dict[str, Any]:
    env = prepare_store(profile, seed, factor)
    folder = Path(env["CRM_DATA_DIR"])
    rows = store_rows(folder)
    output, full, full_peak = measured_crm(["refresh", "--full", "--as-of", AS_OF], env)
    size = warehouse_gb(folder)  # as a full build leaves it; incremental builds add to it
    slowest = slowest_models(folder / "warehouse" / "build.duckdb")
    changed = apply_changes(env, CHANGES)
    inc_output, incremental, inc_peak = measured_crm(["refresh", "--as-of", AS_OF], env)
    with reading(folder) as engine:
        pages = time_pages(scenarios(engine))
    # The store stays cached for the next run; its warehouse (snapshots included, 10 GB at
    # 4x) is not needed again, and keeping every factor's would not fit beside the stores.
    shutil.rmtree(folder / "warehouse")
    page_p95 = {page: r["page_p95_ms"] for page, r in pages.items()}
    return {
        "factor": factor,
        "rows": rows,
        "full_refresh_s": round(full, 2),
        "full_steps_s": step_seconds(output),
        "slowest_models": slowest,
        "incremental_refresh_s": round(incremental, 2),
        "incremental_changes": changed,
        "incremental_steps_s": step_seconds(inc_output),
        "peak_memory_gb": round(max(full_peak, inc_peak), 2),
        "full_peak_memory_gb": round(full_peak, 2),
        "incremental_peak_memory_gb": round(inc_peak, 2),
        "warehouse_gb": round(size, 3),
        "dashboards_p95_ms": max(page_p95.values()),
        "dashboards_page_p95_ms": page_p95,
    }


def knees(points: list[dict[str, Any]], memory_gb: float, window_min: float) -> dict[str, Any]:
    """Per limit: the factor (and rows) at which the fits over the points reach it."""
    factors = [p["factor"] for p in points]
    rows_per_factor = sum(p["rows"] / p["factor"] for p in points) / len(points)
    limits = {
        "full_refresh": ("full_refresh_s", window_min * 60),
        "incremental_refresh": ("incremental_refresh_s", INCREMENTAL_WINDOW_MIN * 60),
        "peak_memory": ("peak_memory_gb", memory_gb),
    }
    out: dict[str, Any] = {}
    for name, (figure, limit) in limits.items():
        found = knee(factors, [p[figure] for p in points], limit)
        out[name] = {
            "figure": figure,
            "limit": round(limit, 2),
            "factor": round(found.size, 2) if found else None,
            "rows": round(found.size * rows_per_factor) if found else None,
            "fit": found.fit.kind if found else None,
            "fit_a": found.fit.a if found else None,
            "fit_b": found.fit.b if found else None,
            "fit_formula": found.fit.describe() if found else None,
        }
    return out


def run_scale_bench(
    profile: str,
    factors: list[float],
    seed: int,
    out: str | None,
    *,
    window_min: float = REFRESH_WINDOW_MIN,
    docs: Path | None = DOCS,
) -> list[str]:
    """Every factor in turn (smallest first); the figures as JSON, the plot as PNG and,
    when `docs` exists, its "Scale curve" section (the plot beside it, in img/)."""
    prepare_manifest(dbt_project())  # a stale dbt parse is paid here, not by the first point
    points, lines = [], []
    for factor in sorted(set(factors)):
        point = bench_factor(profile, seed, factor)
        points.append(point)
        lines.append(
            f"×{factor:g} ({point['rows']:,} rows): full refresh {point['full_refresh_s']} s, "
            f"incremental {point['incremental_refresh_s']} s, peak {point['peak_memory_gb']} GB, "
            f"warehouse {point['warehouse_gb']} GB, dashboards p95 {point['dashboards_p95_ms']} ms"
        )
        lines += slowest_lines(point["slowest_models"])
    memory = machine_memory_gb()
    figures: dict[str, Any] = {
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "profile": profile,
        "seed": seed,
        "as_of": AS_OF,
        "cpus": os.cpu_count(),
        "machine_memory_gb": round(memory, 1),
        "refresh_window_min": window_min,
        "incremental_window_min": INCREMENTAL_WINDOW_MIN,
        "points": points,
        "knees": knees(points, memory, window_min),
    }
    path = write_figures(out, "scale", figures, indent=2)
    with_docs = docs is not None and docs.exists()
    image = docs.parent / IMAGE if with_docs else path.with_suffix(".png")
    plot(figures, image)
    for found in figures["knees"].values():
        if found["factor"]:
            where = f"reaches {found['limit']:g} at ×{found['factor']:g} ({found['fit']} fit)"
        else:
            where = f"never reaches {found['limit']:g} on the fits"
        lines.append(f"{found['figure']} {where}")
    lines += [f"figures written to {path}", f"plot written to {image}"]
    if with_docs:
        write_docs_section(docs, SECTION, section(figures, IMAGE))
        lines.append(f'section "Scale curve" written to {docs}')
    return lines
