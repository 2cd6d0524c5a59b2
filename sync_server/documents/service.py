"""The documents' rules: who may attach, see and mark a patient's documents; what an upload must be
before anyone sees it; and the audit of every view.

A document is registered (metadata and the SHA-256 its bytes must have), its bytes go straight to the
store through presigned links, and only when the upload is completed and the stored object checked
(size, type from the content, hash) is it available. Nothing is ever deleted: a wrong document is
marked entered-in-error, a failed upload stays on record as rejected.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from shared.documents import CONTENT_TYPES, SNIFF_BYTES, DocumentStatus, RegisterDocument, sniff_content_type
from shared.errors import ErrorCode
from shared.events import EventType
from shared.privacy import CARE_ROLES, Access
from sync_server.audit import service as audit
from sync_server.auth.deps import Actor
from sync_server.core.config import Settings
from sync_server.core.context import ClientInfo
from sync_server.core.errors import (
    AppError,
    Conflict,
    Duplicate,
    Invalid,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
)
from sync_server.core.outbox import emit
from sync_server.documents import repository
from sync_server.documents.feed import record_document
from sync_server.documents.models import Document
from sync_server.documents.storage import DocumentStore, Link, UploadPlan
from sync_server.privacy.service import PatientScope


class UnsupportedDocumentType(AppError):
    status_code = 415
    code = ErrorCode.UNSUPPORTED_MEDIA_TYPE
    keeps_effects = True  # a rejected upload stays on record


class IntegrityFailed(AppError):
    status_code = 422
    code = ErrorCode.DOCUMENT_INTEGRITY
    keeps_effects = True


class NotUploaded(Conflict):
    """Completion asked for before the bytes are all in the store: upload them, then complete again."""


class DocumentService:
    """The documents as one person sees them at `now`."""

    def __init__(
        self,
        session: Session,
        *,
        actor: Actor,
        client: ClientInfo,
        now: datetime,
        store: DocumentStore,
        settings: Settings,
    ) -> None:
        self.session = session
        self.actor = actor
        self.client = client
        self.now = now
        self.store = store
        self.settings = settings
        self.scope = PatientScope(session, actor=actor, client=client, now=now)

    @property
    def max_bytes(self) -> int:
        return self.settings.documents_max_mb * 1024 * 1024

    # -- reading -------------------------------------------------------------------------------------------

    def _carer(self) -> None:
        if self.actor.role not in CARE_ROLES:
            raise PermissionDenied("Only the nurses and doctors caring for a patient handle his documents.")

    def _shown(self, document_id: uuid.UUID, *, for_update: bool = False) -> Document:
        """A document the caller may see. Raises NotFound (none, or not completed) or OutsideCareScope."""
        self._carer()
        document = repository.document(self.session, document_id, for_update=for_update)
        if document is None or document.status not in repository.SHOWN:
            raise NotFound(f"no document {document_id}")
        self.scope.require(document.patient_id, at_least=Access.CARE)
        return document

    def get(self, document_id: uuid.UUID) -> Document:
        return self._shown(document_id)

    def of_patient(self, patient_id: uuid.UUID) -> list[Document]:
        self._carer()
        self.scope.require(patient_id, at_least=Access.CARE)
        return repository.patient_documents(self.session, patient_id)

    def of_appointment(self, appointment_id: uuid.UUID) -> list[Document]:
        self._carer()
        patient_id = repository.appointment_patient(self.session, appointment_id)
        if patient_id is None:
            raise NotFound(f"no appointment {appointment_id}")
        self.scope.require(patient_id, at_least=Access.CARE)
        return repository.appointment_documents(self.session, appointment_id)

    def open(self, document_id: uuid.UUID) -> tuple[Document, Link]:
        """A link to the document's bytes that expires in minutes; the view is audited."""
        document = self._shown(document_id)
        link = self.store.download_link(
            document.storage_key,
            filename=document.filename,
            content_type=document.content_type,
            now=self.now,
        )
        self._audit("document.view", document, status=document.status)
        return document, link

    # -- uploading -----------------------------------------------------------------------------------------

    def register(self, document_id: uuid.UUID, request: RegisterDocument) -> tuple[Document, UploadPlan]:
        """Record a new document and plan its upload. The same registration again (a desktop resuming)
        answers fresh links; the same id with other content is refused (Duplicate).
        Raises UnsupportedDocumentType, PayloadTooLarge, Invalid, OutsideCareScope."""
        self._carer()
        self.scope.require(request.patient_id, at_least=Access.CARE)
        if request.content_type not in CONTENT_TYPES:
            raise UnsupportedDocumentType("A document must be a PDF, PNG or JPEG file.")
        if request.size_bytes > self.max_bytes:
            raise PayloadTooLarge(
                f"A document may be at most {self.settings.documents_max_mb} MB.",
                details={"max_bytes": self.max_bytes},
            )
        if request.appointment_id is not None:
            owner = repository.appointment_patient(self.session, request.appointment_id)
            if owner != request.patient_id:
                raise Invalid("That appointment is not this patient's.", details={"field": "appointment_id"})
        document = repository.document(self.session, document_id, for_update=True)
        if document is not None:
            return document, self._resume(document, request)
        key = f"{self.settings.documents_key_prefix}{request.patient_id}/{document_id}"
        plan = self.store.plan_upload(
            key,
            content_type=request.content_type,
            size=request.size_bytes,
            sha256=request.sha256,
            now=self.now,
        )
        document = Document(
            id=document_id,
            **request.model_dump(exclude={"kind"}),
            kind=request.kind.value,
            storage_key=key,
            upload_id=plan.upload_id,
            status=DocumentStatus.PENDING.value,
            status_reason="",
            uploaded_by=self.actor.user_id,
            version=1,
        )
        self.session.add(document)
        self.session.flush()
        return document, plan

    def _resume(self, document: Document, request: RegisterDocument) -> UploadPlan:
        same = (
            document.uploaded_by == self.actor.user_id
            and document.patient_id == request.patient_id
            and document.sha256 == request.sha256
            and document.size_bytes == request.size_bytes
        )
        if not same:
            raise Duplicate(
                "Another document already has this id.", details={"document_id": str(document.id)}
            )
        if document.status != DocumentStatus.PENDING:
            return UploadPlan(None, document.size_bytes, [])  # nothing left to send
        return self.store.plan_upload(
            document.storage_key,
            content_type=document.content_type,
            size=document.size_bytes,
            sha256=document.sha256,
            now=self.now,
            upload_id=document.upload_id,
        )

    def complete(self, document_id: uuid.UUID, *, part_sha256: list[str] | None = None) -> Document:
        """Check the stored object (size, type from its first bytes, SHA-256) and make the document
        available. A failed check rejects it for good (the object is deleted, the row stays).
        `part_sha256`: the hex SHA-256 of each part sent, in order, for a multipart upload (the store's
        composite checksum is checked against them; without them the object is read back and hashed).
        Raises NotFound, NotUploaded (409: send the bytes first), UnsupportedDocumentType,
        IntegrityFailed, OutsideCareScope."""
        self._carer()
        document = repository.document(self.session, document_id, for_update=True)
        if document is None or document.uploaded_by != self.actor.user_id:
            raise NotFound(f"no document {document_id} of yours")
        self.scope.require(document.patient_id, at_least=Access.CARE)
        if document.status in repository.SHOWN:
            return document
        if document.status == DocumentStatus.REJECTED:
            raise IntegrityFailed(document.status_reason)
        multipart = document.upload_id is not None
        try:
            self.store.finish_upload(
                document.storage_key, upload_id=document.upload_id, part_sha256=part_sha256
            )
        except KeyError:
            raise NotUploaded("The document's bytes have not arrived yet; upload them first.") from None
        size = self.store.size_of(document.storage_key)
        if size is None:
            raise NotUploaded("The document's bytes have not arrived yet; upload them first.")
        document.upload_id = None
        if size != document.size_bytes or size > self.max_bytes:
            self._reject(
                document, f"The stored file has {size} bytes, not the {document.size_bytes} announced."
            )
            raise IntegrityFailed(document.status_reason)
        found = sniff_content_type(self.store.head(document.storage_key, SNIFF_BYTES))
        if found != document.content_type:
            self._reject(document, "The file's content is not the PDF, PNG or JPEG it claims to be.")
            raise UnsupportedDocumentType(document.status_reason)
        if not self._intact(document, multipart=multipart, part_sha256=part_sha256):
            self._reject(document, "The stored file's SHA-256 does not match: it was damaged on the way.")
            raise IntegrityFailed(document.status_reason)
        document.status = DocumentStatus.AVAILABLE.value
        document.completed_at = self.now
        document.version += 1
        self.session.flush()
        record_document(self.session, document, now=self.now)
        self._audit("document.upload", document, size_bytes=document.size_bytes)
        self._announce(EventType.DOCUMENT_ADDED, document)
        return document

    def _intact(self, document: Document, *, multipart: bool, part_sha256: list[str] | None) -> bool:
        """The store's own checksum when it keeps one; else the object read back and hashed."""
        verdict = self.store.matches(
            document.storage_key, sha256=document.sha256, multipart=multipart, part_sha256=part_sha256
        )
        if verdict is not None:
            return verdict
        digest = hashlib.sha256()
        for chunk in self.store.read(document.storage_key):
            digest.update(chunk)
        return digest.hexdigest() == document.sha256

    def _reject(self, document: Document, reason: str) -> None:
        document.status = DocumentStatus.REJECTED.value
        document.status_reason = reason
        document.version += 1
        self.store.delete(document.storage_key)
        self.session.flush()
        self._audit("document.rejected", document, reason=reason)

    # -- marking -------------------------------------------------------------------------------------------

    def mark_entered_in_error(self, document_id: uuid.UUID, *, reason: str) -> Document:
        """Mark a document as entered in error: it stays, readable and flagged, with who, when and why.
        Marking it again changes nothing. Raises NotFound, OutsideCareScope."""
        document = self._shown(document_id, for_update=True)
        if document.status == DocumentStatus.ENTERED_IN_ERROR:
            return document
        document.status = DocumentStatus.ENTERED_IN_ERROR.value
        document.status_reason = reason
        document.marked_by = self.actor.user_id
        document.marked_at = self.now
        document.version += 1
        self.session.flush()
        record_document(self.session, document, now=self.now)
        self._audit("document.entered_in_error", document, reason=reason)
        self._announce(EventType.DOCUMENT_ENTERED_IN_ERROR, document)
        return document

    def _announce(self, event: EventType, document: Document) -> None:
        """The document.* event (the patient's history), in this transaction."""
        marked = document.status == DocumentStatus.ENTERED_IN_ERROR
        emit(
            self.session,
            event_type=event.value,
            aggregate_type="document",
            aggregate_id=document.id,
            payload={
                "document_id": str(document.id),
                "patient_id": str(document.patient_id),
                "appointment_id": str(document.appointment_id) if document.appointment_id else None,
                "kind": document.kind,
                "title": document.title,
                "filename": document.filename,
                "content_type": document.content_type,
                "uploaded_by": str(document.uploaded_by),
                "marked_by": str(document.marked_by) if marked and document.marked_by else None,
                "reason": document.status_reason if marked else None,
            },
        )

    def _audit(self, action: str, document: Document, **details: object) -> None:
        audit.record(
            self.session,
            actor=self.actor,
            client=self.client,
            action=action,
            entity="document",
            entity_id=document.id,
            details={"patient_id": str(document.patient_id), **details},
        )
