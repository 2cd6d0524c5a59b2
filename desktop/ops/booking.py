"""Booking from the calendar: the use cases (book, reschedule, cancel, record attendance, book a suggested
slot instead, an appointment's details), with the calendar rights of the signed-in user checked before
anything is queued.

No Qt here; every function runs on the store worker (it reads or writes SQLite). The server decides:
a booking made here shows as requested until the server's booking saga confirms or refuses it, and a
refusal arrives as the appointment's own record with the reason and the next free slots offered.
The calendar's reads are in desktop.ops.calendar_query, the patient type-ahead in desktop.ops.patient_search.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from desktop.ops.calendar import DoctorColumn
from desktop.ops.calendar_query import (
    DEFAULT_DURATION_MINUTES,
    RoomChoice,
    Slot,
    StoreCalendarQuery,
    aware_time,
    uuid_or_none,
)
from desktop.ops.patient_search import PatientMatch
from desktop.store import CachedRecord, LocalStore
from desktop.store.mutations import (
    queue_appointment_attendance,
    queue_appointment_book,
    queue_appointment_cancel,
    queue_appointment_reschedule,
)
from desktop.store.outbox import OutboxEntry
from shared.booking import AppointmentStatus
from shared.protocol import Entity, MutationName
from shared.roles import Role


class Happening(StrEnum):
    """A line of an appointment's history as this workstation knows it."""

    REQUESTED_HERE = "requested_here"  # made on this workstation (possibly offline)
    RESCHEDULE_REQUESTED_HERE = "reschedule_requested_here"
    CANCEL_REQUESTED_HERE = "cancel_requested_here"
    ATTENDANCE_RECORDED_HERE = "attendance_recorded_here"
    SENT = "sent"  # left for the server, no answer yet
    ACCEPTED = "accepted"  # the server took the change (a booking then runs its saga)
    REFUSED = "refused"  # the server refused the change outright
    CONFLICT = "conflict"
    RESCHEDULED_FROM = "rescheduled_from"
    RESCHEDULED_TO = "rescheduled_to"
    NOW = "now"  # the status the server (or this workstation's pending change) shows now


@dataclass(frozen=True, slots=True)
class HistoryLine:
    happening: Happening
    at: datetime | None = None
    detail: str = ""


@dataclass(frozen=True)
class AppointmentDetails:
    """Everything the details dialog shows about one appointment."""

    id: uuid.UUID
    doctor: DoctorColumn | None
    doctor_id: uuid.UUID
    patient: PatientMatch | None
    room: RoomChoice | None
    starts_at: datetime
    ends_at: datetime
    status: AppointmentStatus
    pending: bool
    reason: str = ""
    cancel_reason: str = ""
    rejection_code: str = ""
    rejection_message: str = ""
    alternatives: tuple[Slot, ...] = ()
    history: tuple[HistoryLine, ...] = ()
    can_cancel: bool = False
    can_reschedule: bool = False
    can_book_alternative: bool = False
    can_record_attendance: bool = False

    @property
    def duration_minutes(self) -> int:
        return max(5, int((self.ends_at - self.starts_at).total_seconds() // 60))

    @property
    def waiting_for_server(self) -> bool:
        """Shown as 'will be confirmed when the server answers'."""
        return self.pending or self.status in (AppointmentStatus.REQUESTED, AppointmentStatus.HELD)


# ---- refusals the user can act on ----


class BookingRefused(Exception):
    """This workstation refuses the change before queueing it. `code` picks the message the UI shows:

    not_allowed, in_the_past, unknown_patient, unknown_doctor, unknown_appointment, not_confirmed,
    not_begun, reason_too_short, invalid.
    """

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code
        self.detail = detail


# ---- calendar rights ----


@dataclass(frozen=True, slots=True)
class CalendarRights:
    """Who may do what in which calendar (the server checks the same; this only spares a refusal).

    Schedulers and administrators manage every calendar. A doctor reads their own calendar and may
    cancel in it, nothing more (read-mostly), and never touches another doctor's.
    """

    role: Role
    doctor_id: uuid.UUID | None = None

    def sees(self, doctor_id: uuid.UUID) -> bool:
        return self.role in (Role.SCHEDULER, Role.ADMIN) or (
            self.role is Role.DOCTOR and doctor_id == self.doctor_id
        )

    def may_book(self, doctor_id: uuid.UUID) -> bool:
        return self.role in (Role.SCHEDULER, Role.ADMIN)

    def may_reschedule(self, doctor_id: uuid.UUID) -> bool:
        return self.role in (Role.SCHEDULER, Role.ADMIN)

    def may_cancel(self, doctor_id: uuid.UUID) -> bool:
        return self.may_book(doctor_id) or (self.role is Role.DOCTOR and doctor_id == self.doctor_id)

    def may_record_attendance(self, doctor_id: uuid.UUID) -> bool:
        """Whether the patient came: the doctor of the calendar, or a scheduler at the desk."""
        return self.may_cancel(doctor_id)


# ---- the use cases ----


@dataclass
class BookingDesk:
    """The booking use cases of one signed-in user. Every method runs on the store worker.

    Methods raise BookingRefused (the user can fix it), StorageUnavailable (the environment's problem).
    They return the id of the appointment the calendar should show afterwards.
    """

    query: StoreCalendarQuery
    rights: CalendarRights
    now: Any = field(default=lambda: datetime.now(UTC))

    @property
    def store(self) -> LocalStore:
        return self.query.store

    def book(
        self,
        *,
        doctor_id: uuid.UUID,
        patient_id: uuid.UUID,
        starts_at: datetime,
        duration_minutes: int,
        room_id: uuid.UUID | None = None,
        reason: str = "",
    ) -> uuid.UUID:
        """Request an appointment; it shows as requested (pending) until the server answers."""
        if not self.rights.may_book(doctor_id):
            raise BookingRefused("not_allowed")
        if not any(doctor.id == doctor_id for doctor in self.query.doctors()):
            raise BookingRefused("unknown_doctor")
        if self.query.patient(patient_id) is None:
            raise BookingRefused("unknown_patient")
        self._check_future(starts_at)
        appointment_id = uuid.uuid4()
        try:
            queue_appointment_book(
                self.store,
                doctor_id=doctor_id,
                patient_id=patient_id,
                starts_at=starts_at.astimezone(UTC),
                duration_minutes=duration_minutes,
                room_id=room_id,
                reason=reason,
                appointment_id=appointment_id,
            )
        except ValidationError as exc:
            raise BookingRefused("invalid", str(exc)) from exc
        return appointment_id

    def reschedule(
        self, *, appointment_id: uuid.UUID, starts_at: datetime, duration_minutes: int | None = None
    ) -> uuid.UUID:
        """Move a confirmed appointment: the old one shows cancelled, the new one requested. Returns the
        new appointment's id."""
        record = self._appointment(appointment_id)
        if not self.rights.may_reschedule(_doctor_of(record)):
            raise BookingRefused("not_allowed")
        self._check_confirmed(record)
        self._check_future(starts_at)
        try:
            entry = queue_appointment_reschedule(
                self.store,
                appointment_id=appointment_id,
                starts_at=starts_at.astimezone(UTC),
                duration_minutes=duration_minutes,
            )
        except ValidationError as exc:
            raise BookingRefused("invalid", str(exc)) from exc
        return uuid.UUID(str(entry.payload["new_appointment_id"]))

    def cancel(self, *, appointment_id: uuid.UUID, reason: str) -> uuid.UUID:
        """Cancel a confirmed appointment; a reason of at least 3 characters is required."""
        record = self._appointment(appointment_id)
        if not self.rights.may_cancel(_doctor_of(record)):
            raise BookingRefused("not_allowed")
        if len(reason.strip()) < 3:
            raise BookingRefused("reason_too_short")
        self._check_confirmed(record)
        try:
            queue_appointment_cancel(self.store, appointment_id=appointment_id, reason=reason.strip())
        except ValidationError as exc:
            raise BookingRefused("invalid", str(exc)) from exc
        return appointment_id

    def record_attendance(self, *, appointment_id: uuid.UUID, came: bool) -> uuid.UUID:
        """The patient came (completed) or did not (no-show), once a confirmed appointment has begun."""
        record = self._appointment(appointment_id)
        if not self.rights.may_record_attendance(_doctor_of(record)):
            raise BookingRefused("not_allowed")
        self._check_confirmed(record)
        starts = aware_time(record.data.get("starts_at"))
        if starts is None or starts > self.now():
            raise BookingRefused("not_begun")
        status = AppointmentStatus.COMPLETED if came else AppointmentStatus.NO_SHOW
        queue_appointment_attendance(self.store, appointment_id=appointment_id, status=status)
        return appointment_id

    def book_instead(self, *, appointment_id: uuid.UUID, starts_at: datetime) -> uuid.UUID:
        """Book one of the slots the server offered for a refused appointment: same doctor, patient,
        length, room and reason. The refusal, read now, is dismissed from the list of changes."""
        record = self._appointment(appointment_id)
        data = record.data
        starts, ends = aware_time(data.get("starts_at")), aware_time(data.get("ends_at"))
        minutes = int((ends - starts).total_seconds() // 60) if starts and ends else DEFAULT_DURATION_MINUTES
        patient_id = uuid_or_none(data.get("patient_id"))
        if patient_id is None:
            raise BookingRefused("unknown_patient")
        new_id = self.book(
            doctor_id=_doctor_of(record),
            patient_id=patient_id,
            starts_at=starts_at,
            duration_minutes=minutes,
            room_id=uuid_or_none(data.get("room_id")),
            reason=str(data.get("reason") or ""),
        )
        for entry in self.store.outbox_entries(states=["rejected"], entity_id=appointment_id):
            self.store.dismiss_rejection(entry.mutation_id)
        return new_id

    def details(self, appointment_id: uuid.UUID) -> AppointmentDetails:
        """The appointment, its history on this workstation and, when refused, the slots offered."""
        record = self._appointment(appointment_id)
        data = record.data
        doctor_id = _doctor_of(record)
        status = AppointmentStatus(data["status"])
        starts, ends = aware_time(data.get("starts_at")), aware_time(data.get("ends_at"))
        if starts is None or ends is None:
            raise BookingRefused("unknown_appointment")
        doctor = next((d.column for d in self.query.doctors() if d.id == doctor_id), None)
        room_id = uuid_or_none(data.get("room_id"))
        room = next((r for r in self.query.rooms() if r.id == room_id), None) if room_id else None
        alternatives = offered_slots(data)
        entries = self.store.outbox_entries(entity_id=appointment_id)
        rejection_message = str(data.get("rejection_message") or "")
        rejection_code = str(data.get("rejection_code") or "")
        refused = [e for e in entries if e.state == "rejected"]
        if refused and not rejection_message:
            rejection_message, rejection_code = refused[-1].reason or "", refused[-1].code or ""
        confirmed_now = status is AppointmentStatus.CONFIRMED and not record.pending
        return AppointmentDetails(
            id=appointment_id,
            doctor=doctor,
            doctor_id=doctor_id,
            patient=self.query.patient(uuid_or_none(data.get("patient_id"))),
            room=room,
            starts_at=starts,
            ends_at=ends,
            status=status,
            pending=record.pending,
            reason=str(data.get("reason") or ""),
            cancel_reason=str(data.get("cancel_reason") or ""),
            rejection_code=rejection_code,
            rejection_message=rejection_message,
            alternatives=alternatives,
            history=tuple(_history(record, entries)),
            can_cancel=confirmed_now and self.rights.may_cancel(doctor_id),
            can_reschedule=confirmed_now and self.rights.may_reschedule(doctor_id),
            can_book_alternative=status is AppointmentStatus.REJECTED and self.rights.may_book(doctor_id),
            can_record_attendance=confirmed_now
            and starts <= self.now()
            and self.rights.may_record_attendance(doctor_id),
        )

    def _appointment(self, appointment_id: uuid.UUID) -> CachedRecord:
        record = self.store.record(Entity.APPOINTMENT, appointment_id)
        if (
            record is None
            or not record.data.get("status")
            or uuid_or_none(record.data.get("doctor_id")) is None
        ):
            raise BookingRefused("unknown_appointment")
        return record

    def _check_future(self, starts_at: datetime) -> None:
        if starts_at.tzinfo is None:
            raise BookingRefused("invalid", "times must include a time zone")
        if starts_at < self.now() - timedelta(minutes=1):
            raise BookingRefused("in_the_past")

    @staticmethod
    def _check_confirmed(record: CachedRecord) -> None:
        if record.pending or record.data.get("status") != AppointmentStatus.CONFIRMED:
            raise BookingRefused("not_confirmed")


def offered_slots(appointment: dict[str, Any]) -> tuple[Slot, ...]:
    """The free times the server offered with a refused appointment (its record's `alternatives`)."""
    return tuple(
        Slot(start, end)
        for slot in appointment.get("alternatives") or ()
        if (start := aware_time(slot.get("starts_at"))) and (end := aware_time(slot.get("ends_at")))
    )


def _doctor_of(record: CachedRecord) -> uuid.UUID:
    doctor_id = uuid_or_none(record.data.get("doctor_id"))
    if doctor_id is None:
        raise BookingRefused("unknown_appointment")
    return doctor_id


_MADE_HERE = {
    MutationName.APPOINTMENT_BOOK: Happening.REQUESTED_HERE,
    MutationName.APPOINTMENT_RESCHEDULE: Happening.RESCHEDULE_REQUESTED_HERE,
    MutationName.APPOINTMENT_CANCEL: Happening.CANCEL_REQUESTED_HERE,
    MutationName.APPOINTMENT_ATTENDANCE: Happening.ATTENDANCE_RECORDED_HERE,
}
_ANSWERS = {
    "sent": Happening.SENT,
    "applied": Happening.ACCEPTED,
    "rejected": Happening.REFUSED,
    "conflict": Happening.CONFLICT,
}


def _history(record: CachedRecord, entries: Sequence[OutboxEntry]) -> Iterable[HistoryLine]:
    data = record.data
    if data.get("rescheduled_from") or data.get("rescheduled_from_id"):
        yield HistoryLine(Happening.RESCHEDULED_FROM)
    for entry in entries:
        if entry.name in _MADE_HERE:
            yield HistoryLine(_MADE_HERE[entry.name], entry.made_at)
            if entry.state in _ANSWERS:
                yield HistoryLine(_ANSWERS[entry.state], entry.updated_at, entry.reason or "")
    if data.get("rescheduled_to") or data.get("rescheduled_to_id"):
        yield HistoryLine(Happening.RESCHEDULED_TO)
    yield HistoryLine(Happening.NOW, None, str(data.get("status") or ""))
