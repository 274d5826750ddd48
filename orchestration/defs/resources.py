"""Where a refresh reads and writes: everything resolved from the environment at run time.

The store URL comes from CRM_STORE_URL (ingest.settings), the warehouse from CRM_DATA_DIR
(orchestration.snapshots); nothing here holds a path of its own.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path

from dagster_dbt import DbtCliResource
from packaging.version import Version
from sqlalchemy import Engine

from ingest.store.db import get_engine
from orchestration import snapshots
from orchestration.dbt_runner import DBT_PROJECT_DIR, dbt_env, dbt_executable
from orchestration.store_behind import lowest_watermark

DUCKDB_POOL = "duckdb_writer"


def store_engine() -> Engine:
    return get_engine()


def build_path() -> Path:
    return snapshots.build_path()


def built_from_path(build: Path) -> Path:
    return build.parent / "built_from.json"


def record_built_from(build: Path) -> None:
    """Note raw's watermark as dbt starts: the change sequence the marts will describe.

    Runs hold the duckdb_writer pool per step, so another run's extraction may come
    between this run's build and its publish; publish must not claim that newer data."""
    built_from_path(build).write_text(json.dumps({"change_seq": lowest_watermark(build)}))


def built_from(build: Path) -> int:
    """The watermark recorded by the last build (raw's current one if none was recorded)."""
    recorded = built_from_path(build)
    if recorded.exists():
        return int(json.loads(recorded.read_text())["change_seq"])
    return lowest_watermark(build)


@contextmanager
def dbt_environment(build: Path, *, as_of: dt.date | None = None) -> Iterator[None]:
    """The warehouse's folder and files and the refresh's day for the dbt child process.

    DbtCliResource.cli passes os.environ to dbt and takes no env of its own, so the
    variables are set for the time of the invocation and restored afterwards."""
    wanted = dbt_env(build, as_of=as_of)
    saved = {k: os.environ.get(k) for k in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class CrmDbtCliResource(DbtCliResource):
    """dbt as dagster-dbt runs it, without two start-up costs paid on every run.

    dagster-dbt asks the dbt executable for its version (`dbt --version`: a whole dbt
    start-up, 1.8 s here) and opens a dbt adapter in this process (1.2 s) that serves only
    row-count and column-metadata fetching, which these assets do not use. Our executable
    is the venv's own dbt, so its version is the installed dbt-core's.

    Both are private methods of DbtCliResource and dagster-dbt has no public setting for
    either; tests/orchestration/test_dagster_defs.py
    (test_a_dbt_invocation_starts_only_dbt_itself) fails if a dagster-dbt upgrade stops
    calling them."""

    # Overrides DbtCliResource._cli_version: the `dbt --version` call came with dbt Fusion
    # support (https://github.com/dagster-io/dagster/pull/31337); how dagster-dbt tells dbt
    # Core from Fusion is still open upstream: https://github.com/dagster-io/dagster/issues/34215
    @cached_property
    def _cli_version(self) -> Version:
        return Version(installed_version("dbt-core"))

    # Overrides DbtCliResource._initialize_dbt_core_adapter, called on every `cli()` for
    # metadata fetching (https://github.com/dagster-io/dagster/pull/21542); the in-process
    # adapter and its set-up are discussed upstream in
    # https://github.com/dagster-io/dagster/issues/33818
    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


def dbt_resource() -> DbtCliResource:
    return CrmDbtCliResource(
        project_dir=str(DBT_PROJECT_DIR),
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=dbt_executable(),
    )
