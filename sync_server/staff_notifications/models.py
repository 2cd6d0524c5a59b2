"""A person's notifications: what changed on their records while someone else acted."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from sync_server.core.db import Base


class Notification(Base):
    """One message for one user. `version` increases when it changes (marked read), like any synced record."""

    __tablename__ = "notifications"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(48))  # e.g. ticket.approved, ticket.discrepancy
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(1000), default="")
    entity: Mapped[str | None] = mapped_column(String(32))  # shared.protocol.Entity of the record it is about
    entity_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"eager_defaults": True}
    __table_args__ = (Index("ix_notifications_user_created", "user_id", "created_at"),)
