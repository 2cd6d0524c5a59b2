"""desktop releases

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "desktop_releases",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("version_order", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.Column("min_supported_version", sa.String(32), nullable=False),
        sa.Column("package_url", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("signature", sa.String(88), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False, server_default=""),
        sa.Column("published_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("published_by", sa.Uuid(), nullable=True),
        sa.UniqueConstraint("platform", "version", name="uq_desktop_releases_platform_version"),
    )
    op.create_index(
        "ix_desktop_releases_platform_order", "desktop_releases", ["platform", sa.text("version_order DESC")]
    )


def downgrade() -> None:
    op.drop_index("ix_desktop_releases_platform_order", table_name="desktop_releases")
    op.drop_table("desktop_releases")
