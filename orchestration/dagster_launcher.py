"""The run launcher of the product's Dagster instance: Dagster's default one, which can
also tell whether the process running a run is still alive.

With it, the daemon's run monitoring (enabled in the dagster.yaml `crm` writes) fails a
run whose process died: a `crm refresh` that was killed, or a run of a schedule or the
sensor whose process went down with the daemon that started it. The run is then
finished, and the duckdb_writer slot its step held is freed shortly after
(`free_slots_after_run_end_seconds`), so the next run does not wait on it forever.
"""

from __future__ import annotations

import os

from dagster import DagsterEventType, DagsterInstance, DagsterRun, DefaultRunLauncher

# The result types of RunLauncher.check_run_worker_health, which Dagster exports from no
# public module; the hook itself is public (run monitoring calls it on any launcher).
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus

PID_TAG = "crm/pid"  # the process of a `crm refresh` run (it runs in that process)


def run_process_id(instance: DagsterInstance, run: DagsterRun) -> int | None:
    """The process running a run: `crm refresh`'s own, else the run worker a code server
    started (its "Started process for run" event); None before it has started."""
    if PID_TAG in run.tags:
        return int(run.tags[PID_TAG])
    records = instance.get_records_for_run(
        run.run_id, of_type=DagsterEventType.ENGINE_EVENT, ascending=False, limit=50
    ).records
    for record in records:
        event = record.event_log_entry.dagster_event
        data = event.engine_event_data if event else None
        if data is not None and "pid" in data.metadata:
            return int(str(data.metadata["pid"].value))
    return None


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: it exists
    return True


class CrmRunLauncher(DefaultRunLauncher):
    """Dagster's public DefaultRunLauncher with the public health-check hook of RunLauncher
    filled in (tests/orchestration/test_dagster_refresh.py checks both answers)."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        # `_instance`: the only handle a launcher has on its instance (Dagster's own do the same)
        pid = run_process_id(self._instance, run)
        if pid is None or process_alive(pid):
            return CheckRunHealthResult(WorkerStatus.RUNNING)
        return CheckRunHealthResult(
            WorkerStatus.FAILED, f"the process running it (pid {pid}) is gone"
        )
