"""Every query of the doctors' notes."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync_server.history.models import DoctorNote


def note(session: Session, note_id: uuid.UUID) -> DoctorNote | None:
    return session.get(DoctorNote, note_id)


def notes_of(session: Session, patient_id: uuid.UUID) -> list[DoctorNote]:
    query = select(DoctorNote).where(DoctorNote.patient_id == patient_id)
    return list(session.scalars(query.order_by(DoctorNote.written_at, DoctorNote.id)))
