"""Documents on the change feed: the metadata of an available (or entered-in-error) document goes to
the people caring for its patient, so their desktops list it offline. A pending upload never does."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from shared import privacy
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
