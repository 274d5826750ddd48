"""`crm-dbt`: the venv's dbt, started in the folder of the warehouse it builds.

The profile names the warehouse's files relative to that folder (CRM_WAREHOUSE_DIR, set by
orchestration.dbt_runner.dbt_env), so that every warehouse renders the same profile and
dbt's saved parse carries from one warehouse to the next. dagster-dbt always starts dbt in
the project's folder and passes the project as DBT_PROJECT_DIR; this entry point moves to
the warehouse's folder first. Without CRM_WAREHOUSE_DIR it is plain dbt."""

from __future__ import annotations

import os
import sys

from dbt.cli.main import cli

from orchestration.dbt_runner import WAREHOUSE_DIR_ENV


def main() -> None:
    if folder := os.environ.get(WAREHOUSE_DIR_ENV):
        os.chdir(folder)
    sys.exit(cli())
