"""What the messaging layer remembers about deliveries that failed."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from sync_server.core.db import Base


class MessageFailure(Base):
    """A consumer's failed attempts at one message: why it last failed, and whether it was dead-lettered.

    The broker keeps the message itself (and its death count); this keeps the reason, which the broker
    cannot carry back, so an admin looking at a dead letter sees what went wrong. The in-process transport
    has no broker, so for it `dead_lettered_at` is the dead-letter queue.
    """

    __tablename__ = "message_failures"

    consumer: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    dead_lettered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # What an admin did with the dead letter: replayed or discarded (with why), by whom, when. Cleared
    # nowhere: a replayed message that dies again is dead once more (`dead_lettered_at` set again).
    resolution: Mapped[str | None] = mapped_column(String(16))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[str | None] = mapped_column(String(150))
    resolution_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (CheckConstraint("resolution IN ('replayed', 'discarded')", name="resolution"),)
