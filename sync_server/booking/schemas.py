"""What the booking routes accept and answer. Inputs refuse unknown fields and oversized values."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    model_validator,
)

# Bookings live between these instants; far from datetime's limits so zone conversions never overflow.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _instant(value: datetime) -> datetime:
    """A timezone-aware instant in UTC; a naive one is refused because it is ambiguous."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            "must include a time zone offset, e.g. 2030-03-30T09:00:00+01:00 or 2030-03-30T08:00:00Z"
        )
    if not EARLIEST <= value <= LATEST:
        raise ValueError("must be between 2000 and 2100")
    return value.astimezone(UTC)


def _trimmed(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


def _iso_text(value: object) -> object:
    """Only an ISO 8601 date-time text (or a datetime from our own code): a number would otherwise pass
    as a Unix time, a spelling of a date nobody means."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE_TIME.match(value):
        raise ValueError("must be an ISO 8601 date-time with an offset, e.g. 2030-03-30T09:00:00+01:00")
    return value


_ISO_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


Instant = Annotated[datetime, BeforeValidator(_iso_text), AfterValidator(_instant)]
Reason = Annotated[str, Field(min_length=1, max_length=500), AfterValidator(_trimmed)]
RequestKey = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
Minutes = Annotated[int, Field(ge=5, le=480)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Overbooking(_Input):
    overbook: StrictBool = Field(
        default=False,
        description="Book even if the slot is taken or outside hours (scheduler/admin only). A JSON boolean.",
    )
    overbook_reason: Reason | None = None

    @model_validator(mode="after")
    def _overbook_needs_reason(self) -> _Overbooking:
        if self.overbook and self.overbook_reason is None:
            raise ValueError("overbook_reason is required when overbook is true")
        if not self.overbook and self.overbook_reason is not None:
            raise ValueError("overbook_reason is only allowed with overbook: true")
        return self


class BookingRequest(_Overbooking):
    doctor_id: uuid.UUID
    patient_id: uuid.UUID
    starts_at: Instant
    duration_minutes: Minutes | None = Field(
        default=None, description="Defaults to the doctor's slot length."
    )
    room_id: uuid.UUID | None = None
    reason: str = Field(default="", max_length=500)
    notes: str = Field(default="", max_length=2000)
    client_request_id: RequestKey | None = Field(
        default=None, description="Idempotency key: a retry with the same key answers with the same booking."
    )


class RescheduleRequest(_Overbooking):
    starts_at: Instant
    duration_minutes: Minutes | None = Field(
        default=None, description="Defaults to the old appointment's length."
    )
    doctor_id: uuid.UUID | None = Field(default=None, description="Defaults to the old appointment's doctor.")
    room_id: uuid.UUID | None = Field(default=None, description="Defaults to the old appointment's room.")
    client_request_id: RequestKey | None = None


class CancelRequest(_Input):
    reason: Reason


class StatusChange(_Input):
    status: Literal["completed", "no_show"]


class UndoRequest(_Input):
    reason: Reason


class Slot(BaseModel):
    starts_at: datetime
    ends_at: datetime


class AppointmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    doctor_id: uuid.UUID
    room_id: uuid.UUID | None
    patient_id: uuid.UUID | None = Field(description="null on a busy block: a patient outside your care")
    starts_at: datetime
    ends_at: datetime
    status: str
    hold_expires_at: datetime | None
    reason: str
    notes: str
    cancel_reason: str | None
    rejection_code: str | None
    rejection_message: str | None
    overbooked: bool
    overbook_reason: str | None
    rescheduled_from_id: uuid.UUID | None
    rescheduled_to_id: uuid.UUID | None
    booked_by: uuid.UUID | None
    client_request_id: str | None
    saga_id: uuid.UUID | None
    version: int
    created_at: datetime
    updated_at: datetime


class SagaOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    status: str = Field(description="running, succeeded, compensating, compensated or failed")
    step: str
    attempts: int
    appointment_id: uuid.UUID
    outcome: dict[str, Any] | None = Field(
        description="How it ended: the rejection's reason_code, reason and alternatives, if any."
    )
    error: str | None
    created_at: datetime
    updated_at: datetime


class BookingAnswer(BaseModel):
    """A booking's saga and, once it exists, its appointment. 202 means: still running, poll the saga."""

    saga: SagaOut
    appointment: AppointmentOut | None
