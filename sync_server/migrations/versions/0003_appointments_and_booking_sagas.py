"""appointments and booking sagas

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appointments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("doctor_id", sa.Uuid(), nullable=False),
        sa.Column("room_id", sa.Uuid(), nullable=True),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("hold_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("notes", sa.String(length=2000), nullable=False),
        sa.Column("cancel_reason", sa.String(length=500), nullable=True),
        sa.Column("rejection_code", sa.String(length=32), nullable=True),
        sa.Column("rejection_message", sa.String(length=500), nullable=True),
        sa.Column("overbooked", sa.Boolean(), nullable=False),
        sa.Column("overbook_reason", sa.String(length=500), nullable=True),
        sa.Column("rescheduled_from_id", sa.Uuid(), nullable=True),
        sa.Column("rescheduled_to_id", sa.Uuid(), nullable=True),
        sa.Column("booked_by", sa.Uuid(), nullable=True),
        sa.Column("client_request_id", sa.String(length=64), nullable=True),
        sa.Column("saga_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        # The hard guard against double booking: no two held or confirmed, not overbooked appointments of
        # one doctor, one room or one patient overlap. A violation is SQLSTATE 23P01 (slot taken).
        postgresql.ExcludeConstraint(
            (sa.literal_column("doctor_id"), "="),
            (sa.text("tstzrange(starts_at, ends_at)"), "&&"),
            where=sa.text("status IN ('held', 'confirmed') AND NOT overbooked"),
            using="gist",
            name="ex_appointments_doctor_overlap",
        ),
        postgresql.ExcludeConstraint(
            (sa.literal_column("patient_id"), "="),
            (sa.text("tstzrange(starts_at, ends_at)"), "&&"),
            where=sa.text("status IN ('held', 'confirmed') AND NOT overbooked"),
            using="gist",
            name="ex_appointments_patient_overlap",
        ),
        postgresql.ExcludeConstraint(
            (sa.literal_column("room_id"), "="),
            (sa.text("tstzrange(starts_at, ends_at)"), "&&"),
            where=sa.text("status IN ('held', 'confirmed') AND NOT overbooked AND room_id IS NOT NULL"),
            using="gist",
            name="ex_appointments_room_overlap",
        ),
        sa.CheckConstraint(
            "status IN ('requested', 'held', 'confirmed', 'rejected', 'cancelled', 'completed', 'no_show')",
            name=op.f("ck_appointments_status"),
        ),
        sa.CheckConstraint(
            "NOT overbooked OR overbook_reason IS NOT NULL", name=op.f("ck_appointments_overbook_reason")
        ),
        sa.CheckConstraint("starts_at < ends_at", name=op.f("ck_appointments_order")),
        sa.ForeignKeyConstraint(
            ["booked_by"], ["users.id"], name=op.f("fk_appointments_booked_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["doctor_id"], ["doctors.id"], name=op.f("fk_appointments_doctor_id_doctors"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_appointments_patient_id_patients"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["rescheduled_from_id"],
            ["appointments.id"],
            name=op.f("fk_appointments_rescheduled_from_id_appointments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["rescheduled_to_id"],
            ["appointments.id"],
            name=op.f("fk_appointments_rescheduled_to_id_appointments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name=op.f("fk_appointments_room_id_rooms"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
        sa.UniqueConstraint("booked_by", "client_request_id", name="uq_appointments_booked_by_request"),
    )
    op.create_index("ix_appointments_doctor_starts", "appointments", ["doctor_id", "starts_at"], unique=False)
    op.create_index(
        "ix_appointments_held_expiry",
        "appointments",
        ["hold_expires_at"],
        unique=False,
        postgresql_where=sa.text("status = 'held'"),
    )
    op.create_index(
        "ix_appointments_patient_starts", "appointments", ["patient_id", "starts_at"], unique=False
    )
    op.create_index("ix_appointments_room_starts", "appointments", ["room_id", "starts_at"], unique=False)
    op.create_index(op.f("ix_appointments_saga_id"), "appointments", ["saga_id"], unique=False)
    op.create_table(
        "booking_sagas",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("appointment_id", sa.Uuid(), nullable=False),
        sa.Column("started_by", sa.Uuid(), nullable=True),
        sa.Column("client_request_id", sa.String(length=64), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("outcome", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind IN ('book', 'reschedule')", name=op.f("ck_booking_sagas_kind")),
        sa.CheckConstraint(
            "status IN ('running', 'succeeded', 'compensating', 'compensated', 'failed')",
            name=op.f("ck_booking_sagas_status"),
        ),
        sa.ForeignKeyConstraint(
            ["started_by"], ["users.id"], name=op.f("fk_booking_sagas_started_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_sagas")),
        sa.UniqueConstraint("started_by", "client_request_id", name="uq_booking_sagas_started_by_request"),
    )
    op.create_index(
        "ix_booking_sagas_due",
        "booking_sagas",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("status IN ('running', 'compensating')"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_booking_sagas_due",
        table_name="booking_sagas",
        postgresql_where=sa.text("status IN ('running', 'compensating')"),
    )
    op.drop_table("booking_sagas")
    op.drop_index(op.f("ix_appointments_saga_id"), table_name="appointments")
    op.drop_index("ix_appointments_room_starts", table_name="appointments")
    op.drop_index("ix_appointments_patient_starts", table_name="appointments")
    op.drop_index(
        "ix_appointments_held_expiry", table_name="appointments", postgresql_where=sa.text("status = 'held'")
    )
    op.drop_index("ix_appointments_doctor_starts", table_name="appointments")
    op.drop_table("appointments")
