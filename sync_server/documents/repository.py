"""Every query the documents need."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.documents import DocumentStatus
from sync_server.booking.models import Appointment
from sync_server.documents.models import Document

# What a reader is shown: a pending or rejected upload is nobody's document.
SHOWN = (DocumentStatus.AVAILABLE.value, DocumentStatus.ENTERED_IN_ERROR.value)


def document(session: Session, document_id: uuid.UUID, *, for_update: bool = False) -> Document | None:
    """The document; with `for_update`, locked so its completion and marking run one at a time."""
    if for_update:
        return session.get(Document, document_id, with_for_update=True, populate_existing=True)
    return session.get(Document, document_id)


def patient_documents(session: Session, patient_id: uuid.UUID) -> list[Document]:
    query = (
        select(Document)
        .where(Document.patient_id == patient_id, Document.status.in_(SHOWN))
        .order_by(Document.created_at.desc(), Document.id)
    )
    return list(session.scalars(query))


def appointment_documents(session: Session, appointment_id: uuid.UUID) -> list[Document]:
    query = (
        select(Document)
        .where(Document.appointment_id == appointment_id, Document.status.in_(SHOWN))
        .order_by(Document.created_at.desc(), Document.id)
    )
    return list(session.scalars(query))


def appointment_patient(session: Session, appointment_id: uuid.UUID) -> uuid.UUID | None:
    found: uuid.UUID | None = session.scalar(
        select(Appointment.patient_id).where(Appointment.id == appointment_id)
    )
    return found
