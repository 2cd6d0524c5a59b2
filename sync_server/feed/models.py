"""The change feed's table: the latest state of every record in every scope, and tombstones."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Index, Sequence, String, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import UserDefinedType

from sync_server.core.db import Base

FEED_SEQUENCE = Sequence("sync_changes_seq")


class Xid8(UserDefinedType[int]):
    """PostgreSQL's 64-bit transaction id (never wraps), compared against pg_snapshot values."""

    cache_ok = True

    def get_col_spec(self, **_: Any) -> str:
        return "xid8"


class SyncChange(Base):
    """The latest change of one record in one scope (a tombstone when deleted).

    One row per (scope, entity, id): a newer change of the same record replaces the row and takes a new
    `seq` and `xid`, so the table is the current state of every scope plus tombstones, and an initial
    sync is one index scan instead of a replay of history. `xid` is the writing transaction: pulls use
    PostgreSQL snapshots on it, because `seq` values are taken before commit and commit out of order.
    """

    __tablename__ = "sync_changes"

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    entity: Mapped[str] = mapped_column(String(32), primary_key=True)
    entity_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, FEED_SEQUENCE, server_default=FEED_SEQUENCE.next_value())
    xid: Mapped[int] = mapped_column(Xid8(), server_default=text("pg_current_xact_id()"))
    version: Mapped[int] = mapped_column(BigInteger)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        # Initial sync: the live records of a scope in seq order.
        Index("ix_sync_changes_live", "scope", "seq", postgresql_where=text("NOT deleted")),
        # Tail: what changed in a scope since a snapshot's xmin.
        Index("ix_sync_changes_scope_xid", "scope", "xid"),
        # A record's rows in every scope (scope changes, deletes).
        Index("ix_sync_changes_record", "entity_id"),
        # Compaction of old tombstones.
        Index("ix_sync_changes_tombstones", "changed_at", postgresql_where=text("deleted")),
    )
