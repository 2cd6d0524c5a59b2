"""A patient's lab reports and exam results: the metadata row. The bytes live in the document store
(S3 or a local folder) under `storage_key`; a row is never deleted, a wrong one is marked."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.documents import CONTENT_TYPES, DocumentKind, DocumentStatus
from sync_server.core.db import Base, Timestamped


def _check_in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Document(Timestamped, Base):
    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint(_check_in("kind", tuple(DocumentKind)), name="kind"),
        CheckConstraint(_check_in("status", tuple(DocumentStatus)), name="status"),
        CheckConstraint(_check_in("content_type", CONTENT_TYPES), name="content_type"),
        CheckConstraint("size_bytes > 0", name="size"),
        Index("ix_documents_patient", "patient_id", "created_at"),
        Index("ix_documents_appointment", "appointment_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"))
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("appointments.id"))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(512), unique=True)
    # The store's multipart upload under way (S3's UploadId), until the upload is completed.
    upload_id: Mapped[str | None] = mapped_column(String(1024))
    status: Mapped[str] = mapped_column(String(32), default=DocumentStatus.PENDING.value)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    uploaded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    marked_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    marked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
