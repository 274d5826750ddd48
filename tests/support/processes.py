"""Killing a whole process tree the way an operator's `kill -9` on a session would."""

from __future__ import annotations

import os
import signal
import socket
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


def descendants(pid: int) -> set[int]:
    """Every live process below `pid` in the process tree, found through /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] not in ("Z", "X"):
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    """Those of `pids` that still run (not exited, not a zombie)."""
    running = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in ("Z", "X"):
            running.add(pid)
    return running


def with_environment(marker: str) -> set[int]:
    """Live processes whose environment mentions `marker` (a test's own data folder): a
    child that left the tree (reparented, own session) still carries it."""
    found = set()
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker.encode() in environ.read_bytes():
                found.add(int(environ.parent.name))
        except OSError:
            continue
    return alive(found - {os.getpid()})


def listening_addresses(port: int) -> set[str]:
    """The IPv4 addresses on which something listens on `port` (from /proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
            found.add(".".join(str(b) for b in reversed(bytes.fromhex(address))))
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
