"""sessions in the store, sign-in throttle, no secrets in the audit log

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 08:00:00
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# Columns whose values are secrets: never kept in the audit log's before/after.
SECRET_COLUMNS = ("password_hash",)


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_digest", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("end_reason", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])
    op.create_table(
        "sign_in_attempts",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("user_id", Id, nullable=True),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sign_in_attempts_at", "sign_in_attempts", ["at"])
    op.create_index("ix_sign_in_attempts_address", "sign_in_attempts", ["address", "at"])
    op.create_index("ix_sign_in_attempts_user", "sign_in_attempts", ["user_id", "at"])
    with op.batch_alter_table("users") as batch:
        # The per-account lockout let anyone lock `admin` out; the throttle replaces it.
        batch.drop_column("failed_logins")
        batch.drop_column("locked_until")
        batch.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("change_seq", existing_type=sa.BigInteger(), nullable=True)
    _scrub_audit_log()


def _scrub_audit_log() -> None:
    """Drop the password hashes that earlier versions kept in users' audit entries."""
    conn = op.get_bind()
    audit = sa.table(
        "audit_log", sa.column("id"), sa.column("entity"), sa.column("before"), sa.column("after")
    )
    rows = conn.execute(
        sa.select(audit.c.id, audit.c.before, audit.c.after).where(audit.c.entity == "users")
    ).all()
    for row_id, before, after in rows:
        scrubbed = {"before": _without_secrets(before), "after": _without_secrets(after)}
        if scrubbed != {"before": before, "after": after}:
            conn.execute(sa.update(audit).where(audit.c.id == row_id).values(**scrubbed))


def _without_secrets(text: str | None) -> str | None:
    if text is None:
        return None
    values = json.loads(text)
    if not any(column in values for column in SECRET_COLUMNS):
        return text
    for column in SECRET_COLUMNS:
        values.pop(column, None)
    return json.dumps(values, ensure_ascii=False, sort_keys=True)


def downgrade() -> None:
    op.execute("DELETE FROM audit_log WHERE change_seq IS NULL")
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("change_seq", existing_type=sa.BigInteger(), nullable=False)
    with op.batch_alter_table("users") as batch:
        batch.drop_column("must_change_password")
        batch.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))
        batch.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
    op.drop_table("sign_in_attempts")
    op.drop_table("web_sessions")
