"""patient scopes: break-the-glass grants

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "break_glass_grants",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("patient_id", sa.Uuid(), sa.ForeignKey("patients.id", ondelete="CASCADE"), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client_address", sa.String(64), nullable=False, server_default=""),
    )
    op.create_index(
        "ix_break_glass_grants_user_patient", "break_glass_grants", ["user_id", "patient_id", "expires_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_break_glass_grants_user_patient", table_name="break_glass_grants")
    op.drop_table("break_glass_grants")
