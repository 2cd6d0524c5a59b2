"""Appointments and the booking sagas that create, move and release them.

The hard guard against double booking lives in PostgreSQL: three exclusion constraints (doctor, room,
patient) over the time range of every held or confirmed, not overbooked appointment. Migration 0003
creates them; they are declared here too so the metadata tells the whole truth.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    literal_column,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shared.booking import AppointmentStatus as AppointmentStatus  # re-exported for the booking package
from sync_server.core.db import Base, Timestamped

# Statuses that occupy the doctor's, the room's and the patient's time (the exclusion constraints' filter).
BLOCKING = (AppointmentStatus.HELD, AppointmentStatus.CONFIRMED)
BLOCKING_SQL = "status IN ('held', 'confirmed') AND NOT overbooked"


class SagaKind(StrEnum):
    BOOK = "book"
    RESCHEDULE = "reschedule"


class SagaStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    COMPENSATING = "compensating"
    COMPENSATED = "compensated"
    FAILED = "failed"


UNFINISHED = (SagaStatus.RUNNING, SagaStatus.COMPENSATING)


def _check_in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


def _overlap_guard(name: str, column: str, *, extra_where: str = "") -> ExcludeConstraint:
    where = f"{BLOCKING_SQL}{extra_where}"
    return ExcludeConstraint(
        (literal_column(column), "="),
        (func.tstzrange(literal_column("starts_at"), literal_column("ends_at")), "&&"),
        name=name,
        using="gist",
        where=text(where),
    )


class Appointment(Timestamped, Base):
    """A patient's time with a doctor (and maybe a room). Times are UTC; status only moves forward."""

    __tablename__ = "appointments"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    doctor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("doctors.id", ondelete="RESTRICT"))
    room_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("rooms.id", ondelete="RESTRICT"))
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id", ondelete="RESTRICT"))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))
    hold_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(String(500), default="")
    notes: Mapped[str] = mapped_column(String(2000), default="")
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    rejection_code: Mapped[str | None] = mapped_column(String(32))
    rejection_message: Mapped[str | None] = mapped_column(String(500))
    overbooked: Mapped[bool] = mapped_column(Boolean, default=False)
    overbook_reason: Mapped[str | None] = mapped_column(String(500))
    rescheduled_from_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="SET NULL")
    )
    rescheduled_to_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="SET NULL")
    )
    booked_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    client_request_id: Mapped[str | None] = mapped_column(String(64))
    saga_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    # eager_defaults: server-set timestamps come back with RETURNING instead of a later SELECT.
    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="order"),
        CheckConstraint(_check_in("status", AppointmentStatus), name="status"),
        CheckConstraint("NOT overbooked OR overbook_reason IS NOT NULL", name="overbook_reason"),
        UniqueConstraint("booked_by", "client_request_id", name="uq_appointments_booked_by_request"),
        Index("ix_appointments_doctor_starts", "doctor_id", "starts_at"),
        Index("ix_appointments_patient_starts", "patient_id", "starts_at"),
        Index("ix_appointments_room_starts", "room_id", "starts_at"),
        Index("ix_appointments_held_expiry", "hold_expires_at", postgresql_where=text("status = 'held'")),
        _overlap_guard("ex_appointments_doctor_overlap", "doctor_id"),
        _overlap_guard("ex_appointments_room_overlap", "room_id", extra_where=" AND room_id IS NOT NULL"),
        _overlap_guard("ex_appointments_patient_overlap", "patient_id"),
    )


class BookingSaga(Timestamped, Base):
    """The durable state of one booking or reschedule: which step comes next, and how it ended.

    Each step commits its effects, the saga's new state (guarded by `version`) and its outbox rows in
    one transaction, so a crash between steps loses nothing and repeats nothing.
    """

    __tablename__ = "booking_sagas"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    step: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=1)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    appointment_id: Mapped[uuid.UUID] = mapped_column()
    started_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    client_request_id: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(Text)

    # eager_defaults: server-set timestamps come back with RETURNING instead of a later SELECT.
    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}
    __table_args__ = (
        CheckConstraint(_check_in("kind", SagaKind), name="kind"),
        CheckConstraint(_check_in("status", SagaStatus), name="status"),
        UniqueConstraint("started_by", "client_request_id", name="uq_booking_sagas_started_by_request"),
        Index(
            "ix_booking_sagas_due",
            "next_attempt_at",
            postgresql_where=text("status IN ('running', 'compensating')"),
        ),
    )
