"""chunked imports: the imports ledger, its chunks and the changes undo replays

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 20:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("actor_id", Id, nullable=True),
        sa.Column("partial", sa.Boolean(), nullable=False),
        sa.Column("chunk_size", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("rows_committed", sa.Integer(), nullable=False),
        sa.Column("last_row", sa.Integer(), nullable=False),
        sa.Column("last_chunk", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=100), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_imports_checksum", "imports", ["checksum"])
    op.create_table(
        "import_chunks",
        sa.Column("import_id", Id, nullable=False),
        sa.Column("chunk", sa.Integer(), nullable=False),
        sa.Column("first_row", sa.Integer(), nullable=False),
        sa.Column("last_row", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("committed_seq", sa.BigInteger(), nullable=False),
        sa.Column("committed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["import_id"], ["imports.id"]),
        sa.PrimaryKeyConstraint("import_id", "chunk"),
    )
    op.create_table(
        "import_changes",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("import_id", Id, nullable=False),
        sa.Column("chunk", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=60), nullable=False),
        sa.Column("row_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["import_id"], ["imports.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_import_changes_import_id", "import_changes", ["import_id"])


def downgrade() -> None:
    op.drop_index("ix_import_changes_import_id", table_name="import_changes")
    op.drop_table("import_changes")
    op.drop_table("import_chunks")
    op.drop_index("ix_imports_checksum", table_name="imports")
    op.drop_table("imports")
