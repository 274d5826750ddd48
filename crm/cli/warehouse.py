"""`crm refresh`, `crm sql`, `crm report`: the warehouse and what comes out of it."""

from __future__ import annotations

import sys
from typing import Any

import click
from sqlalchemy import select

from crm.cli.base import friendly_errors, main
from ingest.messages import LOCALES


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
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "spark"]),
    default="duckdb",
    show_default=True,
    help="What builds the models: DuckDB, or Spark (always a full build; see docs/deploy.md).",
)
@friendly_errors
def refresh(full: bool, as_of: Any, direct: bool, engine: str) -> None:
    """Extract the store, build the dbt models and publish a new snapshot.

    Runs the refresh job through Dagster (recorded under DAGSTER_HOME, visible in the UI)."""
    if direct:
        from orchestration.refresh import run_refresh

        summary = run_refresh(full=full, as_of=as_of, build_engine=engine)
    else:
        from orchestration.dagster_refresh import run_refresh_job

        summary = run_refresh_job(full=full, as_of=as_of, engine=engine)
    for line in summary.lines():
        click.echo(line)


def _as_of_date(value: str | None) -> Any:
    from orchestration.as_of import BadAsOfDate, parse_as_of

    try:
        return parse_as_of(value)
    except BadAsOfDate as error:
        raise click.BadParameter(str(error)) from None


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
@click.option("--lang", type=click.Choice(LOCALES), default="zh_CN", show_default=True)
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
        return Actor.of(user)
