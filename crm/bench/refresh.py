"""`crm bench refresh`: refresh times and peak memory per profile, and the overhead ratio.

For each profile a store is seeded once in its own data directory under bench/; then:
- a full refresh (`crm refresh --full`, through Dagster) in a child process: wall time per
  step, peak RSS of the refresh and everything it started (dbt and DuckDB included);
- on large, 1,000 changes through the domain commands and an incremental refresh;
- Dagster's overhead: the same kind of refresh with `--direct` (no Dagster), ÷;
- the raw DuckDB time of the same SQL: dbt's compiled SQL of every model, snapshot and
  test, run in dependency order straight on DuckDB over a copy of the extracted raw data.
  ratio = refresh wall time ÷ (raw DuckDB time + extraction time), target ≤ 1.5.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

from crm.bench.common import AS_OF, seeded_store, write_figures
from orchestration.dbt_runner import dbt_args, dbt_env, dbt_executable, marts_path

# The seconds of each step `crm refresh` prints; Dagster's own as "dagster".
STEP = re.compile(
    r"^(extract|build|score|publish|dagster)\s.*\((?:checks and overhead )?([\d.]+) s\)"
)


# Runs `crm ...` and prints, last, the peak RSS (KB) of it and its descendants: measured in
# a wrapper of its own so that earlier children (seeding) do not count.
_MEASURED = (
    "import resource, subprocess, sys;"
    "done = subprocess.run([sys.executable, '-m', 'crm.cli', *sys.argv[1:]]);"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);"
    "sys.exit(done.returncode)"
)


def measured_crm(args: list[str], env: dict[str, str]) -> tuple[str, float, float]:
    """Run `crm ...` in a child; returns output, wall seconds and peak RSS in GB."""
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"crm {' '.join(args)} failed: {done.stderr.strip()[-400:]}")
    *output, peak_kb = done.stdout.strip().splitlines()
    return "\n".join(output), wall, int(peak_kb) / 1024 / 1024


def step_seconds(output: str) -> dict[str, float]:
    """The seconds of each step `crm refresh` printed (extract, build, score, publish,
    dagster)."""
    return {
        m.group(1): float(m.group(2)) for line in output.splitlines() if (m := STEP.match(line))
    }


def slowest_models(warehouse: Path, count: int = 10) -> list[dict[str, Any]]:
    """The `count` models and snapshots of the warehouse's newest dbt run that took longest
    (thread seconds), each with the rows of the table it left (None for a view)."""
    runs = [*warehouse.parent.glob("dagster_dbt/*/run_results.json")]
    runs += [*warehouse.parent.glob("dbt_target/run_results.json")]
    results = json.loads(max(runs, key=lambda p: p.stat().st_mtime).read_text())["results"]
    built = [r for r in results if r["unique_id"].split(".")[0] in ("model", "snapshot")]
    slowest = sorted(built, key=lambda r: r["execution_time"], reverse=True)[:count]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute(f"ATTACH '{marts_path(warehouse)}' AS marts_file (READ_ONLY)")
        # estimated_size is the table's row count as DuckDB keeps it (no scan needed)
        tables = con.execute("select table_name, estimated_size from duckdb_tables()")
        rows = dict(tables.fetchall())
    return [
        {
            "model": (name := r["unique_id"].split(".")[-1]),
            "seconds": round(r["execution_time"], 2),
            "rows": rows.get(name),
        }
        for r in slowest
    ]


def slowest_lines(slowest: list[dict[str, Any]]) -> list[str]:
    return ["  slowest models of the full build:"] + [
        f"    {m['model']:<32} {m['seconds']:>7.2f} s  "
        + ("view" if m["rows"] is None else f"{m['rows']:,} rows")
        for m in slowest
    ]


def prepare_store(profile: str, seed: int, scale: float = 1.0) -> dict[str, str]:
    """A seeded store (the profile `scale` times as big) without a warehouse: each run
    builds its own."""
    name = f"refresh-{profile}" if scale == 1 else f"refresh-{profile}-x{scale:g}"
    folder = seeded_store(name, profile, seed, refreshed=False, scale=scale)
    shutil.rmtree(folder / "warehouse", ignore_errors=True)
    env = {**os.environ, "CRM_DATA_DIR": str(folder)}
    env.pop("CRM_STORE_URL", None)
    return env


def apply_changes(env: dict[str, str], count: int, seed: int = 1) -> int:
    """`count` changes through the domain commands, in a child like a real writer."""
    script = (
        "from crm.bench.change_mix import apply_changes; "
        f"print(apply_changes({count}, seed={seed}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return int(done.stdout.strip().splitlines()[-1])


def raw_duckdb_seconds(warehouse: Path) -> dict[str, float]:
    """Compile everything as a full refresh, then run that SQL directly on a copy of raw."""
    subprocess.run(
        [
            dbt_executable(),
            *dbt_args(["compile"], warehouse, full=True, target_dir="dbt_bench"),
        ],
        env=dbt_env(warehouse, as_of=AS_OF),
        capture_output=True,
        check=True,
    )
    manifest = json.loads((warehouse.parent / "dbt_bench" / "manifest.json").read_text())
    nodes = {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "snapshot", "test") and node.get("compiled_code")
    }
    copy = warehouse.parent / "bench_raw.duckdb"
    copy.unlink(missing_ok=True)
    with duckdb.connect(str(copy)) as con:
        con.execute(f"ATTACH '{warehouse}' AS build (READ_ONLY)")
        con.execute("CREATE SCHEMA raw")
        for (name,) in con.execute(
            "select table_name from duckdb_tables() where database_name = 'build' "
            "and schema_name = 'raw'"
        ).fetchall():
            con.execute(f'CREATE TABLE raw."{name}" AS SELECT * FROM build.raw."{name}"')
        con.execute("DETACH build")
        marts_copy = warehouse.parent / "bench_marts.duckdb"
        marts_copy.unlink(missing_ok=True)
        con.execute(f"ATTACH '{marts_copy}' AS marts_db")
        for schema in ("staging", "intermediate", "snapshots"):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        copy_name = copy.stem
        timings = {"models": 0.0, "tests": 0.0}
        for uid in _dependency_order(nodes):
            node = nodes[uid]
            sql = node["compiled_code"].replace(f'"{warehouse.stem}".', f'"{copy_name}".')
            began = time.perf_counter()
            if node["resource_type"] == "test":
                con.execute(f"select count(*) from ({sql}) as failures").fetchall()
                timings["tests"] += time.perf_counter() - began
                continue
            if node["resource_type"] == "snapshot":
                # a first snapshot run: every row is a current version
                key = node["config"]["unique_key"]
                sql = (
                    f"select *, md5(cast({key} as varchar)) as dbt_scd_id, "
                    "now()::timestamp as dbt_updated_at, now()::timestamp as dbt_valid_from, "
                    f"null::timestamp as dbt_valid_to from ({sql}) as source"
                )
            kind = "VIEW" if node["config"].get("materialized") == "view" else "TABLE"
            database = copy_name if node["database"] == warehouse.stem else node["database"]
            target = f'"{database}"."{node["schema"]}"."{node["alias"]}"'
            con.execute(f"CREATE OR REPLACE {kind} {target} AS {sql}")
            timings["models"] += time.perf_counter() - began
    copy.unlink(missing_ok=True)
    marts_copy.unlink(missing_ok=True)
    return timings


def _dependency_order(nodes: dict[str, Any]) -> list[str]:
    done: list[str] = []
    seen: set[str] = set()

    def visit(uid: str) -> None:
        if uid in seen or uid not in nodes:
            return
        seen.add(uid)
        for parent in nodes[uid]["depends_on"]["nodes"]:
            visit(parent)
        done.append(uid)

    for uid in sorted(nodes, key=lambda u: nodes[u]["resource_type"] == "test"):
        visit(uid)
    return done


def bench_profile(profile: str, seed: int) -> dict[str, Any]:
    """Refreshes run as users run them: `crm refresh`, through Dagster. The same refresh
    without Dagster (`--direct`) gives Dagster's overhead: on small, a second full refresh;
    on large, an incremental refresh of another 1,000 changes."""
    env = prepare_store(profile, seed)
    warehouse = Path(env["CRM_DATA_DIR"]) / "warehouse" / "build.duckdb"
    output, wall, peak = measured_crm(["refresh", "--full", "--as-of", AS_OF], env)
    steps = step_seconds(output)
    slowest = slowest_models(warehouse)
    raw = raw_duckdb_seconds(warehouse)
    result: dict[str, Any] = {
        "full_refresh_s": round(wall, 2),
        "steps_s": steps,
        "slowest_models": slowest,
        "peak_memory_gb": round(peak, 2),  # the most of any refresh below; the full one's next
        "full_peak_memory_gb": round(peak, 2),
        "raw_duckdb_s": {k: round(v, 2) for k, v in raw.items()},
        "ratio_to_raw_duckdb_plus_extract": round(
            wall / (raw["models"] + raw["tests"] + steps.get("extract", 0.0)), 2
        ),
    }
    if profile == "large":
        changed = apply_changes(env, 1000)
        output, wall, peak = measured_crm(["refresh", "--as-of", AS_OF], env)
        result["incremental_refresh_s"] = round(wall, 2)
        result["incremental_changes"] = changed
        result["incremental_steps_s"] = step_seconds(output)
        result["peak_memory_gb"] = round(max(result["peak_memory_gb"], peak), 2)
        apply_changes(env, 1000, seed=2)
        _output, direct, _peak = measured_crm(["refresh", "--direct", "--as-of", AS_OF], env)
        result["incremental_refresh_direct_s"] = round(direct, 2)
        result["dagster_overhead"] = round(wall / direct, 2)
    else:
        _output, direct, _peak = measured_crm(
            ["refresh", "--full", "--direct", "--as-of", AS_OF], env
        )
        result["full_refresh_direct_s"] = round(direct, 2)
        result["dagster_overhead"] = round(result["full_refresh_s"] / direct, 2)
    return result


def run_refresh_bench(profiles: list[str], seed: int, out: str | None) -> list[str]:
    figures: dict[str, Any] = {"measured_at": dt.datetime.now(dt.UTC).isoformat(), "seed": seed}
    lines = []
    for profile in profiles:
        result = bench_profile(profile, seed)
        figures[profile] = result
        line = (
            f"{profile}: full refresh {result['full_refresh_s']} s "
            f"(peak {result['peak_memory_gb']} GB), "
            f"ratio to raw DuckDB + extract {result['ratio_to_raw_duckdb_plus_extract']}"
        )
        if "incremental_refresh_s" in result:
            line += f", incremental ({result['incremental_changes']} changes) "
            line += f"{result['incremental_refresh_s']} s"
        line += f", Dagster overhead ×{result['dagster_overhead']}"
        lines.append(line)
        lines += slowest_lines(result["slowest_models"])
    path = write_figures(out, "refresh", figures, indent=2)
    lines.append(f"figures written to {path}")
    return lines
