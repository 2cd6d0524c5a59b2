"""Documents on the change feed: the metadata of an available (or entered-in-error) document goes to
the people caring for its patient, so their desktops list it offline. A pending upload never does.
When the patient's carers change (he moves ward, a visit day comes or goes), his documents follow him:
`record_patients_documents` publishes them again, and the carers who lost him get tombstones."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import privacy
from shared.documents import DocumentStatus
from shared.protocol import Entity
from sync_server.documents.models import Document
from sync_server.feed.changes import record_change
from sync_server.privacy import repository as privacy_repository


def document_record(document: Document) -> dict[str, Any]:
    """The JSON `data` of a Change for Entity.DOCUMENT (never the bytes nor where they are)."""
    return {
        "id": document.id,
        "patient_id": document.patient_id,
        "appointment_id": document.appointment_id,
        "kind": document.kind,
        "title": document.title,
        "filename": document.filename,
        "content_type": document.content_type,
        "size_bytes": document.size_bytes,
        "sha256": document.sha256,
        "status": document.status,
        "status_reason": document.status_reason,
        "uploaded_by": document.uploaded_by,
        "created_at": document.created_at,
        "marked_at": document.marked_at,
        "version": document.version,
    }


def record_document(session: Session, document: Document, *, now: datetime) -> None:
    """Publish the document to its patient's carers at `now` (flushed state)."""
    facts = privacy_repository.patient_facts(session, [document.patient_id]).get(document.patient_id)
    scopes = sorted(privacy.care_audiences(facts, now=now)) if facts else []
    record_change(
        session,
        entity=Entity.DOCUMENT,
        entity_id=document.id,
        version=document.version,
        scopes=scopes,
        data=document_record(document),
    )


_SHOWN = (DocumentStatus.AVAILABLE.value, DocumentStatus.ENTERED_IN_ERROR.value)


def record_patients_documents(session: Session, patient_ids: Iterable[uuid.UUID], *, now: datetime) -> int:
    """Publish again the shown documents of these patients to their carers at `now` (after their
    audiences changed): the new carers get them, the former ones a tombstone. Returns how many."""
    ids = list(dict.fromkeys(patient_ids))
    if not ids:
        return 0
    documents = session.scalars(
        select(Document).where(Document.patient_id.in_(ids), Document.status.in_(_SHOWN))
    ).all()
    for document in documents:
        record_document(session, document, now=now)
    return len(documents)
