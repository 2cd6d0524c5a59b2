"""Who may see which patient: the one scope rule of WardDesk, used by the server's API, by its change feed
(and so by every desktop's offline cache), and by the desktop when it explains a refusal.

A record is published to *audiences* (named groups of readers); a person reads the audiences of their role.
Both sides come from this module, so the API's checks and the caches cannot drift apart:

- a nurse: the patients of her wards, and patients with an appointment today in a room of her wards;
- a doctor: his own patients (booked with him, admitted to wards he covers); any other patient only after
  he "breaks the glass" with a typed reason (audited, time-limited, never cached);
- a scheduler or an admin: every patient at the *booking* level (name, record number, birth date,
  contact; appointments without clinical notes);
- a pharmacist: what the refill tickets name (tickets name a ward and medicines, never a patient).

Appointments outside a reader's care scope are shown as busy blocks (time, doctor, room, status) without
patient, reason or notes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import IntEnum
from typing import Any
from zoneinfo import ZoneInfo

from shared.roles import Role

# --- audiences: the names under which records are published (and the feed's scopes) -----------------

REFERENCE = "reference"  # wards, rooms, doctors, medications, availability: everyone
PATIENTS = "patients"  # every patient at the booking level: the front desk
CALENDAR = "calendar"  # every appointment at the booking level: the front desk
PHARMACY = "pharmacy"  # every submitted refill ticket
DESK = "desk"  # the payments ledger with amounts: the front desk (schedulers record, admins report)


def ward(ward_id: uuid.UUID) -> str:
    """A ward's refill tickets (its nurses)."""
    return f"ward:{ward_id}"


def ward_patients(ward_id: uuid.UUID) -> str:
    """The patients in a ward's care: admitted there, or seen today in one of its rooms."""
    return f"ward-patients:{ward_id}"


def doctor(doctor_id: uuid.UUID) -> str:
    """A doctor's appointments and his patients."""
    return f"doctor:{doctor_id}"


def user(user_id: uuid.UUID) -> str:
    """A person's own notifications."""
    return f"user:{user_id}"


BOOKING_ROLES = frozenset({Role.SCHEDULER, Role.ADMIN})
CARE_ROLES = frozenset({Role.DOCTOR, Role.NURSE})
# Statuses in which an appointment makes its patient the doctor's: a refused request never existed.
_NOT_KEPT = frozenset({"rejected"})


class Access(IntEnum):
    """How much of a patient (or of an appointment) a reader may see; higher sees more."""

    NONE = 0  # not even that the record exists
    BUSY = 1  # an appointment as a busy block: when, which doctor and room, its status
    BOOKING = 2  # demographics and appointments without clinical notes (the front desk)
    CARE = 3  # everything (the people caring for the patient)


@dataclass(frozen=True)
class Reader:
    """The person asking, as far as the scope rule cares."""

    role: Role
    user_id: uuid.UUID
    ward_ids: frozenset[uuid.UUID] = frozenset()
    doctor_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Visit:
    """One appointment of a patient, as far as the scope rule cares. `day`: its calendar day in the
    doctor's zone `zone`; `room_ward_id`: the ward of its room, if the room belongs to one."""

    doctor_id: uuid.UUID
    day: date
    status: str
    room_ward_id: uuid.UUID | None = None
    zone: str = "UTC"

    def is_on_day_of(self, now: datetime) -> bool:
        """Whether the visit falls on the doctor's local day of `now` (an aware datetime)."""
        return now.astimezone(ZoneInfo(self.zone)).date() == self.day


@dataclass(frozen=True)
class PatientFacts:
    """What decides who sees a patient."""

    patient_id: uuid.UUID
    ward_id: uuid.UUID | None
    visits: tuple[Visit, ...] = ()


def audiences_of(reader: Reader) -> frozenset[str]:
    """The audiences a person reads (their feed scopes)."""
    found = {REFERENCE, user(reader.user_id)}
    if reader.role is Role.NURSE:
        for ward_id in reader.ward_ids:
            found.update((ward(ward_id), ward_patients(ward_id)))
    elif reader.role is Role.DOCTOR:
        if reader.doctor_id is not None:
            found.add(doctor(reader.doctor_id))
        found.update(ward_patients(w) for w in reader.ward_ids)  # the wards he covers
    elif reader.role is Role.PHARMACIST:
        found.add(PHARMACY)
    elif reader.role in BOOKING_ROLES:
        found.update((PATIENTS, CALENDAR, DESK))
    return frozenset(found)


def care_audiences(facts: PatientFacts, *, now: datetime) -> frozenset[str]:
    """The audiences caring for this patient at `now` (an aware datetime: today's visits count)."""
    found: set[str] = set()
    if facts.ward_id is not None:
        found.add(ward_patients(facts.ward_id))
    for visit in facts.visits:
        if visit.status in _NOT_KEPT:
            continue
        found.add(doctor(visit.doctor_id))
        if visit.room_ward_id is not None and visit.is_on_day_of(now):
            found.add(ward_patients(visit.room_ward_id))
    return frozenset(found)


def patient_audiences(facts: PatientFacts, *, now: datetime) -> frozenset[str]:
    """Every audience a patient record is published to: its carers and the front desk."""
    return care_audiences(facts, now=now) | {PATIENTS}


def patient_access(
    reader: Reader, facts: PatientFacts, *, now: datetime, glass_broken: bool = False
) -> Access:
    """How much of this patient the reader may see. `glass_broken`: the reader holds a live
    break-the-glass grant for the patient (only doctors can get one)."""
    if reader.role in CARE_ROLES:
        if audiences_of(reader) & care_audiences(facts, now=now):
            return Access.CARE
        if glass_broken and reader.role is Role.DOCTOR:
            return Access.CARE
        return Access.NONE
    if reader.role in BOOKING_ROLES:
        return Access.BOOKING
    return Access.NONE


def may_break_glass(reader: Reader) -> bool:
    """Only a doctor may open a patient outside his care, with a reason, for a limited time."""
    return reader.role is Role.DOCTOR


def appointment_access(reader: Reader, *, doctor_id: uuid.UUID, patient: Access) -> Access:
    """How much of an appointment the reader may see, given how much of its patient they may see.
    A doctor sees his own calendar in full; everyone who reads calendars sees at least a busy block."""
    if reader.role is Role.DOCTOR and reader.doctor_id == doctor_id:
        return Access.CARE
    if patient >= Access.BOOKING:
        return patient
    return Access.BUSY if reader.role in CARE_ROLES | BOOKING_ROLES else Access.NONE


def appointment_audiences(doctor_id: uuid.UUID) -> dict[str, Access]:
    """Where an appointment is published, and how much each audience sees of it."""
    return {doctor(doctor_id): Access.CARE, CALENDAR: Access.BOOKING}


# The fields of an appointment record each level may see; the others are blanked (not dropped, so a
# record keeps its shape).
_BUSY_FIELDS = frozenset(
    {
        "id",
        "doctor_id",
        "room_id",
        "starts_at",
        "ends_at",
        "status",
        "version",
        "hold_expires_at",
        "rescheduled_from_id",
        "rescheduled_to_id",
        "created_at",
        "updated_at",
        "overbooked",
    }
)
_CLINICAL_FIELDS = frozenset({"notes"})
_BLANK: Mapping[str, Any] = {"reason": "", "notes": ""}


def redact_appointment(record: Mapping[str, Any], access: Access) -> dict[str, Any] | None:
    """The appointment record as `access` may see it (None for NONE)."""
    if access is Access.NONE:
        return None
    if access is Access.CARE:
        return dict(record)
    if access is Access.BOOKING:
        hidden: Iterable[str] = _CLINICAL_FIELDS
    else:
        hidden = (key for key in record if key not in _BUSY_FIELDS)
    redacted = dict(record)
    for key in list(hidden):
        if key in redacted:
            redacted[key] = _BLANK.get(key)
    return redacted
