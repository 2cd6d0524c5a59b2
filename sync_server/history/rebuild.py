"""Rebuilding the history store from the outbox: every event of a history type, oldest first, through the
same projection as the live consumer, into an empty store (so the result equals the live projection)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sync_server.core.db import transaction
from sync_server.core.outbox import OutboxMessage
from sync_server.history.projection import HISTORY_EVENT_TYPES, UnusableEvent, project
from sync_server.history.store import HistoryStore
from sync_server.messaging.consumers import envelope_of

log = logging.getLogger(__name__)


class StoreNotEmpty(RuntimeError):
    """A rebuild goes into an empty store only: replaying over live entries would hide a divergence."""


@dataclass(frozen=True)
class Rebuilt:
    events: int  # outbox events of history types read
    entries: int  # entries written
    unusable: int  # events whose payload made no entry (the live consumer dead-letters them)


def rebuild(session_factory: sessionmaker[Session], store: HistoryStore, *, batch: int = 1000) -> Rebuilt:
    """Replay the outbox into `store`. Raises StoreNotEmpty when the store holds any entry."""
    with transaction(session_factory) as session:
        if not store.is_empty(session):
            raise StoreNotEmpty("the history store is not empty; rebuild into an empty store (or table)")
    events = entries = unusable = 0
    after = 0
    while True:
        with transaction(session_factory) as session:
            rows = session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.event_type.in_(HISTORY_EVENT_TYPES), OutboxMessage.id > after)
                .order_by(OutboxMessage.id)
                .limit(batch)
            ).all()
            if not rows:
                break
            projected = []
            for row in rows:
                try:
                    entry = project(envelope_of(row))
                except UnusableEvent as exc:
                    log.warning("history rebuild: outbox %s skipped: %s", row.id, exc)
                    unusable += 1
                    continue
                if entry is not None:
                    projected.append(entry)
            entries += store.put_many(session, projected)
            events += len(rows)
            after = rows[-1].id
    return Rebuilt(events=events, entries=entries, unusable=unusable)
