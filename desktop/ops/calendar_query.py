"""The calendar over the local cache: `StoreCalendarQuery` is the calendar's `CalendarQuery` read from the
cache's indexes, plus the doctors, rooms, availability and patients it names. No Qt here; every method
reads SQLite, so it runs on the store worker."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from desktop.ops.calendar import AppointmentItem, DoctorColumn, OpenWindow
from desktop.ops.patient_search import PatientIndex, PatientMatch, fold, patient_of
from desktop.store import CachedRecord, LocalStore
from shared import availability
from shared.availability import Schedule
from shared.booking import AppointmentStatus
from shared.protocol import Entity

log = logging.getLogger(__name__)

# Appointments are short: one overlapping a range started at most this long before it.
LONGEST_APPOINTMENT = timedelta(hours=8)
DEFAULT_DURATION_MINUTES = 20
# Statuses that still take the doctor's time (the server's exclusion constraint covers these).
BUSY = frozenset({AppointmentStatus.REQUESTED, AppointmentStatus.HELD, AppointmentStatus.CONFIRMED})


def aware_time(value: Any) -> datetime | None:
    if not value:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def uuid_or_none(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class DoctorEntry:
    """A doctor of the cache with what the calendar screen filters on."""

    column: DoctorColumn
    specialty: str
    slot_minutes: int

    @property
    def id(self) -> uuid.UUID:
        return self.column.id

    @property
    def name(self) -> str:
        return self.column.name


@dataclass(frozen=True, slots=True)
class RoomChoice:
    id: uuid.UUID
    name: str


@dataclass(frozen=True, slots=True)
class Slot:
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class BookingQuestion:
    """What the booking dialog asks about the time being chosen (answered on the store worker)."""

    doctor_id: uuid.UUID
    patient_id: uuid.UUID | None
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class BookingCheck:
    """The cache's answer: whether the doctor's hours cover the time, and the patient's appointments that
    already take it (the server would refuse the booking for either)."""

    question: BookingQuestion
    within_hours: bool
    patient_busy: tuple[AppointmentItem, ...] = ()


class StoreCalendarQuery:
    """A `CalendarQuery` over the local cache, plus the doctors, rooms and patients it names.

    Appointments come from the (doctor_id, starts_at) index of the cache; open windows are the doctor's
    cached weekly availability expanded with shared/availability.py in the doctor's zone (DST-safe), so
    they are exactly what the server accepts. Call `forget()` when the cache reports new directory data.
    Every method raises StorageUnavailable when the cache fails.
    """

    def __init__(self, store: LocalStore) -> None:
        self._store = store
        self._patients: PatientIndex | None = None
        self._schedules: dict[uuid.UUID, Schedule | None] = {}
        self._one_by_one: dict[uuid.UUID, PatientMatch | None] = {}

    def forget(self) -> None:
        """Drop what is kept in memory (patients, schedules): the next call reads the cache again."""
        self._patients = None
        self._schedules.clear()
        self._one_by_one.clear()

    @property
    def store(self) -> LocalStore:
        return self._store

    def patients(self) -> PatientIndex:
        if self._patients is None:
            self._patients = PatientIndex.from_store(self._store)
        return self._patients

    def patient(self, patient_id: uuid.UUID | None) -> PatientMatch | None:
        """One patient, from the type-ahead's index once built, else read alone (cold start: the
        calendar names its patients before the index of every patient exists)."""
        if patient_id is None:
            return None
        found = self._patients.get(patient_id) if self._patients is not None else None
        if found is None:
            if patient_id not in self._one_by_one:
                record = self._store.record(Entity.PATIENT, patient_id)
                self._one_by_one[patient_id] = patient_of(record) if record is not None else None
            found = self._one_by_one[patient_id]
        return found

    def doctors(self) -> list[DoctorEntry]:
        """The active doctors, by name; an unknown zone is shown as UTC."""
        found = []
        for record in self._store.records(Entity.DOCTOR):
            data = record.data
            if data.get("active", True) is False:
                continue
            zone = Schedule.from_record({"time_zone": data.get("time_zone")}).time_zone
            column = DoctorColumn(record.id, str(data.get("full_name") or "?"), zone)
            found.append(
                DoctorEntry(
                    column=column,
                    specialty=str(data.get("specialty") or ""),
                    slot_minutes=int(data.get("default_slot_minutes") or DEFAULT_DURATION_MINUTES),
                )
            )
        return sorted(found, key=lambda doctor: fold(doctor.name))

    def rooms(self) -> list[RoomChoice]:
        rooms = [
            RoomChoice(record.id, str(record.data.get("name") or "?"))
            for record in self._store.records(Entity.ROOM)
            if record.data.get("active", True) is not False
        ]
        return sorted(rooms, key=lambda room: fold(room.name))

    def schedule(self, doctor_id: uuid.UUID) -> Schedule | None:
        if doctor_id not in self._schedules:
            record = self._store.record(Entity.AVAILABILITY, doctor_id)
            self._schedules[doctor_id] = Schedule.from_record(record.data) if record is not None else None
        return self._schedules[doctor_id]

    def appointments(
        self, *, doctor_ids: Sequence[uuid.UUID], starts_at: datetime, ends_at: datetime
    ) -> list[AppointmentItem]:
        found: list[AppointmentItem] = []
        for doctor_id in doctor_ids:
            records = self._store.appointments(
                doctor_id=doctor_id, starts_from=starts_at - LONGEST_APPOINTMENT, starts_before=ends_at
            )
            found.extend(item for item in map(self._item, records) if item and item.ends_at > starts_at)
        return found

    def open_windows(
        self, *, doctor_ids: Sequence[uuid.UUID], starts_at: datetime, ends_at: datetime
    ) -> list[OpenWindow]:
        windows: list[OpenWindow] = []
        for doctor_id in doctor_ids:
            schedule = self.schedule(doctor_id)
            if schedule is None:
                continue
            for opens, closes in availability.open_windows(schedule, starts_at, ends_at):
                windows.append(OpenWindow(doctor_id=doctor_id, starts_at=opens, ends_at=closes))
        return windows

    def patient_appointments(
        self, patient_id: uuid.UUID, starts_at: datetime, ends_at: datetime
    ) -> list[AppointmentItem]:
        """The patient's cached appointments that overlap [starts_at, ends_at) and still take that time
        (requested, held or confirmed): booking another one there would be refused by the server."""
        records = self._store.appointments(starts_from=starts_at - LONGEST_APPOINTMENT, starts_before=ends_at)
        found = []
        for record in records:
            if str(record.data.get("patient_id")) != str(patient_id):
                continue
            item = self._item(record)
            if item is not None and item.ends_at > starts_at and item.status in BUSY:
                found.append(item)
        return found

    def check_booking(self, question: BookingQuestion) -> BookingCheck:
        """What the booking dialog warns about before anything is sent. Reads the cache: store worker."""
        busy = (
            self.patient_appointments(question.patient_id, question.starts_at, question.ends_at)
            if question.patient_id is not None
            else []
        )
        return BookingCheck(
            question,
            within_hours=self.is_open(question.doctor_id, question.starts_at, question.ends_at),
            patient_busy=tuple(busy),
        )

    def is_open(self, doctor_id: uuid.UUID, starts_at: datetime, ends_at: datetime) -> bool:
        """Whether the doctor's cached availability covers [starts_at, ends_at) whole."""
        schedule = self.schedule(doctor_id)
        return schedule is not None and availability.is_within_availability(schedule, starts_at, ends_at)

    def free_slots(
        self, doctor_id: uuid.UUID, *, after: datetime, duration: timedelta, limit: int = 5
    ) -> list[Slot]:
        """The doctor's next free slots as this workstation sees them (the server may know more)."""
        schedule = self.schedule(doctor_id)
        if schedule is None:
            return []
        horizon = after + timedelta(days=29)
        busy = [
            (item.starts_at, item.ends_at)
            for item in self.appointments(doctor_ids=[doctor_id], starts_at=after, ends_at=horizon)
            if item.status in BUSY
        ]
        slots = availability.free_slots(schedule, after=after, busy=busy, duration=duration, limit=limit)
        return [Slot(start, end) for start, end in slots]

    def _item(self, record: CachedRecord) -> AppointmentItem | None:
        data = record.data
        try:
            starts, ends = aware_time(data.get("starts_at")), aware_time(data.get("ends_at"))
            status = AppointmentStatus(data["status"])
            doctor_id = uuid.UUID(str(data["doctor_id"]))
        except (KeyError, ValueError):
            starts = ends = None
        if starts is None or ends is None or ends <= starts:
            log.warning("appointment %s in the cache is malformed; not shown", record.id)
            return None
        patient = self.patient(uuid_or_none(data.get("patient_id")))
        return AppointmentItem(
            id=record.id,
            doctor_id=doctor_id,
            patient_name=patient.full_name if patient else "",
            starts_at=starts,
            ends_at=ends,
            status=status,
            pending=record.pending,
            reason=str(data.get("rejection_message") or data.get("reason") or "")
            if status is AppointmentStatus.REJECTED
            else str(data.get("reason") or ""),
        )
