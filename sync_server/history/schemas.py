"""The history's request and answer bodies (the timeline itself is shared.history.HistoryPage)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from shared.history import AddNote, AmendNote


class AddNoteIn(AddNote):
    """A new note; the patient is in the path. `note_id` is made by the client, so a retry is harmless."""

    patient_id: uuid.UUID | None = None  # type: ignore[assignment]
    note_id: uuid.UUID


class AmendNoteIn(AmendNote):
    """An amendment; the amended note is in the path. `amendment_id` is made by the client."""

    amendment_id: uuid.UUID


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    patient_id: uuid.UUID
    noted_on: date
    text: str
    amends: uuid.UUID | None
    reason: str | None
    author_id: uuid.UUID
    author_name: str
    written_at: datetime
