"""Alembic environment: the store's metadata, the URL handed in by `ingest.store.setup`."""

from alembic import context
from sqlalchemy import create_engine

from ingest.settings import store_url
from ingest.store.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url") or store_url()
connection = config.attributes.get("connection")


def run(conn) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=conn,
        target_metadata=Base.metadata,
        render_as_batch=conn.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    run(connection)
else:
    with create_engine(url).connect() as conn:
        run(conn)
