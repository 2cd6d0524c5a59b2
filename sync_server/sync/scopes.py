"""Who may see which part of the change feed: the feed's scopes are the audiences of the one scope rule,
`shared.privacy`. Writers name the audiences of a record; readers get theirs from their role there, so
the two cannot drift apart.
"""

from __future__ import annotations

import uuid

from shared import privacy
from shared.privacy import CALENDAR, PATIENTS, PHARMACY, REFERENCE, doctor, user, ward
from sync_server.auth.deps import Actor

__all__ = [
    "CALENDAR",
    "PATIENTS",
    "PHARMACY",
    "REFERENCE",
    "appointment_scopes",
    "doctor",
    "scopes_of",
    "ticket_scopes",
    "user",
    "ward",
]


def appointment_scopes(doctor_id: uuid.UUID) -> list[str]:
    return sorted(privacy.appointment_audiences(doctor_id))


def ticket_scopes(ward_id: uuid.UUID) -> list[str]:
    return [ward(ward_id), PHARMACY]


def scopes_of(actor: Actor) -> list[str]:
    """The feed scopes the actor reads, sorted (the pull cursor fingerprints them)."""
    reader = privacy.Reader(
        role=actor.role, user_id=actor.user_id, ward_ids=actor.ward_ids, doctor_id=actor.doctor_id
    )
    return sorted(privacy.audiences_of(reader))
