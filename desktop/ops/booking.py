"""Booking from the calendar: what the booking screens read from the cache and the changes they queue.

No Qt here; every function runs on the store worker (it reads or writes SQLite). The server decides:
a booking made here shows as requested until the server's booking saga confirms or refuses it, and a
refusal arrives as the appointment's own record with the reason and the next free slots offered.

- `StoreCalendarQuery`: the calendar's `CalendarQuery` over the cache (indexed range queries), plus the
  doctors, rooms and availability of the cache;
- `PatientIndex`: type-ahead over the cached patients (word prefixes of the name, MRN prefix, accents
  and case ignored), built once and then answered from memory in microseconds;
- `BookingDesk`: the use cases (book, reschedule, cancel, book a suggested slot instead, details), with
  the calendar rights of the signed-in user checked before anything is queued.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import logging
import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from desktop.ops.calendar import AppointmentItem, DoctorColumn, OpenWindow
from desktop.store import CachedRecord, LocalStore
from desktop.store.outbox import OutboxEntry
from desktop.store.mutations import (
    queue_appointment_attendance,
    queue_appointment_book,
    queue_appointment_cancel,
    queue_appointment_reschedule,
)
from shared import availability
from shared.availability import Schedule
from shared.booking import AppointmentStatus
from shared.protocol import Entity, MutationName
from shared.roles import Role

log = logging.getLogger(__name__)

# Appointments are short: one overlapping a range started at most this long before it.
LONGEST_APPOINTMENT = timedelta(hours=8)
DEFAULT_DURATION_MINUTES = 20
MIN_TYPED = 2  # the type-ahead starts at the second letter (one letter matches a tenth of a hospital)
# Statuses that still take the doctor's time (the server's exclusion constraint covers these).
BUSY = frozenset({AppointmentStatus.REQUESTED, AppointmentStatus.HELD, AppointmentStatus.CONFIRMED})


def _aware(value: Any) -> datetime | None:
    if not value:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


# ---- what the screens show ----


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
class PatientMatch:
    """A cached patient as the type-ahead lists them."""

    id: uuid.UUID
    full_name: str
    mrn: str
    birth_date: str = ""

    @property
    def label(self) -> str:
        """What the type-ahead shows and completes to: 'Maria Fernandes · MRN-0042'."""
        return f"{self.full_name} · {self.mrn}" if self.mrn else self.full_name


@dataclass(frozen=True, slots=True)
class RoomChoice:
    id: uuid.UUID
    name: str


@dataclass(frozen=True, slots=True)
class Slot:
    starts_at: datetime
    ends_at: datetime


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


# ---- patient type-ahead ----


def fold(text: str) -> str:
    """Lower case without accents: 'Gonçalo' and 'goncalo' are the same key."""
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


_SEPARATORS = re.compile(r"[\W_]+")


def _words(text: str) -> list[str]:
    return [w for w in _SEPARATORS.split(fold(text)) if w]


class PatientIndex:
    """Prefix search over patients: every word of the name and the MRN (also without its separators).

    Built from the cache in one pass (`from_store`); `search` bisects a sorted key list, so a keystroke
    costs a few milliseconds even with tens of thousands of patients.
    """

    def __init__(self, patients: Iterable[PatientMatch]) -> None:
        self._list = list(patients)
        self._by_id = {patient.id: patient for patient in self._list}
        self._words: list[tuple[str, ...]] = []
        keys: list[tuple[str, int]] = []
        names: list[tuple[str, str, int]] = []
        for number, patient in enumerate(self._list):
            name_words = _words(patient.full_name)
            mrn_words = _words(patient.mrn)
            own = {*name_words, *mrn_words, "".join(mrn_words)}
            own.discard("")
            self._words.append(tuple(own))
            keys.extend((key, number) for key in own)
            names.append((" ".join(name_words), patient.mrn, number))
        keys.sort()
        self._keys = [key for key, _ in keys]
        self._numbers = [number for _, number in keys]
        # Results are listed by name: each patient's place in that order, computed once.
        names.sort()
        self._rank = [0] * len(self._list)
        for rank, (_, _, number) in enumerate(names):
            self._rank[number] = rank

    @classmethod
    def from_store(cls, store: LocalStore) -> PatientIndex:
        """Every cached patient. Raises StorageUnavailable."""
        return cls(_patient(record) for record in store.records(Entity.PATIENT))

    def __len__(self) -> int:
        return len(self._list)

    def get(self, patient_id: uuid.UUID) -> PatientMatch | None:
        return self._by_id.get(patient_id)

    def search(self, text: str, *, limit: int = 20) -> list[PatientMatch]:
        """Patients each of whose typed words begins a word of their name or MRN, by name.

        'ana sil' finds 'Ana Rita Silva'; 'mrn-004', 'mrn004' and '004' find MRN-0042. Fewer than two
        letters or digits find nothing.
        """
        typed = _words(text)
        compact = "".join(typed)
        if len(compact) < MIN_TYPED:
            return []
        # Start from the typed word with the fewest matches, then check the others per candidate.
        ranges = sorted((self._range(word), word) for word in typed)
        (start, end), narrowest = min(ranges, key=lambda found: found[0][1] - found[0][0])
        others = [word for _, word in ranges if word != narrowest]
        candidates = {
            number
            for number in itertools.islice(self._numbers, start, end)
            if all(any(key.startswith(word) for key in self._words[number]) for word in others)
        }
        if len(typed) > 1:  # 'mrn-004' also as 'mrn004'
            start, end = self._range(compact)
            candidates.update(itertools.islice(self._numbers, start, end))
        best = heapq.nsmallest(limit, candidates, key=self._rank.__getitem__)
        return [self._list[number] for number in best]

    def _range(self, prefix: str) -> tuple[int, int]:
        start = bisect.bisect_left(self._keys, prefix)
        return start, bisect.bisect_left(self._keys, prefix + "\U0010ffff", lo=start)


def _patient(record: CachedRecord) -> PatientMatch:
    data = record.data
    return PatientMatch(
        id=record.id,
        full_name=str(data.get("full_name") or ""),
        mrn=str(data.get("mrn") or ""),
        birth_date=str(data.get("birth_date") or ""),
    )


# ---- the calendar over the cache ----


class StoreCalendarQuery:
    """A `CalendarQuery` over the local cache, plus the doctors, rooms and patients it names.

    Appointments come from the (doctor_id, starts_at) index of the cache; open windows are the doctor's
    cached weekly availability expanded with shared/availability.py in the doctor's zone (DST-safe), so
    they are exactly what the server accepts. Call `forget()` after a sync brought new directory data.
    Every method raises StorageUnavailable when the cache fails.
    """

    def __init__(self, store: LocalStore) -> None:
        self._store = store
        self._patients: PatientIndex | None = None
        self._schedules: dict[uuid.UUID, Schedule | None] = {}
        self._seen_cursor: str | None = None
        self._one_by_one: dict[uuid.UUID, PatientMatch | None] = {}

    def forget(self) -> None:
        """Drop what is kept in memory (patients, schedules): the next call reads the cache again."""
        self._patients = None
        self._schedules.clear()
        self._one_by_one.clear()

    def forget_if_synced(self) -> bool:
        """`forget()` when a pull has brought changes since the last call (the sync cursor moved)."""
        cursor = self._store.sync_state().cursor
        if cursor == self._seen_cursor:
            return False
        self.forget()
        self._seen_cursor = cursor
        return True

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
                self._one_by_one[patient_id] = _patient(record) if record is not None else None
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
            starts, ends = _aware(data.get("starts_at")), _aware(data.get("ends_at"))
            status = AppointmentStatus(data["status"])
            doctor_id = uuid.UUID(str(data["doctor_id"]))
        except (KeyError, ValueError):
            starts = ends = None
        if starts is None or ends is None or ends <= starts:
            log.warning("appointment %s in the cache is malformed; not shown", record.id)
            return None
        patient = self.patient(_uuid(data.get("patient_id")))
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
        starts = _aware(record.data.get("starts_at"))
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
        starts, ends = _aware(data.get("starts_at")), _aware(data.get("ends_at"))
        minutes = int((ends - starts).total_seconds() // 60) if starts and ends else DEFAULT_DURATION_MINUTES
        patient_id = _uuid(data.get("patient_id"))
        if patient_id is None:
            raise BookingRefused("unknown_patient")
        new_id = self.book(
            doctor_id=_doctor_of(record),
            patient_id=patient_id,
            starts_at=starts_at,
            duration_minutes=minutes,
            room_id=_uuid(data.get("room_id")),
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
        starts, ends = _aware(data.get("starts_at")), _aware(data.get("ends_at"))
        if starts is None or ends is None:
            raise BookingRefused("unknown_appointment")
        doctor = next((d.column for d in self.query.doctors() if d.id == doctor_id), None)
        room_id = _uuid(data.get("room_id"))
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
            patient=self.query.patient(_uuid(data.get("patient_id"))),
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
        if record is None or not record.data.get("status") or _uuid(record.data.get("doctor_id")) is None:
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
        if (start := _aware(slot.get("starts_at"))) and (end := _aware(slot.get("ends_at")))
    )


def _doctor_of(record: CachedRecord) -> uuid.UUID:
    doctor_id = _uuid(record.data.get("doctor_id"))
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
