"""First come, first served among one process's writers to a SQLite store.

SQLite keeps no queue of waiting writers: each retries `BEGIN IMMEDIATE` on its own (every
100 ms at most), so under load whoever happens to retry just after a commit gets in, and an
unlucky writer can wait out the whole busy timeout while later ones pass it. One app
process serves every signed-in user, so its writers take turns here first, in the order
they came; only the head of the line then waits on SQLite, behind other processes (an
import's chunk, a backup). PostgreSQL queues waiters on its row lock by itself.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager


class StoreBusyError(RuntimeError):
    """A writer waited its whole timeout for its turn: nothing was written."""


class Turns:
    """A lock handed to waiters in arrival order. Reentrant: a thread already writing
    (a bookkeeping write inside a command) does not wait for itself."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._line: deque[tuple[int, threading.Event]] = deque()
        self._owner: int | None = None
        self._depth = 0

    @contextmanager
    def turn(self, timeout: float) -> Iterator[None]:
        self._wait(timeout)
        try:
            yield
        finally:
            self._pass_on()

    def _wait(self, timeout: float) -> None:
        me = threading.get_ident()
        with self._guard:
            if self._owner in (me, None):
                self._owner = me
                self._depth += 1
                return
            called = threading.Event()
            self._line.append((me, called))
        if called.wait(timeout):
            return
        with self._guard:
            if called.is_set():  # handed over just as the wait ran out
                return
            self._line.remove((me, called))
        raise StoreBusyError(f"no turn to write within {timeout:.0f} s")

    def _pass_on(self) -> None:
        with self._guard:
            self._depth -= 1
            if self._depth:
                return
            if self._line:
                self._owner, called = self._line.popleft()
                self._depth = 1
                called.set()
            else:
                self._owner = None
