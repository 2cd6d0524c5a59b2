"""Lab reports and exam results: what a document may be, decided from its bytes, the same on both ends.

The desktop checks a file before it queues it; the server checks the stored object again when the upload
is completed, so a renamed file or a lying client cannot slip another kind of content in.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
CONTENT_TYPES = (PDF, PNG, JPEG)
# Bytes of a file's head enough to tell its type.
SNIFF_BYTES = 16


class DocumentKind(StrEnum):
    LAB_REPORT = "lab_report"
    EXAM_RESULT = "exam_result"


class DocumentStatus(StrEnum):
    PENDING = "pending"  # metadata known, bytes not verified yet: shown to nobody
    AVAILABLE = "available"
    REJECTED = "rejected"  # the stored bytes failed the checks; the object is gone
    ENTERED_IN_ERROR = "entered_in_error"  # kept and still readable, marked wrong


def sniff_content_type(head: bytes) -> str | None:
    """The content type that the first bytes of a file show (PDF, PNG or JPEG), or None."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


class RegisterDocument(BaseModel):
    """Payload of `document.register` (and of POST /patients/{id}/documents): a new document's metadata,
    sent before its bytes. `sha256` is the hex digest the stored object must have."""

    model_config = ConfigDict(extra="forbid")

    patient_id: uuid.UUID
    appointment_id: uuid.UUID | None = None
    kind: DocumentKind
    title: str = Field(min_length=1, max_length=200)
    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field(description="One of PDF, PNG, JPEG, as sniffed from the content")
    size_bytes: int = Field(ge=1)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class MarkEnteredInError(BaseModel):
    """Payload of `document.entered_in_error`."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=500)
