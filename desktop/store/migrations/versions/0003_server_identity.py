"""sync state: the server database identity and epoch

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server_epoch", sa.Text(), nullable=True),
        sa.Column("reset_pending", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("restored_at", sa.DateTime(), nullable=True),
        sa.Column("resent", sa.Integer(), server_default="0", nullable=False),
        sa.Column("lost", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("id = 1", name="ck_server_identity_single_row"),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("server_identity")
