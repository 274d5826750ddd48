"""Engines and write transactions for SQLite (default) and PostgreSQL.

A write transaction takes the store's write lock first — `BEGIN IMMEDIATE` on SQLite, the
row lock of `change_counter` on PostgreSQL — and draws the next change sequence number.
Writers are therefore serialised, so change_seq order equals commit order, which is what
lets incremental extraction trust a watermark. Every row flushed in the transaction is
stamped with that number and every delete leaves a `deleted_rows` tombstone.
"""

from __future__ import annotations

import datetime as dt
import functools
import sqlite3
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, exc, select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from ingest.settings import store_url
from ingest.store.models import ENTITY_TABLES, AuditLog, ChangeCounter, DeletedRow
from ingest.store.turns import Turns

# SQLite has no decimal type; SQLAlchemy stores Numeric(18,2) as REAL and quantises on
# read, which is exact for amounts below 10^13 yuan. Say so once instead of on every row.
warnings.filterwarnings("ignore", message=r".*does \*not\* support Decimal objects natively")

SQLITE_BUSY_TIMEOUT_S = 30
# SQLite's busy handler retries a waiting writer every 100 ms at most; a long job that
# commits in chunks pauses a little longer than that between them, or it would take the
# lock again before any waiting writer's next try (SQLite keeps no queue of waiters).
# With several writers waiting, one such gap lets in only the first; the pause therefore
# grows with how long the chunk held the lock (a quarter of it, up to 2 s), so that on a
# slow or busy machine every waiting writer gets its turn before the next chunk.
SQLITE_YIELD_S = 0.15
SQLITE_YIELD_SHARE = 0.25
SQLITE_YIELD_MAX_S = 2.0


def get_engine(url: str | None = None) -> Engine:
    """One engine per URL for the whole process; sessions borrow pooled connections.
    Without a URL, the configured store (resolved now, not when first cached)."""
    return _engine(url or store_url())


@functools.cache
def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
            # One app process serves every signed-in user; each may wait on the write lock.
            pool_size=20,
            max_overflow=10,
        )
        _configure_sqlite(engine)
    else:
        engine = create_engine(url, pool_size=20, max_overflow=10, pool_pre_ping=True)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not pysqlite, decide how each transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        immediate = conn.get_execution_options().get("write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def sqlite_copy(engine: Engine) -> Iterator[Engine]:
    """A private copy of a SQLite store in a temporary folder, for work that must see the
    store and write as if to it without taking its write lock (an import's dry run). The
    backup reads one consistent snapshot; in WAL mode writers go on meanwhile."""
    with tempfile.TemporaryDirectory(prefix="crm-copy-") as folder:
        path = Path(folder) / "store.db"
        source = sqlite3.connect(str(engine.url.database), timeout=SQLITE_BUSY_TIMEOUT_S)
        target = sqlite3.connect(str(path))
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        copy = create_engine(
            f"sqlite:///{path}", poolclass=NullPool, connect_args={"check_same_thread": False}
        )
        _configure_sqlite(copy)
        try:
            yield copy
        finally:
            copy.dispose()


def yield_to_writers(engine: Engine, held_s: float = 0.0) -> None:
    """Between two chunks of a long write that held the lock `held_s` seconds: let waiting
    writers in first (PostgreSQL queues them on the lock by itself)."""
    if is_sqlite(engine):
        time.sleep(max(SQLITE_YIELD_S, min(SQLITE_YIELD_MAX_S, SQLITE_YIELD_SHARE * held_s)))


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def read_session(engine: Engine | None = None) -> Iterator[Session]:
    engine = engine or get_engine()
    with Session(engine, expire_on_commit=False) as session:
        session.info["read_only"] = True
        yield session


@contextmanager
def write_session(engine: Engine | None = None, actor_id: int | None = None) -> Iterator[Session]:
    """One write transaction: commits on success, rolls back on any exception."""
    engine = engine or get_engine()
    factory = _session_factory(engine)
    with _in_turn(engine), factory() as session, session.begin():
        session.info["change_seq"] = next_change_seq(session)
        session.info["actor_id"] = actor_id
        yield session


@contextmanager
def bookkeeping_session(engine: Engine | None = None) -> Iterator[Session]:
    """A short write transaction for the store's own bookkeeping (sessions, sign-in
    attempts): no change number, so it neither waits on the change counter's lock on
    PostgreSQL nor wakes the refresh. Only tables the warehouse does not mirror."""
    engine = engine or get_engine()
    with _in_turn(engine), _session_factory(engine)() as session, session.begin():
        session.info["bookkeeping"] = True
        yield session


@contextmanager
def _in_turn(engine: Engine) -> Iterator[None]:
    """This process's writers to a SQLite store one after another, in the order they came
    (turns.py); a writer kept waiting past the busy timeout gets StoreBusyError."""
    if not is_sqlite(engine):
        yield
        return
    with _turns(str(engine.url)).turn(SQLITE_BUSY_TIMEOUT_S):
        yield


@functools.cache
def _turns(url: str) -> Turns:
    return Turns()


@functools.cache
def _session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine.execution_options(write=True), expire_on_commit=False)


def next_change_seq(session: Session) -> int:
    """Increment the store-wide counter; on PostgreSQL this row lock is the write lock."""
    result = session.execute(
        update(ChangeCounter)
        .where(ChangeCounter.id == 1)
        .values(value=ChangeCounter.value + 1)
        .returning(ChangeCounter.value)
    ).scalar_one_or_none()
    if result is None:
        raise RuntimeError("The store is not initialised: run `crm init`.")
    return result


def current_change_seq(session: Session) -> int:
    return session.execute(select(ChangeCounter.value).where(ChangeCounter.id == 1)).scalar_one()


def changes_after(session: Session, change_seq: int) -> tuple[int, dt.datetime | None]:
    """The writes committed after `change_seq` (what a snapshot taken there does not show),
    and when the first of them was saved (UTC), from the audit log and the tombstones; None
    when neither records it. Change numbers follow commit order, so the first is one index
    step away however far behind the snapshot is (every dashboard page asks)."""
    count = current_change_seq(session) - change_seq
    if count <= 0:
        return 0, None
    saved = [
        session.execute(select(at).where(seq > change_seq).order_by(seq).limit(1)).scalar()
        for at, seq in (
            (AuditLog.at, AuditLog.change_seq),
            (DeletedRow.deleted_at, DeletedRow.change_seq),
        )
    ]
    return count, min((at for at in saved if at is not None), default=None)


@event.listens_for(Session, "before_flush")
def _stamp_changes(session: Session, _context, _instances) -> None:  # type: ignore[no-untyped-def]
    if session.info.get("read_only") and (session.new or session.dirty or session.deleted):
        raise exc.InvalidRequestError("Writes go through write_session (the domain commands).")
    seq = session.info.get("change_seq")
    if seq is None:
        if session.info.get("bookkeeping"):
            _refuse_mirrored_writes(session)
        return
    actor_id = session.info.get("actor_id")
    for obj in session.new:
        if hasattr(obj, "change_seq"):
            obj.change_seq = seq
            if hasattr(obj, "created_by") and obj.created_by is None:
                obj.created_by = actor_id
            if hasattr(obj, "updated_by"):
                obj.updated_by = actor_id
    for obj in session.dirty:
        if hasattr(obj, "change_seq") and session.is_modified(obj):
            obj.change_seq = seq
            if hasattr(obj, "updated_by"):
                obj.updated_by = actor_id
    for obj in session.deleted:
        if hasattr(obj, "change_seq"):
            session.add(
                DeletedRow(
                    table_name=obj.__tablename__,
                    row_id=obj.id,
                    deleted_by=actor_id,
                    change_seq=seq,
                )
            )


def _refuse_mirrored_writes(session: Session) -> None:
    """Rows the warehouse mirrors need a change number: bookkeeping may not write them."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if obj.__table__ in ENTITY_TABLES or isinstance(obj, DeletedRow):
            raise exc.InvalidRequestError(
                f"{obj.__tablename__} rows are written by the domain commands"
            )
