"""The stores tests run on: the PostgreSQL server's address, and emptying a store."""

from __future__ import annotations

import os

from sqlalchemy import Engine, text

from ingest.store.models import Base
from ingest.store.setup import init_store

PG_ADMIN = os.environ.get("CRM_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _reset_postgres(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    init_store(engine)
