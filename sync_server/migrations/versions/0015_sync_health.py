"""sync health: workstation versions, dead letters for the admin screen

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # What each desktop says about itself on every sync request (the admin's sync-health view).
    op.add_column("sync_clients", sa.Column("desktop_version", sa.String(32), nullable=True))
    op.add_column("sync_clients", sa.Column("workstation", sa.String(100), nullable=True))
    op.add_column("sync_clients", sa.Column("queued_changes", sa.Integer(), nullable=True))
    op.add_column("sync_clients", sa.Column("last_pull_at", sa.DateTime(timezone=True), nullable=True))
    # A dead letter's history and what an admin did with it (replayed or discarded, by whom, why).
    op.add_column(
        "message_failures",
        sa.Column(
            "first_failed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    op.add_column("message_failures", sa.Column("resolution", sa.String(16), nullable=True))
    op.add_column("message_failures", sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("message_failures", sa.Column("resolved_by", sa.String(150), nullable=True))
    op.add_column("message_failures", sa.Column("resolution_reason", sa.Text(), nullable=True))
    op.create_check_constraint(
        op.f("ck_message_failures_resolution"), "message_failures", "resolution IN ('replayed', 'discarded')"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_message_failures_resolution"), "message_failures", type_="check")
    for column in ("resolution_reason", "resolved_by", "resolved_at", "resolution", "first_failed_at"):
        op.drop_column("message_failures", column)
    for column in ("last_pull_at", "queued_changes", "workstation", "desktop_version"):
        op.drop_column("sync_clients", column)
