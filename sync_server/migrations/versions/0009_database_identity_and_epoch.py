"""database identity and restore epoch

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_database",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("identity", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("epoch", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("restored_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_sync_database_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_database")),
    )
    # The database's identity is born here, once: a restore brings this row back with it.
    op.execute("INSERT INTO sync_database (id) VALUES (1)")


def downgrade() -> None:
    op.drop_table("sync_database")
