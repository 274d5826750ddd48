"""The `crm` command line: one module per family of commands, registered on `main`."""

from crm.cli import bench, operations, store, warehouse  # noqa: F401  (they register)
from crm.cli.base import main

__all__ = ["main"]
