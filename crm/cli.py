"""The `crm` command line. Errors print as one line plus where to find the details."""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from typing import Any

import click
from sqlalchemy import select

from ingest.commands.base import ROLES, CommandError
from ingest.logs import log_path
from ingest.settings import data_dir, store_url

log = logging.getLogger("crm")


def _log_file() -> str:
    return str(log_path("crm.log"))


def friendly_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Known refusals as one line; anything unexpected as one line + the log's path."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except CommandError as error:
            for field, message in error.texts("en").items():
                click.echo(f"error: {field}: {message}", err=True)
            sys.exit(2)
        except click.ClickException:
            raise
        except Exception as error:
            details = logging.FileHandler(_log_file(), encoding="utf-8")
            log.addHandler(details)
            try:
                log.exception("crm %s failed", fn.__name__)
            finally:
                log.removeHandler(details)
                details.close()
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            click.echo(
                f"error: {type(error).__name__}: {first[:300]} (details: {_log_file()})", err=True
            )
            sys.exit(1)

    return run


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """CRM analytics warehouse: operational store, warehouse refresh and apps."""


@main.command()
@friendly_errors
def init() -> None:
    """Create or upgrade the operational store and load the reference data."""
    from ingest.store.setup import init_store

    added = init_store()
    click.echo(f"store ready at {_redacted(store_url())}; {added} reference rows added")


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# --- warehouse ---------------------------------------------------------------------------


@main.command()
@click.option("--full", is_flag=True, help="Re-extract everything and rebuild every model.")
@click.option(
    "--as-of",
    callback=lambda _ctx, _param, value: _as_of_date(value),
    help="Describe the warehouse as of this date (YYYY-MM-DD).",
)
@click.option(
    "--direct",
    is_flag=True,
    help="Run the steps without Dagster (no run recorded; for measuring Dagster's overhead).",
)
@friendly_errors
def refresh(full: bool, as_of: Any, direct: bool) -> None:
    """Extract the store, build the dbt models and publish a new snapshot.

    Runs the refresh job through Dagster (recorded under DAGSTER_HOME, visible in the UI)."""
    if direct:
        from orchestration.refresh import run_refresh

        summary = run_refresh(full=full, as_of=as_of)
    else:
        from orchestration.dagster_refresh import run_refresh_job

        summary = run_refresh_job(full=full, as_of=as_of)
    for line in summary.lines():
        click.echo(line)


def _as_of_date(value: str | None) -> Any:
    from orchestration.as_of import BadAsOfDate, parse_as_of

    try:
        return parse_as_of(value)
    except BadAsOfDate as error:
        raise click.BadParameter(str(error)) from None


@main.command()
@friendly_errors
def serve() -> None:
    """Start the apps, the Dagster UI and the dbt docs; print every URL."""
    from crm.serve import serve as run_servers

    run_servers()


@main.command()
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv")
@friendly_errors
def sql(query: str, fmt: str) -> None:
    """Run a read-only query on the latest published snapshot."""
    from crm.query_cli import QueryFailed, run_query

    try:
        click.echo(run_query(query, fmt), nl=False)
    except QueryFailed as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)


@main.command()
@click.argument("name", metavar="NAME")
@click.option(
    "--period",
    help="YYYY, YYYY-Qn, YYYY-MM, YYYY-MM-DD or FROM..TO (e.g. 2026-01..2026-06); default: all "
    "dates (the forecast: from the data's month on).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["xlsx", "pdf"]), default="xlsx", show_default=True
)
@click.option("--rep", help="Only this rep's records: a username, display name or id.")
@click.option("--region", help="Only this region: a code (north_china) or a name (华北).")
@click.option("--industry", help="Only this industry: a code (power) or a name (电力).")
@click.option(
    "--out", type=click.Path(dir_okay=False), help="File to write (default: NAME_DATE.FMT)."
)
@click.option("--lang", type=click.Choice(["zh_CN", "en"]), default="zh_CN", show_default=True)
@click.option(
    "--as", "as_user", metavar="USERNAME", help="Only what this user may see (default: all)."
)
@friendly_errors
def report(
    name: str,
    period: str | None,
    fmt: str,
    rep: str | None,
    region: str | None,
    industry: str | None,
    out: str | None,
    lang: str,
    as_user: str | None,
) -> None:
    """Write one of the survey's reports from the published snapshot: sales-forecast
    (销售预测报表), project-costs (项目费用报表) or customer-costs (客户费用表), as a
    formatted Excel workbook or a print-ready PDF."""
    from pathlib import Path

    from dashboards.reports.catalog import UnknownReport, build_report, report_name
    from dashboards.reports.files import file_name, render
    from dashboards.reports.options import BadOption, Typed, filters_from
    from ingest.commands.base import SYSTEM
    from orchestration.snapshots import NoSnapshot
    from warehouse.scope import NotAllowed

    try:
        key = report_name(name)
    except UnknownReport as error:
        raise click.BadParameter(str(error), param_hint="NAME") from None
    target = Path(out) if out else None
    if target is not None and not target.parent.is_dir():
        raise click.BadParameter(
            f"folder {str(target.parent)!r} does not exist", param_hint="--out"
        )
    try:
        filters = filters_from(Typed(period=period, rep=rep, region=region, industry=industry))
        actor = _report_actor(as_user) if as_user else SYSTEM
        built = build_report(key, filters, actor, lang)
    except BadOption as error:
        raise click.BadParameter(str(error), param_hint=error.option) from None
    except NotAllowed as error:
        raise click.ClickException(f"{error}, nor have its report") from None
    except NoSnapshot as error:
        raise click.ClickException(str(error)) from None
    data = render(built, fmt)
    target = target or Path(file_name(built.name, built.as_of, fmt))
    partial = target.with_name(f".{target.name}.part")
    partial.write_bytes(data)
    partial.replace(target)  # a file appears whole or not at all
    rows = sum(len(table.rows) for table in built.tables)
    click.echo(f"{built.title}: {target} ({len(data):,} bytes, {rows:,} rows)")


def _report_actor(username: str) -> Any:
    """The user whose rights a report is read with (`--as`)."""
    from ingest.commands.base import Actor
    from ingest.store.db import read_session
    from ingest.store.models import User

    with read_session() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None or not user.is_active:
            raise click.BadParameter(
                f"no active user named {username!r} (see `crm user list`)", param_hint="--as"
            )
        return Actor(
            id=user.id,
            role=user.role,
            department_id=user.department_id,
            manager_id=user.manager_id,
            username=user.username,
        )


# --- backup, restore, retention -----------------------------------------------------------


@main.command()
@click.argument("folder", type=click.Path(file_okay=False))
@friendly_errors
def backup(folder: str) -> None:
    """Back up the store and the published snapshot into a new FOLDER/crm-<time>/, while
    people keep working (manifest with sizes, checksums and the change number)."""
    from pathlib import Path

    from orchestration.backup import BackupError, create_backup

    try:
        made = create_backup(Path(folder).resolve())
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    manifest = json.loads((made / "manifest.json").read_text())
    click.echo(f"backup {made}: store at change {manifest['store']['change_seq']}")


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, exists=True))
@click.option("--force", is_flag=True, help="Restore even over a store with newer data.")
@friendly_errors
def restore(folder: str, force: bool) -> None:
    """Bring a stopped installation back to the backup in FOLDER (checksums verified first)."""
    from pathlib import Path

    from orchestration.backup import BackupError
    from orchestration.restore import restore_backup

    try:
        restored = restore_backup(Path(folder).resolve(), force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    for line in restored.lines():
        click.echo(line)


@main.command()
@click.option("--dry-run", is_flag=True, help="Count what would be removed; remove nothing.")
@friendly_errors
def prune(dry_run: bool) -> None:
    """Remove what outlived its retention period (CRM_RETAIN_*, CRM_KEEP_SNAPSHOTS)."""
    from orchestration.retention import prune_all

    for line in prune_all(dry_run=dry_run).lines():
        click.echo(line)


# --- users -------------------------------------------------------------------------------


@main.group()
def user() -> None:
    """Manage accounts: add, list, disable, set-password."""


@user.command("add")
@click.argument("username")
@click.option("--name", "display_name", help="Display name (defaults to the username).")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--department", help="Department code, e.g. north.")
@click.option("--region", help="Region code, e.g. north_china.")
@click.option("--manager", help="Username of the manager.")
@click.option("--locale", type=click.Choice(["zh_CN", "en"]), default="zh_CN")
@click.option("--industry", "industries", multiple=True, help="Industry code covered (repeat).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@friendly_errors
def user_add(username: str, display_name: str | None, manager: str | None, **fields: Any) -> None:
    """Add an account."""
    from ingest.commands.users import UserInput, add_user

    manager_id = _user_id(manager) if manager else None
    user_id = add_user(
        None,
        None,
        UserInput(
            username=username,
            display_name=display_name or username,
            manager_id=manager_id,
            industries=list(fields.pop("industries")),
            **fields,
        ),
        source="cli",
    )
    click.echo(f"added user {username} (id {user_id})")


@user.command("list")
@friendly_errors
def user_list() -> None:
    """List accounts as CSV."""
    from ingest.store.db import read_session
    from ingest.store.models import Department, User

    with read_session() as session:
        rows = session.execute(
            select(User.id, User.username, User.display_name, User.role, Department.code)
            .outerjoin(Department, Department.id == User.department_id)
            .add_columns(User.is_active)
            .order_by(User.id)
        ).all()
    click.echo("id,username,display_name,role,department,active")
    for row in rows:
        click.echo(",".join("" if v is None else str(v) for v in row))


@user.command("disable")
@click.argument("username")
@friendly_errors
def user_disable(username: str) -> None:
    """Disable an account (it stays in the history)."""
    from ingest.commands.users import disable_user

    disable_user(None, None, _user_id(username), source="cli")
    click.echo(f"disabled {username}")


@user.command("set-password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@friendly_errors
def user_set_password(username: str, password: str) -> None:
    """Give a user a temporary password, which they replace at their next sign-in (their
    sessions end)."""
    from ingest.commands.users import set_password

    set_password(None, None, _user_id(username), password, source="cli")
    click.echo(f"temporary password set for {username}: they choose their own at next sign-in")


@user.command("demo")
@friendly_errors
def user_demo() -> None:
    """Create one demo account per role (password printed)."""
    from ingest.demo_accounts import DEMO_PASSWORD, ensure_demo_accounts

    click.echo(f"demo accounts (first password {DEMO_PASSWORD}, changed at the first sign-in):")
    for username, role, name in ensure_demo_accounts():
        click.echo(f"  {username:<9} {role:<16} {name}")


def _user_id(username: str) -> int:
    from ingest.store.db import read_session
    from ingest.store.models import User

    with read_session() as session:
        user_id = session.scalar(select(User.id).where(User.username == username))
    if user_id is None:
        raise click.ClickException(f"no user named {username!r} (see `crm user list`)")
    return user_id


# --- demo data ----------------------------------------------------------------------------


@main.command()
@click.option(
    "--profile",
    type=click.Choice(["tiny", "small", "large"]),
    metavar="small|large",
    default="small",
    show_default=True,
    help="small (≈6k projects) or large (≈1M projects).",
)
@click.option(
    "--seed",
    "seed_value",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Random seed; the same seed and --as-of give the same data.",
)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Last day of the history, YYYY-MM-DD (default: today).",
)
@friendly_errors
def seed(profile: str, seed_value: int, as_of: Any) -> None:
    """Fill the store with three years of realistic demo data (deterministic per seed)."""
    from ingest.seed import SeedError, seed_store
    from ingest.store.db import get_engine

    try:
        engine = get_engine()
        result = seed_store(engine, profile, seed_value, as_of.date() if as_of else None)
    except SeedError as error:
        raise click.ClickException(str(error)) from error
    click.echo(result.summary())


# --- import -------------------------------------------------------------------------------


@main.command("import")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False),
    help="YAML mapping of source columns and values (see docs/import.md); required with FILE.",
)
@click.option(
    "--chunk-size",
    type=click.IntRange(min=1),
    help="Rows committed at a time (default: CRM_IMPORT_CHUNK_SIZE, 500).",
)
@click.option("--resume", type=int, metavar="IMPORT_ID", help="Continue this unfinished import.")
@click.option("--undo", type=int, metavar="IMPORT_ID", help="Take this whole import back.")
@click.option(
    "--keep-edited",
    is_flag=True,
    help="With --undo: keep rows changed since the import as they are; undo the rest.",
)
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@click.option("--partial", is_flag=True, help="Import the good rows; write the bad ones to CSV.")
@click.option("--rejects", type=click.Path(dir_okay=False), help="Rejected rows CSV path.")
@click.option("--encoding", help="CSV encoding, e.g. gb18030 (default: detected).")
@click.option("--as", "as_user", metavar="USERNAME", help="Import as this data steward or admin.")
@click.option(
    "--lang",
    type=click.Choice(["zh_CN", "en"]),
    default="zh_CN",
    show_default=True,
    help="Language of the report.",
)
@friendly_errors
def import_command(
    file: str | None,
    mapping: str | None,
    chunk_size: int | None,
    resume: int | None,
    undo: int | None,
    keep_edited: bool,
    dry_run: bool,
    partial: bool,
    rejects: str | None,
    encoding: str | None,
    as_user: str | None,
    lang: str,
) -> None:
    """Import customers, contacts, users, products, projects, stage history, expenses or
    activities from a CSV or Excel file, committed in chunks. All or nothing unless
    --partial; exit code 0 when every row was imported, 1 when rows were rejected, 2 when
    the import could not start (mapping file, unreadable file, missing column, no
    permission, too large). A killed import resumes when run again; --undo takes one back."""
    from ingest.importer import import_file

    actor_id = _user_id(as_user) if as_user else None
    if undo is not None:
        if file or resume is not None or dry_run:
            raise click.UsageError("--undo IMPORT_ID takes no FILE, --resume or --dry-run")
        _undo_import(undo, actor_id, chunk_size, lang, keep_edited=keep_edited)
        return
    if not file or not mapping:
        raise click.UsageError("give FILE and --mapping (or --undo IMPORT_ID)")
    progress, stop = _progress("import")
    try:
        report = import_file(
            file,
            mapping,
            actor_id=actor_id,
            dry_run=dry_run,
            partial=partial,
            rejects=rejects,
            encoding=encoding,
            locale=lang,
            progress=progress,
            chunk_size=chunk_size,
            resume=resume,
        )
    finally:
        stop()
    click.echo(report.text(lang))
    if report.exit_code:
        sys.exit(report.exit_code)


def _undo_import(
    import_id: int, actor_id: int | None, chunk_size: int | None, lang: str, *, keep_edited: bool
) -> None:
    from ingest.importer.ledger import get_run
    from ingest.importer.undo import TABLE_KINDS, undo_import
    from ingest.messages import Message

    kept: list[tuple[str, str]] = []
    rows = undo_import(
        import_id, actor_id=actor_id, chunk_size=chunk_size, kept=kept, keep_edited=keep_edited
    )
    run = get_run(None, import_id)
    name = run.file_name if run else "?"
    click.echo(Message("import_undone", {"id": import_id, "file": name, "rows": rows}).text(lang))
    for table, code in kept:
        kind = Message(f"reference_kind_{TABLE_KINDS.get(table, table)}")
        click.echo(Message("import_undo_kept_reference", {"kind": kind, "code": code}).text(lang))


def _progress(label: str) -> tuple[Callable[[int], None] | None, Callable[[], None]]:
    """A row counter on stderr when a person is watching; nothing in pipes and tests.
    Returns the callback to report rows with and the function that ends the display."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn

    bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), console=Console(stderr=True))
    task = bar.add_task(label)
    bar.start()
    return lambda rows: bar.update(task, description=f"{label}: {rows:,} rows"), bar.stop


@main.group("sales-mode")
def sales_mode() -> None:
    """Sales modes (pipelines) and their stages."""


@sales_mode.command("add")
@click.argument("code", required=False)
@click.option("--name-zh", help="Chinese name.")
@click.option("--name-en", help="English name.")
@click.option(
    "--stage",
    "stages",
    multiple=True,
    metavar="CODE:中文:ENGLISH[:PROBABILITY[:CATEGORY]]",
    help="A stage, in order (repeat); the last is the won stage (probability 1, closed).",
)
@click.option(
    "--file",
    "from_file",
    type=click.Path(exists=True, dir_okay=False),
    help="YAML with code, name_zh, name_en and stages, or a mapping with a sales_mode block.",
)
@friendly_errors
def sales_mode_add(
    code: str | None,
    name_zh: str | None,
    name_en: str | None,
    stages: tuple[str, ...],
    from_file: str | None,
) -> None:
    """Define a sales mode and its stages, e.g. a foreign pipeline before importing into it."""
    from ingest.importer.mapping import load_sales_mode, sales_mode_from_options
    from ingest.importer.sales_modes import add_sales_mode

    if from_file and (code or stages):
        raise click.UsageError("give either --file or CODE with --stage options")
    if from_file:
        spec = load_sales_mode(from_file)
    else:
        spec = sales_mode_from_options(code, name_zh, name_en, list(stages))
    mode_id = add_sales_mode(None, None, spec, source="cli")
    path = " → ".join(str(stage.code) for stage in spec.stages)
    click.echo(f"added sales mode {spec.code} (id {mode_id}): {path}")


# --- benchmarks ---------------------------------------------------------------------------


@main.group()
def bench() -> None:
    """Benchmarks that record figures to JSON (never timed asserts in tests)."""


@bench.command("store")
@click.option("--ops", default=2000, show_default=True, help="Commands to time one by one.")
@click.option("--threads", default=16, show_default=True, help="Concurrent writers.")
@click.option("--seconds", default=5.0, show_default=True, help="Length of the concurrent run.")
@click.option("--out", type=click.Path(), help="JSON file (default: bench/store.json).")
@friendly_errors
def bench_store(ops: int, threads: int, seconds: float, out: str | None) -> None:
    """Command latency p50/p95 and concurrent-writer throughput on the configured store."""
    from crm.bench.store import run_store_bench

    result = run_store_bench(ops=ops, threads=threads, seconds=seconds, out=out)
    click.echo(result.summary())


@bench.command("signin")
@click.option("--attempts", default=200, show_default=True, help="Wrong-password sign-ins.")
@click.option("--addresses", default=5, show_default=True, help="Addresses they come from.")
@click.option("--writers", default=8, show_default=True, help="Writers working meanwhile.")
@click.option("--out", type=click.Path(), help="JSON file (default: bench/signin.json).")
@friendly_errors
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
@click.option("--out", type=click.Path(), help="JSON file (default: bench/import.json).")
@friendly_errors
def bench_import(rows: int, chunk_size: int, writers: int, out: str | None) -> None:
    """Writers' latency quiet and during a large import (p95). Writes bench records and
    the imported customers: use a bench store (or undo the import it names)."""
    from crm.bench.importer import run_import_bench

    result = run_import_bench(rows=rows, chunk_size=chunk_size, writers=writers, out=out)
    click.echo(result.summary())


@bench.command("refresh")
@click.option("--profiles", default="small,large", show_default=True, help="Comma-separated.")
@click.option("--seed", "seed_value", type=int, default=1, show_default=True)
@click.option("--out", type=click.Path(), help="JSON file (default: bench/refresh.json).")
@friendly_errors
def bench_refresh(profiles: str, seed_value: int, out: str | None) -> None:
    """Full and incremental refresh times, peak memory and the ratio to raw DuckDB time."""
    from crm.bench.refresh import run_refresh_bench

    for line in run_refresh_bench(
        [p.strip() for p in profiles.split(",") if p.strip()], seed_value, out
    ):
        click.echo(line)


@bench.command("scoring")
@click.option("--out", type=click.Path(), help="JSON file (default: bench/scoring.json).")
@friendly_errors
def bench_scoring(out: str | None) -> None:
    """Deal scoring on the published snapshot: rolling backtest over the last 8 quarters,
    the model against the stage's admin probability and calibrated win rate (Brier, log
    loss, AUC, reliability), the signals that matter, and the time to train and score."""
    from crm.bench.scoring import run_scoring_bench

    for line in run_scoring_bench(out):
        click.echo(line)


@bench.command("faults")
@click.option("--seed", "seed_value", type=int, help="Replay the random kill moments of a run.")
@click.option("--out", type=click.Path(), help="JSON file (default: bench/faults.json).")
@friendly_errors
def bench_faults(seed_value: int | None, out: str | None) -> None:
    """Every fault test, long variants included: faults injected and survived. Exit code 1
    when a fault test fails (its whole report is kept beside the figures)."""
    from crm.bench.faults import run_faults_bench

    lines, passed = run_faults_bench(out, seed_value)
    for line in lines:
        click.echo(line)
    if not passed:
        raise SystemExit(1)


@bench.command("seed")
@click.option("--profiles", default="small,large", show_default=True, help="Comma-separated.")
@click.option("--seed", "seed_value", type=click.IntRange(min=0), default=1, show_default=True)
@click.option("--out", type=click.Path(), help="JSON file (default: bench/seed.json).")
@friendly_errors
def bench_seed(profiles: str, seed_value: int, out: str | None) -> None:
    """Seed wall time and peak memory per profile, each in a fresh store and child process."""
    from crm.bench.seed import run_seed_bench
    from ingest.seed import PROFILES

    names = [p.strip() for p in profiles.split(",") if p.strip()]
    unknown = [p for p in names if p not in PROFILES]
    if unknown or not names:
        raise click.BadParameter(f"unknown profile {', '.join(unknown)}", param_hint="--profiles")
    for line in run_seed_bench(names, seed_value, out):
        click.echo(line)


@bench.command("dashboards")
@click.option(
    "--profile", type=click.Choice(["small", "large"]), default="large", show_default=True
)
@click.option("--seed", "seed_value", type=click.IntRange(min=0), default=1, show_default=True)
@click.option(
    "--browser/--no-browser",
    default=True,
    show_default=True,
    help="Also time the first chart of each page in Chromium.",
)
@click.option("--out", type=click.Path(), help="JSON file (default: bench/dashboards.json).")
@friendly_errors
def bench_dashboards(profile: str, seed_value: int, browser: bool, out: str | None) -> None:
    """Dashboard query p50/p95 per page, speed-up over the store, time to first chart."""
    from crm.bench.dashboards import run_dashboards_bench

    click.echo(f"preparing the {profile} store and warehouse (reused when already built) ...")
    _, lines = run_dashboards_bench(profile, seed_value, out, browser=browser)
    for line in lines:
        click.echo(line)


@bench.command("load")
@click.option(
    "--profile", type=click.Choice(["small", "large"]), default="small", show_default=True
)
@click.option("--seed", "seed_value", type=click.IntRange(min=0), default=1, show_default=True)
@click.option("--seconds", default=300.0, show_default=True, help="Length of the working day.")
@click.option("--import-rows", type=int, help="Rows of the import (small 3,000, large 20,000).")
@click.option("--out", type=click.Path(), help="JSON file (default: bench/load.json).")
@friendly_errors
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
    for line in lines(result):
        click.echo(line)
    if not result["ok"]:
        sys.exit(1)


@bench.command("entry")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, exists=True),
    help="Data directory of an already seeded store (its crm.db); default: the configured store.",
)
@click.option("--repeat", default=5, show_default=True, help="Repetitions per interaction.")
@click.option("--out", type=click.Path(), help="JSON file (default: bench/entry.json).")
@friendly_errors
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
    for line in lines(result):
        click.echo(line)


if __name__ == "__main__":
    main()
