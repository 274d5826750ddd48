"""Dagster instances as its tools open them."""

from __future__ import annotations

import os
from pathlib import Path
from unittest import mock

from dagster import DagsterInstance


def instance_at(home: Path) -> DagsterInstance:
    """The instance as Dagster's tools open it: its storage is found under DAGSTER_HOME."""
    home.mkdir(parents=True, exist_ok=True)
    with mock.patch.dict(os.environ, {"DAGSTER_HOME": str(home)}):
        return DagsterInstance.from_config(str(home))
