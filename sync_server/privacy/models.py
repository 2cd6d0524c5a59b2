from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from sync_server.core.db import Base


class BreakGlassGrant(Base):
    """A doctor opened a patient outside his care ("broke the glass"), with a reason, until `expires_at`.
    Append-only: the audit trail of emergency access."""

    __tablename__ = "break_glass_grants"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(500))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    client_address: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (Index("ix_break_glass_grants_user_patient", "user_id", "patient_id", "expires_at"),)
