"""The transactional outbox: an event is a row written in the same transaction as the change it reports.

A relay (sync_server/messaging) publishes the rows afterwards; see its module for ordering rules.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Identity, Index, Integer, String, Text, func, insert, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, Session, mapped_column

from sync_server.core import raw
from sync_server.core.bulk import insert_rows
from sync_server.core.db import Base


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    message_id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    event_type: Mapped[str] = mapped_column(String(64))
    aggregate_type: Mapped[str] = mapped_column(String(32))
    aggregate_id: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_outbox_unpublished", "id", postgresql_where=text("published_at IS NULL")),
        Index("ix_outbox_aggregate", "aggregate_type", "aggregate_id", "id"),
    )


class ProcessedMessage(Base):
    """A consumer's receipt for a message, written in the same transaction as the consumer's effect."""

    __tablename__ = "processed_messages"

    consumer: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def emit(
    session: Session,
    *,
    event_type: str,
    aggregate_type: str,
    aggregate_id: str | uuid.UUID,
    payload: dict[str, Any],
) -> OutboxMessage:
    """Queue an event in the caller's transaction. It is published only if that transaction commits."""
    message = OutboxMessage(
        **message_row(
            event_type=event_type, aggregate_type=aggregate_type, aggregate_id=aggregate_id, payload=payload
        )
    )
    session.add(message)
    return message


# Built once, run on the driver's cursor (core/raw.py): every booking writes one.
_INSERT_MESSAGE = raw.Statement(
    insert(OutboxMessage.__table__),  # type: ignore[arg-type]
    columns=("message_id", "event_type", "aggregate_type", "aggregate_id", "payload", "attempts"),
    json=("payload",),
)


def emit_now(
    session: Session,
    *,
    event_type: str,
    aggregate_type: str,
    aggregate_id: str | uuid.UUID,
    payload: dict[str, Any],
) -> None:
    """Like `emit`, but the row is written at once with a plain INSERT on the session's connection, with
    no unit of work (hot paths: a saga step writes one event and nothing refers to it)."""
    _INSERT_MESSAGE.run(
        session,
        message_row(
            event_type=event_type, aggregate_type=aggregate_type, aggregate_id=aggregate_id, payload=payload
        ),
    )


def message_row(
    *, event_type: str, aggregate_type: str, aggregate_id: str | uuid.UUID, payload: dict[str, Any]
) -> dict[str, Any]:
    """The outbox row of an event, as `emit` writes it (for `emit_rows`)."""
    return {
        "message_id": uuid.uuid4(),
        "event_type": event_type,
        "aggregate_type": aggregate_type,
        "aggregate_id": str(aggregate_id),
        "payload": payload,
        "attempts": 0,
    }


def emit_rows(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Queue many events (`message_row`s) with one INSERT, in order, in the caller's transaction."""
    insert_rows(session, OutboxMessage, rows)
