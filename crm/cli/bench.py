"""`crm bench ...`: every benchmark; the figures go to $CRM_DATA_DIR/bench/*.json."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any

import click

from crm.cli.base import friendly_errors, main
from crm.cli.store import profile_option
from ingest.settings import data_dir


@main.group()
def bench() -> None:
    """Benchmarks that record figures to JSON (never timed asserts in tests)."""


def _writes_json(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """What every benchmark command ends with: `--out`, the JSON file its figures go to
    (default bench/<name>.json), and errors told the CLI's way."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        out = click.option(
            "--out", type=click.Path(), help=f"JSON file (default: bench/{name}.json)."
        )
        return out(friendly_errors(fn))

    return decorate


def _docs_option(what: str) -> Callable[[Any], Any]:
    """`--docs`: the Markdown page a benchmark writes its section of."""
    return click.option(
        "--docs",
        type=click.Path(dir_okay=False),
        help=f"Markdown page given {what} (default: docs/benchmarks.md of a source checkout).",
    )


def _echo_lines(lines: Iterable[str]) -> None:
    for line in lines:
        click.echo(line)


def _profile_names(profiles: str) -> list[str]:
    """`--profiles small,large` as a list (blanks dropped)."""
    return [p.strip() for p in profiles.split(",") if p.strip()]


@bench.command("store")
@click.option("--ops", default=2000, show_default=True, help="Commands to time one by one.")
@click.option(
    "--writers",
    default="16",
    show_default=True,
    help="Counts of concurrent writers, comma-separated (e.g. 16,64,256): one run each.",
)
@click.option("--seconds", default=5.0, show_default=True, help="Length of each concurrent run.")
@_writes_json("store")
def bench_store(ops: int, writers: str, seconds: float, out: str | None) -> None:
    """Command latency p50/p95, and per count of concurrent writers their throughput and
    how long each held the store's write lock, on the configured store."""
    from crm.bench.store import run_store_bench

    counts = [int(n) for n in writers.split(",") if n.strip()]
    result = run_store_bench(ops=ops, writers=counts, seconds=seconds, out=out)
    click.echo(result.summary())


@bench.command("signin")
@click.option("--attempts", default=200, show_default=True, help="Wrong-password sign-ins.")
@click.option("--addresses", default=5, show_default=True, help="Addresses they come from.")
@click.option("--writers", default=8, show_default=True, help="Writers working meanwhile.")
@_writes_json("signin")
def bench_signin(attempts: int, addresses: int, writers: int, out: str | None) -> None:
    """Writers' latency quiet and during a flood of wrong passwords; the flood audited and
    throttled, and an admin still signing in from a clean address. Writes bench records
    and sign-in attempts: use a bench store."""
    from crm.bench.signin import bench_admin, run_signin_flood
    from ingest.store.db import get_engine

    admin, password = bench_admin(get_engine())
    result = run_signin_flood(
        admin, password, attempts=attempts, addresses=addresses, writers=writers, out=out
    )
    click.echo(result.summary())


@bench.command("import")
@click.option("--rows", default=100_000, show_default=True, help="Customers in the file.")
@click.option("--chunk-size", default=500, show_default=True, help="Rows per commit.")
@click.option("--writers", default=4, show_default=True, help="Reps saving meanwhile.")
@_writes_json("import")
def bench_import(rows: int, chunk_size: int, writers: int, out: str | None) -> None:
    """Writers' latency quiet and during a large import (p95). Writes bench records and
    the imported customers: use a bench store (or undo the import it names)."""
    from crm.bench.importer import run_import_bench

    result = run_import_bench(rows=rows, chunk_size=chunk_size, writers=writers, out=out)
    click.echo(result.summary())


@bench.command("refresh")
@click.option("--profiles", default="small,large", show_default=True, help="Comma-separated.")
@click.option("--seed", "seed_value", type=int, default=1, show_default=True)
@_writes_json("refresh")
def bench_refresh(profiles: str, seed_value: int, out: str | None) -> None:
    """Full and incremental refresh times, peak memory and the ratio to raw DuckDB time."""
    from crm.bench.refresh import run_refresh_bench

    _echo_lines(run_refresh_bench(_profile_names(profiles), seed_value, out))


@bench.command("scoring")
@_writes_json("scoring")
def bench_scoring(out: str | None) -> None:
    """Deal scoring on the published snapshot: rolling backtest over the last 8 quarters,
    the model against the stage's admin probability and calibrated win rate (Brier, log
    loss, AUC, reliability), the signals that matter, and the time to train and score."""
    from crm.bench.scoring import run_scoring_bench

    _echo_lines(run_scoring_bench(out))


@bench.command("faults")
@click.option("--seed", "seed_value", type=int, help="Replay the random kill moments of a run.")
@_writes_json("faults")
def bench_faults(seed_value: int | None, out: str | None) -> None:
    """Every fault test, long variants included: faults injected and survived. Exit code 1
    when a fault test fails (its whole report is kept beside the figures)."""
    from crm.bench.faults import run_faults_bench

    lines, passed = run_faults_bench(out, seed_value)
    _echo_lines(lines)
    if not passed:
        raise SystemExit(1)


@bench.command("seed")
@click.option("--profiles", default="small,large", show_default=True, help="Comma-separated.")
@click.option("--seed", "seed_value", type=click.IntRange(min=0), default=1, show_default=True)
@_writes_json("seed")
def bench_seed(profiles: str, seed_value: int, out: str | None) -> None:
    """Seed wall time and peak memory per profile, each in a fresh store and child process."""
    from crm.bench.seed import run_seed_bench
    from ingest.seed import PROFILES

    names = _profile_names(profiles)
    unknown = [p for p in names if p not in PROFILES]
    if unknown or not names:
        raise click.BadParameter(f"unknown profile {', '.join(unknown)}", param_hint="--profiles")
    _echo_lines(run_seed_bench(names, seed_value, out))


@bench.command("dashboards")
@profile_option("large")
@click.option("--seed", "seed_value", type=click.IntRange(min=0), default=1, show_default=True)
@click.option(
    "--browser/--no-browser",
    default=True,
    show_default=True,
    help="Also time the first chart of each page in Chromium.",
)
@_writes_json("dashboards")
def bench_dashboards(profile: str, seed_value: int, browser: bool, out: str | None) -> None:
    """Dashboard query p50/p95 per page, speed-up over the store, time to first chart."""
    from crm.bench.dashboards import run_dashboards_bench

    click.echo(f"preparing the {profile} store and warehouse (reused when already built) ...")
    _, lines = run_dashboards_bench(profile, seed_value, out, browser=browser)
    _echo_lines(lines)


def _factors(_ctx: click.Context, _param: click.Parameter, value: str) -> list[float]:
    """`--factors 0.5,1,2,4` as numbers, each a scale `crm seed --scale` takes."""
    from crm.cli.store import scale_option

    try:
        factors = [float(f) for f in value.split(",") if f.strip()]
    except ValueError as error:
        raise click.BadParameter(f"not a list of numbers: {value}") from error
    if not factors:
        raise click.BadParameter("give at least one factor, e.g. 0.5,1,2,4")
    return [scale_option(f) for f in factors]


@bench.command("scale")
@profile_option("large")
@click.option(
    "--factors",
    default="0.5,1,2,4",
    show_default=True,
    callback=_factors,
    help="Scales of the profile to seed and measure, comma-separated (each 0 < F <= 16).",
)
@click.option("--seed", "seed_value", type=click.IntRange(min=0), default=1, show_default=True)
@click.option(
    "--refresh-window",
    type=click.FloatRange(min=0, min_open=True),
    default=30.0,
    show_default=True,
    help="Minutes the nightly full refresh may take: where the curve passes it is a knee.",
)
@_docs_option('the "Scale curve" section, the plot in img/ beside it')
@_writes_json("scale")
def bench_scale(
    profile: str,
    factors: list[float],
    seed_value: int,
    refresh_window: float,
    docs: str | None,
    out: str | None,
) -> None:
    """Full and incremental refresh time, peak memory, warehouse size and dashboards p95 at
    each scale of the profile; a plot, and where this machine's memory or the refresh
    window would no longer hold. Seeds a store per scale under bench/ (kept for reuse)."""
    from pathlib import Path

    from crm.bench.scale import DOCS, run_scale_bench

    click.echo(f"seeding and measuring {profile} at ×{', ×'.join(f'{f:g}' for f in factors)} ...")
    lines = run_scale_bench(
        profile,
        factors,
        seed_value,
        out,
        window_min=refresh_window,
        docs=Path(docs) if docs else DOCS,
    )
    _echo_lines(lines)


@bench.command("load")
@profile_option("small")
@click.option("--seed", "seed_value", type=click.IntRange(min=0), default=1, show_default=True)
@click.option("--seconds", default=300.0, show_default=True, help="Length of the working day.")
@click.option("--import-rows", type=int, help="Rows of the import (small 3,000, large 20,000).")
@_writes_json("load")
def bench_load(
    profile: str, seed_value: int, seconds: float, import_rows: int | None, out: str | None
) -> None:
    """A working day compressed: 16 users, 4 dashboard readers, refreshes back to back and
    a large import at once, on a copy of a seeded store; then exactly-once, reconciliation
    and error checks. Exit code 1 when a check fails."""
    from pathlib import Path

    from crm.bench.load.run import IMPORT_ROWS, lines, prepare, run_load

    path = Path(out) if out else data_dir() / "bench" / "load.json"
    click.echo(f"preparing a copy of the seeded {profile} store (reused when already built) ...")
    folder = prepare(profile, seed_value)
    result = run_load(
        folder,
        seconds=seconds,
        import_rows=import_rows or IMPORT_ROWS[profile],
        out=path.resolve(),
        progress=click.echo,
    )
    _echo_lines(lines(result))
    if not result["ok"]:
        sys.exit(1)


@bench.command("entry")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, exists=True),
    help="Data directory of an already seeded store (its crm.db); default: the configured store.",
)
@click.option("--repeat", default=5, show_default=True, help="Repetitions per interaction.")
@_writes_json("entry")
def bench_entry(data_dir: str | None, repeat: int, out: str | None) -> None:
    """Entry-app page-load and submit times (one Streamlit rerun each); target 1 s.
    Submits write real records: use a bench store."""
    import os
    from pathlib import Path

    if data_dir:
        os.environ["CRM_DATA_DIR"] = str(Path(data_dir).resolve())
        os.environ.setdefault("CRM_STORE_URL", f"sqlite:///{Path(data_dir).resolve() / 'crm.db'}")
    from crm.bench.entry import lines, run_entry_bench

    result = run_entry_bench(repeat=repeat, out=out, progress=click.echo)
    _echo_lines(lines(result))


def _benchmark_names(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> list[str] | None:
    """`--only`/`--skip store,seed` as names of the benchmarks `crm bench all` runs."""
    from crm.bench.all import NAMES

    if value is None:
        return None
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in NAMES]
    if unknown or not names:
        what = f"unknown benchmark {', '.join(unknown)}" if unknown else "no benchmark named"
        raise click.BadParameter(f"{what}; choose from {', '.join(NAMES)}")
    return names


@bench.command("all")
@click.option(
    "--only",
    callback=_benchmark_names,
    help="Run just these, comma-separated (store, seed, refresh, entry, dashboards, load, "
    "faults); the others' figures of the run before stay in the report.",
)
@click.option("--skip", callback=_benchmark_names, help="Run all but these, comma-separated.")
@profile_option(
    "large",
    help="The profile of the benchmarks that take one (seed and refresh also measure small).",
)
@click.option(
    "--make-test/--no-make-test",
    default=True,
    show_default=True,
    help="Also time `make test` in a fresh clone of the commit (install included).",
)
@_docs_option('the "Summary" section, after its intro')
@_writes_json("all")
def bench_all(
    only: list[str] | None,
    skip: list[str] | None,
    profile: str,
    make_test: bool,
    docs: str | None,
    out: str | None,
) -> None:
    """Every benchmark (store, seed, refresh, entry, dashboards, load, faults), each in a
    child process, and `make test`'s wall time; then each target figure against its
    ceiling and goal, with the machine and the commit. Figures of each benchmark go to
    bench/all/, the report to bench/all.json and docs/benchmarks.md. Exit code 1 when a
    benchmark fails (the others still run). Takes hours on the large profile."""
    from pathlib import Path

    from crm.bench.all import NAMES, run_all
    from crm.bench.common import DOCS

    names = [n for n in NAMES if (only is None or n in only) and n not in (skip or [])]
    lines, passed = run_all(
        names,
        profile,
        make_test=make_test,
        out=out,
        docs=Path(docs) if docs else DOCS,
        progress=click.echo,
    )
    _echo_lines(lines)
    if not passed:
        sys.exit(1)
