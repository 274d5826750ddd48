"""`crm ...` with phase markers on stderr and a publish in slow motion, so that a test can
SIGKILL a refresh at a random moment of the phase it chose.

Run as `python -m tests.support.paced_refresh refresh ...`: it prints `phase extract`,
`phase build`, `phase score` and `phase publish` as the Dagster refresh enters each step, and paces
every file operation of the publish (copy, fsync, rename, prune) by PACE seconds, so that
a kill lands between any two of them rather than only before or after the whole publish.

With FAULTS_FILL_AT=<phase> it fills the disk holding FAULTS_FILL_DIR as that phase
begins, or FAULTS_FILL_DELAY seconds into it (where no small disk could be mounted, it
raises the ENOSPC a full one would).
"""

from __future__ import annotations

import errno
import functools
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from crm.cli import main
from orchestration import snapshots
from orchestration.defs import assets, scoring

PACE = 0.15


FILLER = ".filler"


def mark(phase: str) -> None:
    print(f"phase {phase}", file=sys.stderr, flush=True)
    if os.environ.get("FAULTS_FILL_AT") == phase:
        delay = float(os.environ.get("FAULTS_FILL_DELAY", "0"))
        if delay:  # while the step runs (dbt writing DuckDB), not before it starts
            threading.Timer(delay, fill_disk, (os.environ["FAULTS_FILL_DIR"],)).start()
        else:
            fill_disk(os.environ["FAULTS_FILL_DIR"])


def fill_disk(folder: str) -> None:
    """Take every free byte of the file system holding `folder`; with no folder of
    its own (FAULTS_FILL_DIR empty), fail as a full disk would."""
    if not folder:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "warehouse")
    with open(os.path.join(folder, FILLER), "wb", buffering=0) as filler:
        for size in (1 << 20, 4096, 1):
            try:
                while True:
                    filler.write(b"\0" * size)
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise


def announcing(phase: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        mark(phase)
        return fn(*args, **kwargs)

    return run


def paced(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        time.sleep(PACE)
        return fn(*args, **kwargs)

    return run


class _Paced:
    """A module whose named functions are paced (snapshots' `os` and `shutil`)."""

    def __init__(self, module: Any, *names: str) -> None:
        self._module = module
        self._paced = {name: paced(getattr(module, name)) for name in names}

    def __getattr__(self, name: str) -> Any:
        return self._paced.get(name) or getattr(self._module, name)


def install() -> None:
    assets.extract = announcing("extract", assets.extract)
    assets.record_built_from = announcing("build", assets.record_built_from)
    scoring.score_deals = announcing("score", scoring.score_deals)
    snapshots.publish = announcing("publish", snapshots.publish)
    snapshots.shutil = _Paced(shutil, "copyfile")  # type: ignore[assignment]
    snapshots.os = _Paced(os, "replace")  # type: ignore[assignment]
    snapshots._fsync = paced(snapshots._fsync)
    snapshots.prune = paced(snapshots.prune)


if __name__ == "__main__":
    install()
    main()
