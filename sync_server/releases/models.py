from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ARRAY, BigInteger, DateTime, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from sync_server.core.db import Base


class DesktopReleaseRow(Base):
    """A published desktop release. The current one of a platform is its highest version."""

    __tablename__ = "desktop_releases"
    __table_args__ = (UniqueConstraint("platform", "version", name="uq_desktop_releases_platform_version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    platform: Mapped[str] = mapped_column(String(32))
    version: Mapped[str] = mapped_column(String(32))
    version_order: Mapped[list[int]] = mapped_column(ARRAY(Integer))  # (1, 10, 0, 0) sorts after (1, 9, 0, 0)
    min_supported_version: Mapped[str] = mapped_column(String(32))
    package_url: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(88))
    notes: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_by: Mapped[uuid.UUID | None]
