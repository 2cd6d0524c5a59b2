"""Appointment statuses and the payloads of the appointment mutations made offline."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator


class AppointmentStatus(StrEnum):
    REQUESTED = "requested"
    HELD = "held"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _aware(cls, value: object) -> object:
        if isinstance(value, datetime) and value.tzinfo is None:
            raise ValueError("times must include a time zone")
        return value


class BookAppointment(_Strict):
    doctor_id: uuid.UUID
    patient_id: uuid.UUID
    starts_at: datetime
    duration_minutes: int | None = Field(default=None, ge=5, le=480)
    room_id: uuid.UUID | None = None
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class RescheduleAppointment(_Strict):
    new_appointment_id: uuid.UUID
    starts_at: datetime
    duration_minutes: int | None = Field(default=None, ge=5, le=480)
    room_id: uuid.UUID | None = None


class CancelAppointment(_Strict):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]


class RecordAttendance(_Strict):
    """How a confirmed appointment that has begun went: the patient came, or did not come."""

    status: Literal[AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW]
