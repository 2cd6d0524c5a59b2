"""The record of every appointment email: sent, or skipped because the patient has no address."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Identity, String, func
from sqlalchemy.orm import Mapped, mapped_column

from sync_server.core.db import Base


class SentEmail(Base):
    """One row per event handled by the email consumer, written with its ProcessedMessage receipt."""

    __tablename__ = "sent_emails"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    message_id: Mapped[uuid.UUID] = mapped_column(unique=True)  # the event's message id
    appointment_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # confirmation | cancellation
    status: Mapped[str] = mapped_column(String(16))  # sent | skipped
    recipient: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    provider: Mapped[str | None] = mapped_column(String(16))  # ses | file
    provider_message_id: Mapped[str | None] = mapped_column(String(255))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
