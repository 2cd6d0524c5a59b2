"""refill tickets and notifications

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.String(length=1000), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=True),
        sa.Column("entity_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index("ix_notifications_user_created", "notifications", ["user_id", "created_at"], unique=False)
    op.create_table(
        "refill_tickets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ward_id", sa.Uuid(), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("requested_by_name", sa.String(length=200), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("needed_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notes", sa.String(length=1000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("has_discrepancy", sa.Boolean(), nullable=False),
        sa.Column(
            "submitted_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("rejection_reason", sa.String(length=500), nullable=True),
        sa.Column("cancel_reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "priority IN ('routine', 'urgent', 'stat')", name=op.f("ck_refill_tickets_priority")
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'approved', 'rejected', 'in_preparation', 'dispatched', 'received', 'closed', 'cancelled')",
            name=op.f("ck_refill_tickets_status"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_refill_tickets_version")),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["users.id"],
            name=op.f("fk_refill_tickets_requested_by_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["ward_id"], ["wards.id"], name=op.f("fk_refill_tickets_ward_id_wards"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refill_tickets")),
    )
    op.create_index(op.f("ix_refill_tickets_requested_by"), "refill_tickets", ["requested_by"], unique=False)
    op.create_index(
        "ix_refill_tickets_status_needed_by", "refill_tickets", ["status", "needed_by"], unique=False
    )
    op.create_index("ix_refill_tickets_ward_status", "refill_tickets", ["ward_id", "status"], unique=False)
    op.create_table(
        "ticket_history",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_ticket_history_actor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["refill_tickets.id"],
            name=op.f("fk_ticket_history_ticket_id_refill_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_history")),
    )
    op.create_index(op.f("ix_ticket_history_ticket_id"), "ticket_history", ["ticket_id"], unique=False)
    op.create_table(
        "ticket_lines",
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("line_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("medication_code", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("approved_quantity", sa.Integer(), nullable=True),
        sa.Column("approval_reason", sa.String(length=500), nullable=True),
        sa.Column("dispatched_quantity", sa.Integer(), nullable=False),
        sa.Column("received_quantity", sa.Integer(), nullable=True),
        sa.Column("discrepancy_note", sa.String(length=500), nullable=True),
        sa.Column("remainder_cancelled", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "unit IN ('tablet', 'capsule', 'ampoule', 'vial', 'bag', 'bottle', 'tube', 'inhaler', 'patch', 'suppository', 'ml')",
            name=op.f("ck_ticket_lines_unit"),
        ),
        sa.CheckConstraint(
            "approved_quantity IS NULL OR (approved_quantity >= 0 AND approved_quantity <= quantity)",
            name=op.f("ck_ticket_lines_approved_quantity"),
        ),
        sa.CheckConstraint(
            "dispatched_quantity >= 0 AND dispatched_quantity <= COALESCE(approved_quantity, 0)",
            name=op.f("ck_ticket_lines_dispatched_quantity"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_ticket_lines_quantity")),
        sa.CheckConstraint(
            "received_quantity IS NULL OR received_quantity >= 0",
            name=op.f("ck_ticket_lines_received_quantity"),
        ),
        sa.ForeignKeyConstraint(
            ["medication_code"],
            ["medications.code"],
            name=op.f("fk_ticket_lines_medication_code_medications"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["refill_tickets.id"],
            name=op.f("fk_ticket_lines_ticket_id_refill_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", "line_id", name=op.f("pk_ticket_lines")),
    )


def downgrade() -> None:
    op.drop_table("ticket_lines")
    op.drop_index(op.f("ix_ticket_history_ticket_id"), table_name="ticket_history")
    op.drop_table("ticket_history")
    op.drop_index("ix_refill_tickets_ward_status", table_name="refill_tickets")
    op.drop_index("ix_refill_tickets_status_needed_by", table_name="refill_tickets")
    op.drop_index(op.f("ix_refill_tickets_requested_by"), table_name="refill_tickets")
    op.drop_table("refill_tickets")
    op.drop_index("ix_notifications_user_created", table_name="notifications")
    op.drop_table("notifications")
