"""Dagster's SQLite instance storage, with the event log kept open instead of reopened.

Dagster's SQLite event log opens a new engine and connection for every event and commits
each with a full fsync: a refresh records some 750 events (a materialization per model, a
check per dbt test), and on this storage that cost ~10 s of the refresh's two cores. This
storage keeps the same files and schema, so the UI, the daemon and `dagster` commands
read it as before, but holds one engine per database file in each process, in WAL mode
with synchronous=NORMAL: a commit is durable against a crash of the process and costs
no fsync. Selected in dagster.yaml (`storage: custom:`), written by `crm` on first use.

In WAL mode a commit writes the `-wal` file beside the database, not the database: the
UI's live view of a running run watches for changes to the run's file, so it watches
both.

Dagster offers no public setting for any of this: its SQLite classes are internal, and the
cost of storing events one by one is an open request upstream
(https://github.com/dagster-io/dagster/issues/19618, bulk writes of an op's events). This
module overrides SqliteEventLogStorage._connect (the same lock as Dagster's, see
https://github.com/dagster-io/dagster/issues/32217) and DagsterSqliteStorage's
_event_log_storage; tests/orchestration/test_dagster_refresh.py
(test_the_event_log_is_kept_open_in_wal_mode_and_reads_as_dagsters_own) fails if a Dagster
upgrade bypasses them: a connection per event, or a commit with a full fsync. PostgreSQL
instance storage (README, "Dagster instance") needs none of this.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster._core.storage.event_log.base import EventHandlerFn
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SqliteEventLogStorage,
    SqliteEventLogStorageWatchdog,
)
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory
from dagster._serdes import ConfigurableClassData
from sqlalchemy import Connection, Engine, event
from watchdog.events import FileSystemEvent
from watchdog.observers import Observer

BUSY_TIMEOUT_S = 30
# Engines kept per process: the index and the runs being written or watched. A UI that
# browses old runs would otherwise hold a file open for every run it ever showed.
KEPT_ENGINES = 8


class KeptOpenSqliteEventLogStorage(SqliteEventLogStorage):
    """The per-run and index databases of SqliteEventLogStorage, each behind one engine."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._engines_lock = threading.Lock()
        super().__init__(base_dir, inst_data)

    def _engine(self, shard: str) -> Engine:
        with self._engines_lock:
            engine = self._engines.get(shard)
            if engine is None:
                engine = create_engine(
                    self.conn_string_for_shard(shard),
                    connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
                )
                event.listen(engine, "connect", _wal)
                self._engines[shard] = engine
                while len(self._engines) > KEPT_ENGINES:
                    _, oldest = self._engines.popitem(last=False)
                    oldest.dispose()
            self._engines.move_to_end(shard)
            return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def watch(self, run_id: str, cursor: str | None, callback: EventHandlerFn) -> None:
        """As Dagster's, with a watchdog that also reacts to the run's WAL file."""
        if not self._obs:
            self._obs = Observer()
            self._obs.start()
        watchdog = _WalWatchdog(self, run_id, callback, cursor)
        self._watchers[run_id][callback] = (
            watchdog,
            self._obs.schedule(watchdog, self._base_dir, recursive=True),
        )

    def dispose(self) -> None:
        with self._engines_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
        super().dispose()


class _WalWatchdog(SqliteEventLogStorageWatchdog):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._patterns = [self._log_path, self._log_path + "-wal"]

    def on_modified(self, event: FileSystemEvent) -> None:
        self._process_log()


def _wal(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class CrmSqliteStorage(DagsterSqliteStorage):
    """Dagster's SQLite storage under base_dir, its event log kept open."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        super().__init__(base_dir, inst_data)
        self._event_log_storage = KeptOpenSqliteEventLogStorage(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: dict[str, Any]
    ) -> CrmSqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)
