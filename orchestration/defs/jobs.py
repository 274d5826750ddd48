"""Jobs, schedules and the change sensor.

Both jobs run the same graph; only the `full` flag in their run config differs."""

import datetime as dt
import json

from dagster import (
    AssetSelection,
    DagsterInstance,
    DagsterRunStatus,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    ScheduleDefinition,
    SensorEvaluationContext,
    SkipReason,
    define_asset_job,
    in_process_executor,
    sensor,
)

from ingest import settings
from ingest.store.db import changes_after, read_session
from orchestration import snapshots
from orchestration.as_of import iso_or_none
from orchestration.defs.resources import (
    build_path,
    store_engine,
)
from orchestration.store_behind import lowest_watermark, store_counter

REFRESH = AssetSelection.all()


def refresh_config(
    *, full: bool, as_of: str | dt.date | None = None, engine: str = "duckdb"
) -> dict:
    """Run config of a refresh; `as_of` (a date or YYYY-MM-DD) is one value for every step,
    checked here and again by each step's config (a launchpad edit skips this function)."""
    as_of = iso_or_none(as_of)
    return {
        "ops": {
            "extract_store": {"config": {"full": full, "as_of_date": as_of}},
            "crm_dbt_assets": {"config": {"full": full, "as_of_date": as_of, "engine": engine}},
            "deal_scores": {"config": {"full": full, "as_of_date": as_of}},
            "published_snapshot": {"config": {"as_of_date": as_of}},
        }
    }


def refresh_job(name: str, *, full: bool):
    """A refresh of the whole graph in one process per run, not per step: the steps run
    one after another anyway (the writer pool), and a process per step loaded the
    definitions again each time, ~5 s a step."""
    return define_asset_job(
        name, selection=REFRESH, config=refresh_config(full=full), executor_def=in_process_executor
    )


full_refresh_job = refresh_job("full_refresh_job", full=True)
incremental_refresh_job = refresh_job("incremental_refresh_job", full=False)

TIMEZONE = settings.schedule_timezone()
# Schedules and the sensor run as soon as the daemon does (`crm serve`); an operator can
# switch them off in the UI, or start them stopped with CRM_AUTOMATION=stopped.
AUTOMATION_RUNNING = settings.automation_running()
SCHEDULE_STATUS = (
    DefaultScheduleStatus.RUNNING if AUTOMATION_RUNNING else DefaultScheduleStatus.STOPPED
)


def schedule(name: str, job, cron: str, default: str) -> ScheduleDefinition:
    """A schedule of the automation (refresh or upkeep): its cron from the setting `cron`
    (else `default`), in the one schedule timezone, started as CRM_AUTOMATION says."""
    return ScheduleDefinition(
        name=name,
        job=job,
        cron_schedule=settings.cron(cron, default),
        execution_timezone=TIMEZONE,
        default_status=SCHEDULE_STATUS,
    )


incremental_schedule = schedule(
    "incremental_refresh_schedule",
    incremental_refresh_job,
    "CRM_INCREMENTAL_CRON",
    "*/15 8-19 * * 1-5",
)
full_schedule = schedule("full_refresh_schedule", full_refresh_job, "CRM_FULL_CRON", "0 2 * * *")


REFRESH_JOBS = {full_refresh_job.name, incremental_refresh_job.name}
IN_FLIGHT = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
]


def refresh_in_flight(instance: DagsterInstance) -> str | None:
    """A refresh run queued or running (the sensor's, a schedule's or `crm refresh`)."""
    runs = instance.get_runs(filters=RunsFilter(statuses=IN_FLIGHT))
    return next((run.run_id for run in runs if run.job_name in REFRESH_JOBS), None)


def current_watermark() -> int:
    """raw's watermark; while a refresh holds the build file, the published snapshot's."""
    try:
        return lowest_watermark(build_path())
    except Exception:  # duckdb.IOException: a writer holds the lock
        try:
            return snapshots.current(build_path().parent).change_seq
        except snapshots.NoSnapshot:
            return 0


def oldest_change_after(mark: int) -> dt.datetime | None:
    """When the oldest change above the watermark was saved (UTC, naive)."""
    with read_session(store_engine()) as session:
        return changes_after(session, mark)[1]


@sensor(
    name="store_changes_sensor",
    job=incremental_refresh_job,
    # how often the daemon asks; CRM_REFRESH_DELAY_SECONDS is how long a change waits
    minimum_interval_seconds=settings.sensor_seconds(),
    default_status=DefaultSensorStatus.RUNNING
    if AUTOMATION_RUNNING
    else DefaultSensorStatus.STOPPED,
)
def store_changes_sensor(context: SensorEvaluationContext):
    """An incremental refresh within seconds of a change, once no refresh is queued or
    running: the changes saved meanwhile wait for it to end and share the next one.
    CRM_REFRESH_DELAY_SECONDS makes a change wait longer, so that bigger bursts share one.

    The cursor holds the change counter last requested, so one burst asks for one run."""
    counter = store_counter(store_engine())
    requested = json.loads(context.cursor)["requested"] if context.cursor else 0
    if counter <= requested:
        return SkipReason(f"a refresh up to change {requested} was already requested")
    if running := refresh_in_flight(context.instance):
        return SkipReason(f"refresh {running} is queued or running; changes wait for it")
    mark = current_watermark()
    if counter <= mark:
        return SkipReason(f"raw is up to date (change {mark})")
    oldest = oldest_change_after(mark)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if oldest is not None and now - oldest < settings.refresh_delay():
        return SkipReason(f"oldest change since {mark} is younger than {settings.refresh_delay()}")
    context.update_cursor(json.dumps({"requested": counter}))
    return RunRequest(run_key=f"changes-{counter}", tags={"crm/change_counter": str(counter)})


JOBS = [full_refresh_job, incremental_refresh_job]
SCHEDULES = [incremental_schedule, full_schedule]
SENSORS = [store_changes_sensor]
