"""The stores tests run on: the PostgreSQL server's address, emptying a store, and a
store of its own copied from the initialised SQLite template."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sqlalchemy import Engine, text

from ingest.store.db import get_engine
from ingest.store.models import Base
from ingest.store.setup import init_store

PG_ADMIN = os.environ.get("CRM_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _reset_postgres(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    init_store(engine)


def copied_store(template: Path, folder: Path) -> tuple[str, Engine]:
    """The initialised SQLite `template` copied to `folder`/crm.db (faster than migrating a
    new store): its URL, for the servers and settings that open it by address, and engine."""
    shutil.copy(template, folder / "crm.db")
    url = f"sqlite:///{folder / 'crm.db'}"
    return url, get_engine(url)
