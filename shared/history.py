"""A patient's history (ADR 006): a time-ordered projection of every event that names the patient, the same
shape on the server's stores (DynamoDB or PostgreSQL), on the wire (feed record `history_entry`, and
GET /patients/{id}/history) and in the desktop's cache.

An entry is keyed by (patient_id, sort_key); `sort_key` orders a patient's entries by time and makes the
key unique per event, so a redelivered event lands on the same key and is written once.
Doctors' notes are never edited in place: an amendment is a new entry naming the note it amends.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

NOTE_MAX_CHARS = 5000
HISTORY_PAGE_MAX = 200


class HistoryKind(StrEnum):
    """What an entry is about; the timeline filters by it."""

    APPOINTMENT = "appointment"  # booked, moved, cancelled, attended, missed
    TICKET = "ticket"  # a refill ticket that names the patient
    DOCUMENT = "document"  # a lab report or exam result added, or marked entered-in-error
    NOTE = "note"  # a doctor's note, or its amendment
    PAYMENT = "payment"  # paid or refunded at the desk (amounts only for the desk: see `details`)


def sort_key(occurred_at: datetime, event_id: uuid.UUID) -> str:
    """Time first (UTC, fixed width, so text order is time order), then the event id to break ties."""
    return f"{occurred_at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}#{event_id}"


class HistoryEntry(BaseModel):
    """One entry of a patient's timeline. `details` holds kind-specific fields (for a note: `text`,
    `noted_on`, `amends`; for a payment seen by the desk: `amount`, `currency`, `method`); it never holds a
    payment's amount in the copy published to doctors and nurses."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    patient_id: uuid.UUID
    sort_key: str
    event_id: uuid.UUID = Field(description="The outbox message id the entry was projected from")
    event_type: str
    kind: HistoryKind
    occurred_at: datetime
    title: str
    summary: str = ""
    subject_id: str | None = Field(default=None, description="What it is about (its id)")
    author_id: uuid.UUID | None = None
    author_name: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class HistoryPage(BaseModel):
    """GET /patients/{id}/history?kind=&before=&limit=: newest first; `next_before` pages on."""

    entries: list[HistoryEntry]
    next_before: str | None = None


class AddNote(BaseModel):
    """Payload of `history.note_add` (and POST /patients/{id}/notes); the entity id is the note's id."""

    model_config = ConfigDict(extra="forbid")

    patient_id: uuid.UUID
    noted_on: date = Field(description="The clinical date the note is about")
    text: str = Field(min_length=1, max_length=NOTE_MAX_CHARS)


class AmendNote(BaseModel):
    """Payload of `history.note_amend` (and POST /notes/{id}/amendments); the entity id is the amended
    note's id. The original stays; the amendment is a new entry with its author and time."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=NOTE_MAX_CHARS)
    reason: str = Field(min_length=3, max_length=500)
