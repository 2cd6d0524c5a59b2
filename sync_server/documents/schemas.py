"""The documents' request and answer bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.documents import DocumentKind, DocumentStatus, MarkEnteredInError, RegisterDocument


class RegisterDocumentIn(RegisterDocument):
    """A new document's metadata; the patient is in the path. Sending it again (same id, same content)
    answers fresh upload links, so an interrupted upload resumes."""

    patient_id: uuid.UUID | None = None  # type: ignore[assignment]
    document_id: uuid.UUID


class CompleteDocumentIn(BaseModel):
    """Optional body of a completion: the SHA-256 of each part sent (hex, in order) when the upload had
    several parts, for the store's composite checksum to be checked without reading the object back."""

    model_config = ConfigDict(extra="forbid")

    part_sha256: list[Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]] | None = Field(
        default=None, max_length=10_000
    )


class EnteredInErrorIn(MarkEnteredInError):
    pass


class DocumentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    patient_id: uuid.UUID
    appointment_id: uuid.UUID | None
    kind: DocumentKind
    title: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    status: DocumentStatus
    status_reason: str
    uploaded_by: uuid.UUID
    created_at: datetime
    completed_at: datetime | None
    marked_by: uuid.UUID | None
    marked_at: datetime | None
    version: int


class LinkOut(BaseModel):
    method: str
    url: str = Field(description="Absolute (S3), or a path on this server (the local store)")
    headers: dict[str, str]
    expires_at: datetime


class UploadOut(BaseModel):
    document: DocumentOut
    part_size: int = Field(description="Bytes per part: part n carries bytes [(n-1)*part_size, n*part_size)")
    parts: list[LinkOut]


class DownloadOut(BaseModel):
    document: DocumentOut
    link: LinkOut
