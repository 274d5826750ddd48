"""Killing a whole process tree the way an operator's `kill -9` on a session would."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def _live_members(group: int) -> list[int]:
    """Processes of the group that have not exited yet (a zombie has released its files)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # exited while we looked
        state, pgrp = fields[0], int(fields[2])
        if pgrp == group and state not in ("Z", "X"):
            members.append(int(stat.parent.name))
    return members


def kill_process_group(leader: int, timeout: float = 30.0) -> None:
    """SIGKILL every process in the leader's group and wait until all have exited.

    Waiting for the leader alone is not enough: a grandchild (the extraction worker, dbt)
    may still hold the warehouse's lock for a moment after its parent is gone.
    """
    os.killpg(leader, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while (alive := _live_members(leader)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive, f"processes {alive} outlived SIGKILL"
