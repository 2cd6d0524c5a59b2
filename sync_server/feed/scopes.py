"""The feed's scopes are the audiences of the one scope rule, `shared.privacy`: writers name the
audiences of a record here; readers get theirs from their role there (sync/readers.py), so the two
cannot drift apart.
"""

from __future__ import annotations

import uuid

from shared import privacy
from shared.privacy import CALENDAR, PATIENTS, PHARMACY, REFERENCE, doctor, user, ward

__all__ = [
    "CALENDAR",
    "PATIENTS",
    "PHARMACY",
    "REFERENCE",
    "appointment_scopes",
    "doctor",
    "ticket_scopes",
    "user",
    "ward",
]


def appointment_scopes(doctor_id: uuid.UUID) -> list[str]:
    return sorted(privacy.appointment_audiences(doctor_id))


def ticket_scopes(ward_id: uuid.UUID) -> list[str]:
    return [ward(ward_id), PHARMACY]
