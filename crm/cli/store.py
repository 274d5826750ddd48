"""`crm init`, `crm user`, `crm seed`, `crm import`, `crm sales-mode`: the store and what
goes into it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click
from sqlalchemy import select

from crm.cli.base import friendly_errors, main
from ingest.commands.base import ROLES
from ingest.messages import LOCALES
from ingest.settings import store_url


@main.command()
@friendly_errors
def init() -> None:
    """Create or upgrade the operational store and load the reference data."""
    from ingest.store.setup import init_store

    added = init_store()
    click.echo(f"store ready at {_redacted(store_url())}; {added} reference rows added")


def scale_option(value: float, hint: str | None = None) -> float:
    """A scale factor, refused as its option's error (`hint` names it outside a callback)
    before anything is written."""
    from ingest.seed.profiles import check_scale

    try:
        return check_scale(value)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint=hint) from error


def profile_option(default: str, help: str | None = None) -> Callable[[Any], Any]:
    """`--profile`, a seed profile by name. `tiny` (for tests and quick looks) is taken but
    not offered; the names are written out so that `crm --help` does not load the seed."""
    return click.option(
        "--profile",
        type=click.Choice(["tiny", "small", "large"]),
        metavar="small|large",
        default=default,
        show_default=True,
        help=help,
    )


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


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
@click.option("--locale", type=click.Choice(LOCALES), default="zh_CN")
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


@main.command()
@profile_option("small", help="small (≈6k projects) or large (≈1M projects).")
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
@click.option(
    "--scale",
    type=float,
    default=1.0,
    show_default=True,
    callback=lambda _ctx, _param, value: scale_option(value),
    help="The profile's company this many times as big (0 < FACTOR <= 16), same shape.",
)
@friendly_errors
def seed(profile: str, seed_value: int, as_of: Any, scale: float) -> None:
    """Fill the store with three years of realistic demo data (deterministic per seed)."""
    from ingest.seed import PROFILES, SeedError, seed_store
    from ingest.store.db import get_engine

    try:
        engine = get_engine()
        chosen = PROFILES[profile].scaled(scale)
        result = seed_store(engine, chosen, seed_value, as_of.date() if as_of else None)
    except SeedError as error:
        raise click.ClickException(str(error)) from error
    click.echo(result.summary())


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
    type=click.Choice(LOCALES),
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
