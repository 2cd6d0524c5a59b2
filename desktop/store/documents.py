"""Documents on the workstation, without Qt: the upload queue (a file attached offline waits here, its
bytes spooled beside the cache, until the server has verified it) and the offline copies of recently
opened documents (LRU within a size budget, gone at sign-out).

The queue lives in the cache file (tables of migration 0006), so an upload interrupted by a lost
connection, a crash or a restart resumes where it stopped: registering is idempotent on the server,
parts already sent are skipped, and nothing is shown as available before the server says so.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from sqlalchemy import Column, Integer, String, Table, Text, delete, insert, select, update
from sqlalchemy.engine import Engine

from desktop.store.connection import CacheConnection
from desktop.store.database import WRITE
from desktop.store.schema import metadata
from shared.documents import SNIFF_BYTES, DocumentKind, sniff_content_type

document_uploads = Table(
    "document_uploads",
    metadata,
    Column("document_id", String(36), primary_key=True),
    Column("patient_id", String(36), nullable=False),
    Column("appointment_id", String(36)),
    Column("kind", String(32), nullable=False),
    Column("title", Text, nullable=False),
    Column("filename", Text, nullable=False),
    Column("content_type", String(64), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("parts_sent", Integer, nullable=False, default=0),
    Column("error", Text, nullable=False, default=""),
    Column("queued_at", Text, nullable=False),
)

document_copies = Table(
    "document_copies",
    metadata,
    Column("document_id", String(36), primary_key=True),
    Column("content_type", String(64), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("opened_at", Text, nullable=False),
)


class UploadState(StrEnum):
    QUEUED = "queued"  # waiting for the server (offline, or not started)
    SENDING = "sending"  # registered; `parts_sent` parts are in the store
    DONE = "done"  # verified and available on the server
    FAILED = "failed"  # refused for good (wrong content, too large, damaged): `error` says why


class NotADocument(ValueError):
    """The file is not a PDF, PNG or JPEG (by its content), or is empty or too large. `reason`: "empty",
    "too_large" or "not_a_document" (the desktop words it in the user's language); `limit`: the size
    limit in bytes."""

    def __init__(self, message: str, *, reason: str = "not_a_document", limit: int = 0) -> None:
        super().__init__(message)
        self.reason = reason
        self.limit = limit


@dataclass(frozen=True)
class QueuedUpload:
    document_id: uuid.UUID
    patient_id: uuid.UUID
    appointment_id: uuid.UUID | None
    kind: DocumentKind
    title: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    state: UploadState
    parts_sent: int
    error: str

    def registration(self) -> dict[str, object]:
        """The body of POST /patients/{patient_id}/documents."""
        body: dict[str, object] = {
            "document_id": str(self.document_id),
            "kind": self.kind.value,
            "title": self.title,
            "filename": self.filename,
            "content_type": self.content_type,
            "size_bytes": self.size_bytes,
            "sha256": self.sha256,
        }
        if self.appointment_id is not None:
            body["appointment_id"] = str(self.appointment_id)
        return body


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _queued(row: object) -> QueuedUpload:
    appointment = row.appointment_id  # type: ignore[attr-defined]
    return QueuedUpload(
        document_id=uuid.UUID(row.document_id),  # type: ignore[attr-defined]
        patient_id=uuid.UUID(row.patient_id),  # type: ignore[attr-defined]
        appointment_id=uuid.UUID(appointment) if appointment else None,
        kind=DocumentKind(row.kind),  # type: ignore[attr-defined]
        title=row.title,  # type: ignore[attr-defined]
        filename=row.filename,  # type: ignore[attr-defined]
        content_type=row.content_type,  # type: ignore[attr-defined]
        size_bytes=row.size_bytes,  # type: ignore[attr-defined]
        sha256=row.sha256,  # type: ignore[attr-defined]
        state=UploadState(row.state),  # type: ignore[attr-defined]
        parts_sent=row.parts_sent,  # type: ignore[attr-defined]
        error=row.error,  # type: ignore[attr-defined]
    )


class UploadQueue:
    """The documents waiting to reach the server, in the order they were attached."""

    def __init__(self, engine: Engine, spool: Path, *, max_bytes: int) -> None:
        self._engine = engine
        self.spool = spool
        self.max_bytes = max_bytes

    def enqueue(
        self,
        source: Path,
        *,
        patient_id: uuid.UUID,
        kind: DocumentKind,
        title: str,
        appointment_id: uuid.UUID | None = None,
    ) -> QueuedUpload:
        """Check `source` (type by content, size), copy it to the spool and queue it. The copy is
        complete before the row exists, so a crash never queues half a file. Raises NotADocument, OSError."""
        size = source.stat().st_size
        if size == 0 or size > self.max_bytes:
            raise NotADocument(
                f"{source.name}: a document must hold 1 byte to {self.max_bytes // 2**20} MB.",
                reason="empty" if size == 0 else "too_large",
                limit=self.max_bytes,
            )
        with source.open("rb") as handle:
            content_type = sniff_content_type(handle.read(SNIFF_BYTES))
        if content_type is None:
            raise NotADocument(f"{source.name} is not a PDF, PNG or JPEG file.", limit=self.max_bytes)
        document_id = uuid.uuid4()
        self.spool.mkdir(parents=True, exist_ok=True)
        partial = self.spool / f".{document_id}.part"
        digest = hashlib.sha256()
        with source.open("rb") as src, partial.open("wb") as out:
            while chunk := src.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, self.spool_file(document_id))
        row = {
            "document_id": str(document_id),
            "patient_id": str(patient_id),
            "appointment_id": str(appointment_id) if appointment_id else None,
            "kind": kind.value,
            "title": title,
            "filename": source.name,
            "content_type": content_type,
            "size_bytes": size,
            "sha256": digest.hexdigest(),
            "state": UploadState.QUEUED.value,
            "parts_sent": 0,
            "error": "",
            "queued_at": _now(),
        }
        with self._engine.connect().execution_options(**WRITE) as conn, conn.begin():
            conn.execute(insert(document_uploads).values(row))
        return self.get(document_id)

    def spool_file(self, document_id: uuid.UUID) -> Path:
        return self.spool / str(document_id)

    def read_part(self, upload: QueuedUpload, *, number: int, part_size: int) -> bytes:
        """Part `number` (from 0) of the spooled file."""
        with self.spool_file(upload.document_id).open("rb") as handle:
            handle.seek(number * part_size)
            return handle.read(part_size)

    def get(self, document_id: uuid.UUID) -> QueuedUpload:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(document_uploads).where(document_uploads.c.document_id == str(document_id))
            ).one()
        return _queued(row)

    def unfinished(self) -> list[QueuedUpload]:
        """Uploads still to send, oldest first."""
        query = (
            select(document_uploads)
            .where(document_uploads.c.state.in_([UploadState.QUEUED.value, UploadState.SENDING.value]))
            .order_by(document_uploads.c.queued_at, document_uploads.c.document_id)
        )
        with self._engine.connect() as conn:
            return [_queued(row) for row in conn.execute(query)]

    def all(self) -> list[QueuedUpload]:
        with self._engine.connect() as conn:
            query = select(document_uploads).order_by(document_uploads.c.queued_at)
            return [_queued(row) for row in conn.execute(query)]

    def _set(self, document_id: uuid.UUID, **values: object) -> None:
        with self._engine.connect().execution_options(**WRITE) as conn, conn.begin():
            conn.execute(
                update(document_uploads)
                .where(document_uploads.c.document_id == str(document_id))
                .values(**values)
            )

    def part_sent(self, document_id: uuid.UUID, *, parts_sent: int) -> None:
        self._set(document_id, state=UploadState.SENDING.value, parts_sent=parts_sent)

    def restart_parts(self, document_id: uuid.UUID) -> None:
        """The server's upload started over (its links are for a new upload): send every part again."""
        self._set(document_id, parts_sent=0)

    def done(self, document_id: uuid.UUID) -> None:
        """Verified by the server: the spooled copy is no longer needed."""
        self._set(document_id, state=UploadState.DONE.value, error="")
        self.spool_file(document_id).unlink(missing_ok=True)

    def failed(self, document_id: uuid.UUID, *, error: str) -> None:
        self._set(document_id, state=UploadState.FAILED.value, error=error)
        self.spool_file(document_id).unlink(missing_ok=True)


class OfflineCopies:
    """Recently opened documents, readable offline: at most `budget_bytes`, the least recently opened
    dropped first. `clear` (at sign-out of a shared PC) removes every copy."""

    def __init__(self, engine: Engine, folder: Path, *, budget_bytes: int) -> None:
        self._engine = engine
        self.folder = folder
        self.budget_bytes = budget_bytes

    def _file(self, document_id: uuid.UUID) -> Path:
        return self.folder / str(document_id)

    def put(self, document_id: uuid.UUID, data: bytes, *, content_type: str) -> None:
        if len(data) > self.budget_bytes:
            return  # larger than the whole budget: not kept
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f".{document_id}.part"
        partial.write_bytes(data)
        os.replace(partial, self._file(document_id))
        row = {
            "document_id": str(document_id),
            "content_type": content_type,
            "size_bytes": len(data),
            "opened_at": _now(),
        }
        with self._engine.connect().execution_options(**WRITE) as conn, conn.begin():
            conn.execute(delete(document_copies).where(document_copies.c.document_id == str(document_id)))
            conn.execute(insert(document_copies).values(row))
        self._evict()

    def get(self, document_id: uuid.UUID) -> tuple[bytes, str] | None:
        """The offline copy and its content type (marked as just opened), or None."""
        with self._engine.connect().execution_options(**WRITE) as conn, conn.begin():
            row = conn.execute(
                select(document_copies).where(document_copies.c.document_id == str(document_id))
            ).first()
            if row is None:
                return None
            conn.execute(
                update(document_copies)
                .where(document_copies.c.document_id == str(document_id))
                .values(opened_at=_now())
            )
        try:
            return self._file(document_id).read_bytes(), row.content_type
        except FileNotFoundError:
            return None

    def _evict(self) -> None:
        with self._engine.connect().execution_options(**WRITE) as conn, conn.begin():
            rows = conn.execute(
                select(document_copies.c.document_id, document_copies.c.size_bytes).order_by(
                    document_copies.c.opened_at.desc()
                )
            ).all()
            kept = 0
            for document_id, size in rows:
                kept += size
                if kept > self.budget_bytes:
                    conn.execute(delete(document_copies).where(document_copies.c.document_id == document_id))
                    self._file(uuid.UUID(document_id)).unlink(missing_ok=True)

    def ids(self) -> Iterator[uuid.UUID]:
        with self._engine.connect() as conn:
            for (document_id,) in conn.execute(select(document_copies.c.document_id)):
                yield uuid.UUID(document_id)

    def clear(self) -> None:
        with self._engine.connect().execution_options(**WRITE) as conn, conn.begin():
            conn.execute(delete(document_copies))
        shutil.rmtree(self.folder, ignore_errors=True)


def document_folders(
    store: CacheConnection, *, max_upload_bytes: int, copies_budget: int
) -> tuple[UploadQueue, OfflineCopies]:
    """The upload queue and the offline copies of the cache `store`, in folders beside its file."""
    folder = store.path.parent / "documents"
    engine = store._engine  # noqa: SLF001  # the same file: the tables are the cache's (migration 0006)
    return (
        UploadQueue(engine, folder / "spool", max_bytes=max_upload_bytes),
        OfflineCopies(engine, folder / "copies", budget_bytes=copies_budget),
    )
