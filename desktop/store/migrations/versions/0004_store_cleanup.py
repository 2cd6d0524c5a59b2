"""cache: rows kept through a reset until the server sends them again (records out of scope)

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unconfirmed_rows",
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("entity", "id"),
    )


def downgrade() -> None:
    op.drop_table("unconfirmed_rows")
