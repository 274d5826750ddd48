"""Servers started each in a process group of its own, and stopping every one of them.

A server in its own group does not receive the terminal's Ctrl-C, and it may start children
of its own (the Dagster UI starts a code server; Streamlit may start helpers), so stopping
is the launcher's job and goes by group, not by process: SIGTERM to every group, a grace
period, then SIGKILL to the groups that still have a live member. A server that waits for
an open browser tab to disconnect would otherwise keep its port after its launcher is gone.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

GRACE_SECONDS = 4.0  # then SIGKILL: everything is gone well within 10 s of a stop
KILL_WAIT_SECONDS = 3.0


def _stat(pid_dir: Path) -> tuple[str, int, int] | None:
    """(state, parent pid, process group) of a /proc/<pid> entry; None once it has exited."""
    try:
        fields = (pid_dir / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[0], int(fields[1]), int(fields[2])


def live_members(groups: Iterable[int]) -> dict[int, list[int]]:
    """The processes of these groups that have not exited (a zombie holds no port)."""
    wanted = set(groups)
    members: dict[int, list[int]] = {}
    for pid_dir in Path("/proc").glob("[0-9]*"):
        stat = _stat(pid_dir)
        if stat and stat[2] in wanted and stat[0] not in ("Z", "X"):
            members.setdefault(stat[2], []).append(int(pid_dir.name))
    return members


def own_group_leaders() -> set[int]:
    """Children of this process that lead a group of their own, recorded or not: a stop
    that lands between a fork and the bookkeeping still finds the child it started."""
    me = os.getpid()
    found = set()
    for pid_dir in Path("/proc").glob("[0-9]*"):
        stat = _stat(pid_dir)
        if stat and stat[1] == me and stat[2] == int(pid_dir.name):
            found.add(stat[2])
    return found


def _signal_groups(groups: Iterable[int], signum: int) -> None:
    for group in groups:
        # gone already (or its number now belongs to another user's process)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signum)


class Stopper:
    """Signal handlers for the duration of a stop: a second Ctrl-C or SIGTERM does not
    abort the stop half-way; it only cuts the grace period short."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def __init__(self) -> None:
        self.hurry = False

    def __enter__(self) -> Stopper:
        on_main_thread = threading.current_thread() is threading.main_thread()
        # only the main thread may set handlers; elsewhere the stop just runs its course
        self.previous = {s: signal.getsignal(s) for s in self.SIGNALS} if on_main_thread else {}
        for signum in self.previous:
            signal.signal(signum, self._hurry)
        return self

    def _hurry(self, *_: object) -> None:
        self.hurry = True

    def __exit__(self, *_: object) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)


def stop_groups(
    processes: Sequence[subprocess.Popen], grace: float = GRACE_SECONDS, extra: Iterable[int] = ()
) -> None:
    """Stop the groups led by these processes (and the `extra` group ids): SIGTERM, wait up
    to `grace` seconds, SIGKILL what remains, wait until it has exited."""
    groups = {p.pid for p in processes} | set(extra)
    with Stopper() as stopper:
        # only groups with a live member: a number nobody holds may be reused any time
        _signal_groups(live_members(groups), signal.SIGTERM)
        deadline = time.monotonic() + grace
        while (alive := live_members(groups)) and time.monotonic() < deadline:
            if stopper.hurry:
                break
            _reap(processes)
            time.sleep(0.1)
        _signal_groups(alive, signal.SIGKILL)
        deadline = time.monotonic() + KILL_WAIT_SECONDS
        while live_members(alive) and time.monotonic() < deadline:
            _reap(processes)
            time.sleep(0.05)
        _reap(processes)


def _reap(processes: Sequence[subprocess.Popen]) -> None:
    for process in processes:
        process.poll()  # collects an exited child, so it leaves no zombie behind
