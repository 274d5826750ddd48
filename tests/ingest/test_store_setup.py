"""The migrations build exactly the schema of the models, and init is repeatable."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Integer, func, select

from ingest.store.models import Base, LossReason, SalesMode, Stage
from ingest.store.reference import LOSS_CATEGORIES, SALES_MODES
from ingest.store.setup import init_store


def test_migrations_match_models(engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_reference_data_loaded_once(engine) -> None:
    assert init_store(engine) == 0  # a second init adds nothing
    with engine.connect() as conn:
        modes = conn.execute(select(SalesMode.code).order_by(SalesMode.code)).scalars().all()
        assert modes == sorted(code for code, *_ in SALES_MODES)
        per_mode = conn.execute(
            select(SalesMode.code, func.count(Stage.id), func.sum(Stage.is_won_stage.cast(Integer)))
            .join(Stage, Stage.sales_mode_id == SalesMode.id)
            .group_by(SalesMode.code)
        ).all()
        assert {code: (n, won) for code, n, won in per_mode} == {
            "si_supply": (6, 1),
            "project_type": (6, 1),
        }
        categories = set(conn.execute(select(LossReason.category)).scalars())
        assert categories == set(LOSS_CATEGORIES)


def test_admin_changes_survive_reinit(engine) -> None:
    from ingest.store.db import write_session

    with write_session(engine) as s:
        stage = s.scalars(select(Stage).where(Stage.code == "si_project_info")).one()
        stage.name_en = "Lead information"
    init_store(engine)
    with engine.connect() as conn:
        name = conn.execute(select(Stage.name_en).where(Stage.code == "si_project_info")).scalar()
    assert name == "Lead information"


def test_the_upgrade_scrubs_password_hashes_from_the_audit_log(tmp_path) -> None:
    """Earlier versions kept every old and new password hash in users' audit entries."""
    import json

    from alembic import command
    from sqlalchemy import create_engine, text

    from ingest.store.setup import alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0001")
    entry = {"id": 7, "password_hash": "$argon2id$v=19$secret", "username": "rep"}
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "insert into audit_log (at, action, entity, entity_id, before, after, source,"
                " change_seq) values (current_timestamp, 'user.set_password', 'users', 7,"
                " :entry, :entry, 'app', 1)"
            ),
            {"entry": json.dumps(entry)},
        )
    command.upgrade(config, "head")
    with engine.connect() as conn:
        before, after = conn.execute(text("select before, after from audit_log")).one()
    assert json.loads(before) == json.loads(after) == {"id": 7, "username": "rep"}
    engine.dispose()
