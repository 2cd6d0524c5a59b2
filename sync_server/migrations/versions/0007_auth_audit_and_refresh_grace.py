"""auth: refresh-token grace window, bounded login throttle

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A lost refresh answer is handed again only to the address it was first handed to.
    op.add_column(
        "refresh_tokens",
        sa.Column("client_address", sa.String(length=64), server_default="", nullable=False),
    )
    # Rows whose counting window has passed are purged on every failed sign-in.
    op.create_index(op.f("ix_login_throttles_window_started_at"), "login_throttles", ["window_started_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_login_throttles_window_started_at"), table_name="login_throttles")
    op.drop_column("refresh_tokens", "client_address")
