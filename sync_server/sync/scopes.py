"""Who may see which part of the change feed. Writers name the scopes of a record; readers get theirs
from their role here. Keep the two in step: a scope nobody reads is a leak of work, one nobody writes is
an empty calendar.
"""

from __future__ import annotations

import uuid

from shared.roles import Role
from sync_server.auth.deps import Actor

REFERENCE = "reference"  # wards, rooms, doctors, medications, availability: everyone caches them
PATIENTS = "patients"  # patient records: only the roles that care for or book patients
PHARMACY = "pharmacy"  # every submitted refill ticket
CALENDAR = "calendar"  # every appointment


def ward(ward_id: uuid.UUID) -> str:
    """A ward's refill tickets (its nurses)."""
    return f"ward:{ward_id}"


def doctor(doctor_id: uuid.UUID) -> str:
    """A doctor's appointments."""
    return f"doctor:{doctor_id}"


def user(user_id: uuid.UUID) -> str:
    """A person's own notifications."""
    return f"user:{user_id}"


def appointment_scopes(doctor_id: uuid.UUID) -> list[str]:
    return [doctor(doctor_id), CALENDAR]


def ticket_scopes(ward_id: uuid.UUID) -> list[str]:
    return [ward(ward_id), PHARMACY]


_PATIENT_ROLES = frozenset({Role.DOCTOR, Role.NURSE, Role.SCHEDULER, Role.ADMIN})


def scopes_of(actor: Actor) -> list[str]:
    """The feed scopes the actor reads, sorted (the pull cursor fingerprints them)."""
    scopes = {REFERENCE, user(actor.user_id)}
    if actor.role in _PATIENT_ROLES:
        scopes.add(PATIENTS)
    if actor.role is Role.NURSE:
        scopes.update(ward(w) for w in actor.ward_ids)
    elif actor.role is Role.PHARMACIST:
        scopes.add(PHARMACY)
    elif actor.role is Role.DOCTOR:
        if actor.doctor_id is not None:
            scopes.add(doctor(actor.doctor_id))
    elif actor.role in (Role.SCHEDULER, Role.ADMIN):
        scopes.add(CALENDAR)
    return sorted(scopes)
