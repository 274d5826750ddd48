"""Dagster's SQLite instance storage, with the event log kept open instead of reopened.

Dagster's SQLite event log opens a new engine and connection for every event and commits
each with a full fsync: a refresh records some 750 events (a materialization per model, a
check per dbt test), and on this storage that cost ~10 s of the refresh's two cores. This
storage keeps the same files and schema, so the UI, the daemon and `dagster` commands
read it as before, but holds one engine per database file in each process, in WAL mode
with synchronous=NORMAL: a commit is durable against a crash of the process and costs
no fsync. Selected in dagster.yaml (`storage: custom:`), written by `crm` on first use.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory
from dagster._serdes import ConfigurableClassData
from sqlalchemy import Connection, Engine, event

BUSY_TIMEOUT_S = 30


class KeptOpenSqliteEventLogStorage(SqliteEventLogStorage):
    """The per-run and index databases of SqliteEventLogStorage, each behind one engine."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: dict[str, Engine] = {}
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

    def dispose(self) -> None:
        with self._engines_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
        super().dispose()


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
