"""the local cache: records, tickets, appointments, sync state, outbox, drafts

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appointments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("doctor_id", sa.String(length=36), nullable=True),
        sa.Column("patient_id", sa.String(length=36), nullable=True),
        sa.Column("starts_at", sa.DateTime(), nullable=True),
        sa.Column("ends_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("base", sa.JSON(), nullable=True),
        sa.Column("pending", sa.Boolean(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.create_index("ix_appointments_doctor_starts", ["doctor_id", "starts_at"], unique=False)
        batch_op.create_index("ix_appointments_patient", ["patient_id"], unique=False)
        batch_op.create_index("ix_appointments_starts", ["starts_at"], unique=False)

    op.create_table(
        "drafts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("ward_id", sa.String(length=36), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "outbox",
        sa.Column("mutation_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("idempotency_key", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=36), nullable=False),
        sa.Column("related_id", sa.String(length=36), nullable=True),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("server_record", sa.JSON(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "state IN ('queued', 'sent', 'applied', 'rejected', 'conflict')", name="ck_outbox_state"
        ),
        sa.PrimaryKeyConstraint("mutation_id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_entity", ["entity_id"], unique=False)
        batch_op.create_index("ix_outbox_related", ["related_id"], unique=False)
        batch_op.create_index("ix_outbox_state", ["state", "mutation_id"], unique=False)

    op.create_table(
        "records",
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("base", sa.JSON(), nullable=True),
        sa.Column("pending", sa.Boolean(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("entity", "id"),
    )
    op.create_table(
        "sync_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("server_url", sa.Text(), nullable=False),
        sa.Column("username", sa.String(length=63), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("last_pull_at", sa.DateTime(), nullable=True),
        sa.Column("last_push_at", sa.DateTime(), nullable=True),
        sa.Column("next_mutation_id", sa.Integer(), nullable=False),
        sa.Column("last_settled_mutation_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_sync_state_single_row"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("ward_id", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("priority", sa.String(length=16), nullable=True),
        sa.Column("needed_by", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("base", sa.JSON(), nullable=True),
        sa.Column("pending", sa.Boolean(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index("ix_tickets_needed_by", ["needed_by"], unique=False)
        batch_op.create_index("ix_tickets_status_priority", ["status", "priority"], unique=False)
        batch_op.create_index("ix_tickets_ward_status", ["ward_id", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_ward_status")
        batch_op.drop_index("ix_tickets_status_priority")
        batch_op.drop_index("ix_tickets_needed_by")

    op.drop_table("tickets")
    op.drop_table("sync_state")
    op.drop_table("records")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_state")
        batch_op.drop_index("ix_outbox_related")
        batch_op.drop_index("ix_outbox_entity")

    op.drop_table("outbox")
    op.drop_table("drafts")
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.drop_index("ix_appointments_starts")
        batch_op.drop_index("ix_appointments_patient")
        batch_op.drop_index("ix_appointments_doctor_starts")

    op.drop_table("appointments")
