"""The Dagster definitions of the refresh: assets, checks, jobs, schedules and the sensor."""

from dagster import Definitions

from orchestration.defs.assets import DASHBOARDS, crm_dbt_assets, extract_store, publish_snapshot
from orchestration.defs.checks import CHECKS
from orchestration.defs.jobs import JOBS, SCHEDULES, SENSORS
from orchestration.defs.maintenance import MAINTENANCE_JOBS, MAINTENANCE_SCHEDULES
from orchestration.defs.resources import dbt_resource
from orchestration.defs.scoring import SCORING_ASSETS

defs = Definitions(
    assets=[extract_store, crm_dbt_assets, *SCORING_ASSETS, publish_snapshot, *DASHBOARDS],
    asset_checks=CHECKS,
    jobs=[*JOBS, *MAINTENANCE_JOBS],
    schedules=[*SCHEDULES, *MAINTENANCE_SCHEDULES],
    sensors=SENSORS,
    resources={"dbt": dbt_resource()},
)
