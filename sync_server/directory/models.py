from __future__ import annotations

import uuid
from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Time,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.rules import DispensingUnit, DosageForm
from sync_server.core.db import Base, Timestamped


def _enum(cls: type, name: str) -> Enum:
    return Enum(cls, name=name, values_callable=lambda e: [m.value for m in e])


class Ward(Timestamped, Base):
    __tablename__ = "wards"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    floor: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Room(Timestamped, Base):
    __tablename__ = "rooms"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    ward_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("wards.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(32), default="consultation")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Doctor(Timestamped, Base):
    __tablename__ = "doctors"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    full_name: Mapped[str] = mapped_column(String(200))
    specialty: Mapped[str] = mapped_column(String(120), index=True)
    license_number: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    time_zone: Mapped[str] = mapped_column(String(64))
    default_slot_minutes: Mapped[int] = mapped_column(SmallInteger, default=20)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    rules: Mapped[list[AvailabilityRule]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AvailabilityRule.weekday"
    )
    exceptions: Mapped[list[AvailabilityException]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AvailabilityException.starts_at"
    )

    __table_args__ = (CheckConstraint("default_slot_minutes BETWEEN 5 AND 480", name="slot_length"),)


class AvailabilityRule(Base):
    """A weekly opening in the doctor's own wall-clock time (expanded in the doctor's zone, DST-safe)."""

    __tablename__ = "availability_rules"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    doctor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("doctors.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)  # ISO: 1 = Monday ... 7 = Sunday
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    room_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("rooms.id", ondelete="SET NULL"))

    __table_args__ = (
        CheckConstraint("weekday BETWEEN 1 AND 7", name="weekday"),
        CheckConstraint("starts < ends", name="order"),
    )


class AvailabilityException(Base):
    """Leave, a holiday or a blocked stretch: an absolute interval stored in UTC."""

    __tablename__ = "availability_exceptions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    doctor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("doctors.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(String(500), default="")

    __table_args__ = (CheckConstraint("starts_at < ends_at", name="order"),)


class Patient(Timestamped, Base):
    __tablename__ = "patients"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    mrn: Mapped[str] = mapped_column(String(32), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), index=True)
    birth_date: Mapped[date] = mapped_column(Date)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    ward_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("wards.id", ondelete="SET NULL"), index=True)


class Medication(Timestamped, Base):
    """An item of the hospital's formulary."""

    __tablename__ = "medications"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    form: Mapped[DosageForm] = mapped_column(_enum(DosageForm, "dosage_form"))
    strength: Mapped[str] = mapped_column(String(64))
    unit: Mapped[DispensingUnit] = mapped_column(_enum(DispensingUnit, "dispensing_unit"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    pack_size: Mapped[int] = mapped_column(Integer, default=1)
