"""A patient's lab reports and exam results on the workstation: attaching a file (checked by its content,
queued, sent by the sync engine), listing what the cache and the queue hold, opening one in the viewer
(from the server, audited, then kept as an offline copy within a size budget) and forgetting the offline
copies when the user signs out.

A document is shown as available only once the server has verified it and its record has reached the
cache; a file still in the queue is listed as waiting (or refused, with the server's reason) and cannot
be opened. Everything here blocks: run it through `desktop.ops.background.Op` (`open` on the network
worker, the rest on the store worker). The functions raise what the store raises (StorageUnavailable).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import httpx

from desktop.store import CachedRecord, LocalStore
from desktop.store.documents import (
    NotADocument,
    QueuedUpload,
    UploadState,
    document_folders,
)
from desktop.sync.client import Offline, ServerUnavailable, TokenProvider
from desktop.sync.documents import DocumentTransfer, DocumentUploader
from shared.documents import DocumentKind, DocumentStatus
from shared.protocol import Entity

MB = 1024 * 1024
MAX_UPLOAD_BYTES = 50 * MB  # the server's default limit (WARDDESK_DOCUMENTS_MAX_MB); it checks again
OFFLINE_COPIES_BYTES = 200 * MB  # recently opened documents kept readable offline, per user

__all__ = [
    "DocumentEntry",
    "DocumentOps",
    "EntryState",
    "NotADocument",
    "OpenedDocument",
    "clear_offline_copies",
]


class EntryState(StrEnum):
    """What the panel shows for a document."""

    AVAILABLE = "available"
    ENTERED_IN_ERROR = "entered_in_error"
    WAITING = "waiting"  # in this workstation's queue, not verified by the server yet
    REFUSED = "refused"  # the server refused the file: `reason` says why


@dataclass(frozen=True, slots=True)
class DocumentEntry:
    """One line of a patient's (or an appointment's) documents."""

    id: uuid.UUID
    title: str
    kind: DocumentKind
    filename: str
    content_type: str
    size_bytes: int
    added_at: datetime | None
    state: EntryState
    reason: str = ""  # why it was refused, or marked entered in error

    @property
    def opens(self) -> bool:
        return self.state in (EntryState.AVAILABLE, EntryState.ENTERED_IN_ERROR)


@dataclass(frozen=True, slots=True)
class OpenedDocument:
    """A document's bytes for the viewer; `offline`: read from this computer's copy (no server)."""

    entry: DocumentEntry
    data: bytes
    content_type: str
    offline: bool


def _moment(value: object) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _kind(value: object) -> DocumentKind:
    try:
        return DocumentKind(str(value))
    except ValueError:
        return DocumentKind.LAB_REPORT


def entry_of(record: CachedRecord) -> DocumentEntry | None:
    """The cached server record as a line; None for one not shown (pending or rejected on the server)."""
    data = record.data
    status = str(data.get("status") or "")
    if status == DocumentStatus.AVAILABLE:
        state = EntryState.AVAILABLE
    elif status == DocumentStatus.ENTERED_IN_ERROR:
        state = EntryState.ENTERED_IN_ERROR
    else:
        return None
    return DocumentEntry(
        id=record.id,
        title=str(data.get("title") or ""),
        kind=_kind(data.get("kind")),
        filename=str(data.get("filename") or ""),
        content_type=str(data.get("content_type") or ""),
        size_bytes=int(data.get("size_bytes") or 0),
        added_at=_moment(data.get("completed_at") or data.get("created_at")),
        state=state,
        reason=str(data.get("status_reason") or "") if state is EntryState.ENTERED_IN_ERROR else "",
    )


def _queued_entry(upload: QueuedUpload) -> DocumentEntry:
    refused = upload.state is UploadState.FAILED
    return DocumentEntry(
        id=upload.document_id,
        title=upload.title,
        kind=upload.kind,
        filename=upload.filename,
        content_type=upload.content_type,
        size_bytes=upload.size_bytes,
        added_at=None,
        state=EntryState.REFUSED if refused else EntryState.WAITING,
        reason=upload.error if refused else "",
    )


def _newest_first(entry: DocumentEntry) -> tuple[int, datetime]:
    waiting = entry.state in (EntryState.WAITING, EntryState.REFUSED)  # this workstation's, listed first
    return (1 if waiting else 0, entry.added_at or datetime.min.replace(tzinfo=UTC))


def clear_offline_copies(store: LocalStore) -> None:
    """Forget every offline copy of this user's documents (signing out of a shared PC)."""
    _, copies = document_folders(store, max_upload_bytes=MAX_UPLOAD_BYTES, copies_budget=OFFLINE_COPIES_BYTES)
    copies.clear()


class DocumentOps:
    """The documents of one signed-in user's cache, and the transfer to the server with `tokens`."""

    def __init__(
        self,
        store: LocalStore,
        *,
        server_url: str,
        tokens: TokenProvider,
        transport: httpx.BaseTransport | None = None,
        max_upload_bytes: int = MAX_UPLOAD_BYTES,
        copies_budget: int = OFFLINE_COPIES_BYTES,
    ) -> None:
        self.store = store
        self.queue, self.copies = document_folders(
            store, max_upload_bytes=max_upload_bytes, copies_budget=copies_budget
        )
        self.transfer = DocumentTransfer(server_url, tokens=tokens, transport=transport)
        self.uploader = DocumentUploader(self.queue, self.transfer)
        # Called (on the sync thread) after the queue was sent: the panels list the new states.
        self.listeners: list[Callable[[], None]] = []

    @property
    def max_upload_bytes(self) -> int:
        return self.queue.max_bytes

    def use(self, tokens: TokenProvider) -> None:
        """Go on with another session's tokens (the person signed in again)."""
        self.transfer.use(tokens)

    def close(self) -> None:
        self.transfer.close()

    # ---- attaching ----

    def attach(
        self,
        source: Path,
        *,
        patient_id: uuid.UUID,
        kind: DocumentKind,
        title: str = "",
        appointment_id: uuid.UUID | None = None,
    ) -> DocumentEntry:
        """Check `source` by its content and size, and queue it for the server (sent by the sync engine,
        also later when offline now). Raises NotADocument (not a PDF/PNG/JPEG, empty or too large),
        OSError (the file cannot be read)."""
        queued = self.queue.enqueue(
            source,
            patient_id=patient_id,
            kind=kind,
            title=title.strip() or source.stem or source.name,
            appointment_id=appointment_id,
        )
        return _queued_entry(queued)

    def send_queued(self) -> list[uuid.UUID]:
        """Send the queue (the sync engine calls this every round). Raises Offline, ServerUnavailable."""
        if not self.queue.unfinished():
            return []
        try:
            return self.uploader.run()
        finally:
            for listener in list(self.listeners):
                try:
                    listener()
                except RuntimeError:  # its widget is gone
                    self.listeners.remove(listener)

    # ---- listing ----

    def _cached(self) -> list[CachedRecord]:
        return self.store.records(Entity.DOCUMENT)

    def _waiting(
        self, *, patient_id: uuid.UUID | None, appointment_id: uuid.UUID | None
    ) -> list[DocumentEntry]:
        return [
            _queued_entry(upload)
            for upload in self.queue.all()
            if upload.state is not UploadState.DONE
            and (patient_id is None or upload.patient_id == patient_id)
            and (appointment_id is None or upload.appointment_id == appointment_id)
        ]

    def of_patient(self, patient_id: uuid.UUID) -> list[DocumentEntry]:
        """The patient's documents: this workstation's queue first, then newest first."""
        shown = {str(patient_id)}
        entries = [
            entry
            for record in self._cached()
            if record.data.get("patient_id") in shown and (entry := entry_of(record)) is not None
        ]
        known = {entry.id for entry in entries}
        waiting = [e for e in self._waiting(patient_id=patient_id, appointment_id=None) if e.id not in known]
        return sorted(waiting + entries, key=_newest_first, reverse=True)

    def of_appointment(self, appointment_id: uuid.UUID) -> list[DocumentEntry]:
        """The documents attached to one appointment."""
        entries = [
            entry
            for record in self._cached()
            if record.data.get("appointment_id") == str(appointment_id)
            and (entry := entry_of(record)) is not None
        ]
        known = {entry.id for entry in entries}
        waiting = [
            e for e in self._waiting(patient_id=None, appointment_id=appointment_id) if e.id not in known
        ]
        return sorted(waiting + entries, key=_newest_first, reverse=True)

    def entry(self, document_id: uuid.UUID) -> DocumentEntry | None:
        record = self.store.record(Entity.DOCUMENT, document_id)
        return None if record is None else entry_of(record)

    # ---- opening ----

    def open(self, document_id: uuid.UUID) -> OpenedDocument:
        """The document's bytes: from the server (the view is audited there) and kept as an offline copy;
        without a connection, this computer's copy if it has one. Raises LookupError (not an available
        document in the cache), Offline / ServerUnavailable (no connection and no copy), RequestRefused."""
        entry = self.entry(document_id)
        if entry is None or not entry.opens:
            raise LookupError(f"no document {document_id} to open")
        try:
            opened = self.transfer.open(document_id)
        except (Offline, ServerUnavailable):
            copy = self.copies.get(document_id)
            if copy is None:
                raise
            data, content_type = copy
            return OpenedDocument(entry, data, content_type, offline=True)
        content_type = str(opened.document.get("content_type") or entry.content_type)
        self.copies.put(document_id, opened.data, content_type=content_type)
        return OpenedDocument(entry, opened.data, content_type, offline=False)

    def clear_offline_copies(self) -> None:
        self.copies.clear()
