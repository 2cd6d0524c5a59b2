"""Sync tables: each desktop client's mutation counter, the stored push results, and which database (and
which life of it since its last restore) the server runs on. The change feed's table is feed/models.py."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sync_server.core.db import Base


class SyncClient(Base):
    """One desktop installation of one user: the highest mutation number the server has settled."""

    __tablename__ = "sync_clients"

    client_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    last_mutation_id: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_push_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What the desktop said about itself on its last sync request (X-WardDesk-Version and friends).
    last_pull_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    desktop_version: Mapped[str | None] = mapped_column(String(32))
    workstation: Mapped[str | None] = mapped_column(String(100))
    queued_changes: Mapped[int | None] = mapped_column(Integer)


class SyncMutationResult(Base):
    """The answer given to one mutation, so a repeated push gets the same answer."""

    __tablename__ = "sync_mutation_results"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("sync_clients.client_id", ondelete="CASCADE"), primary_key=True
    )
    mutation_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    idempotency_key: Mapped[uuid.UUID] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(String(40))
    result: Mapped[dict[str, Any]] = mapped_column(JSONB)
    settled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SyncDatabase(Base):
    """This database's identity and restore epoch, in one row (sync/identity.py reads and bumps them).

    A desktop compares them with what it saw before: a different identity or epoch means the records,
    the feed and its own settled mutations may have gone back to an older state.
    """

    __tablename__ = "sync_database"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, default=1)
    identity: Mapped[uuid.UUID] = mapped_column(server_default=text("gen_random_uuid()"))
    epoch: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    restored_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)
