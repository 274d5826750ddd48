"""`crm serve`, `crm backup`, `crm restore`, `crm prune`: running and keeping the product."""

from __future__ import annotations

import json

import click

from crm.cli.base import friendly_errors, main
from crm.servers import SERVERS


@main.command()
@click.option(
    "--only",
    multiple=True,
    type=click.Choice(SERVERS),
    help="Start only this server (repeat for several): one server per container "
    "(docs/deploy.md). Default: all of them.",
)
@friendly_errors
def serve(only: tuple[str, ...]) -> None:
    """Start the apps, the Dagster UI and daemon and the dbt docs; print every URL."""
    from crm.serve import serve as run_servers

    run_servers(frozenset(only or SERVERS))


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
