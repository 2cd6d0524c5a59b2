"""message failures and sent emails

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
        "message_failures",
        sa.Column("consumer", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column(
            "last_failed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("dead_lettered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("consumer", "message_id", name=op.f("pk_message_failures")),
    )
    op.create_table(
        "sent_emails",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("appointment_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=True),
        sa.Column("provider_message_id", sa.String(length=255), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sent_emails")),
        sa.UniqueConstraint("message_id", name=op.f("uq_sent_emails_message_id")),
    )
    op.create_index(op.f("ix_sent_emails_appointment_id"), "sent_emails", ["appointment_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sent_emails_appointment_id"), table_name="sent_emails")
    op.drop_table("sent_emails")
    op.drop_table("message_failures")
