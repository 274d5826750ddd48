"""Nightly upkeep: a backup (keeping the last CRM_BACKUP_KEEP) and the retention prune.

Both are plain op jobs: they produce no asset of the lineage graph. They run at night,
before the full refresh (02:00) and after it, in the refresh schedules' timezone."""

from dagster import OpExecutionContext, job, op

from ingest.settings import backup_dir, backup_keep
from orchestration.defs.jobs import schedule


@op
def take_backup(context: OpExecutionContext) -> None:
    """`crm backup $CRM_BACKUP_DIR`, then all but the newest CRM_BACKUP_KEEP removed."""
    from orchestration.backup import create_backup, keep_newest

    root = backup_dir()
    folder = create_backup(root)
    removed = keep_newest(root, backup_keep())
    context.log.info(f"backup {folder}; removed {len(removed)} older backup(s)")


@op
def prune_retained(context: OpExecutionContext) -> None:
    """`crm prune`: what outlived its CRM_RETAIN_* period, in chunks."""
    from orchestration.retention import prune_all

    report = prune_all(instance=context.instance)
    for line in report.lines():
        context.log.info(line)


@job(description="A consistent backup of the store and the published snapshot.")
def backup_job() -> None:
    take_backup()


@job(description="Removes what outlived its retention period (see README).")
def prune_job() -> None:
    prune_retained()


backup_schedule = schedule("backup_schedule", backup_job, "CRM_BACKUP_CRON", "30 1 * * *")
prune_schedule = schedule("prune_schedule", prune_job, "CRM_PRUNE_CRON", "30 3 * * *")

MAINTENANCE_JOBS = [backup_job, prune_job]
MAINTENANCE_SCHEDULES = [backup_schedule, prune_schedule]
