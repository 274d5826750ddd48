"""Create or upgrade the store (Alembic) and load the reference data: `crm init`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, select

from ingest.store.db import get_engine, write_session
from ingest.store.models import ChangeCounter
from ingest.store.reference import load_reference_data

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def init_store(engine: Engine | None = None) -> int:
    """Upgrade the schema to the newest revision and add missing reference rows."""
    engine = engine or get_engine()
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        if conn.execute(select(ChangeCounter.id)).first() is None:
            conn.execute(ChangeCounter.__table__.insert().values(id=1, value=0))
    with write_session(engine) as session:
        return load_reference_data(session)
