"""The PostgreSQL side of the patient's history: the projection's table (when DynamoDB is not used) and
the doctors' notes, which are authoritative here and append-only (a trigger refuses UPDATE and DELETE)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sync_server.core.db import Base


class HistoryRow(Base):
    """One entry of a patient's timeline: `entry` is the HistoryEntry as JSON."""

    __tablename__ = "history_entries"
    __table_args__ = (Index("ix_history_entries_kind", "patient_id", "kind", "sort_key"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    sort_key: Mapped[str] = mapped_column(String(96), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    entry: Mapped[dict[str, Any]] = mapped_column(JSONB)


class DoctorNote(Base):
    """A doctor's dated note, or an amendment (`amends` names the note, `reason` says why)."""

    __tablename__ = "history_notes"
    __table_args__ = (
        CheckConstraint("(amends IS NULL) = (reason IS NULL)", name="amendment_reason"),
        Index("ix_history_notes_patient", "patient_id", "written_at"),
        Index("ix_history_notes_amends", "amends"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"))
    noted_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    amends: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("history_notes.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    author_name: Mapped[str] = mapped_column(String(200))
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
