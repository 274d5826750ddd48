"""The `crm` group and how every command fails: known refusals as one line, anything else as
one line plus where to find the details."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from typing import Any

import click

from ingest.commands.base import CommandError
from ingest.logs import log_path

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
