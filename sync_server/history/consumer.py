"""The "patient-history" consumer: projects each event that names a patient into the history store and
onto the desktops' change feed.

`deliver` writes the receipt in the same transaction as the feed record (and, for PostgreSQL, the entry).
DynamoDB is outside that transaction: a crash after its put and before the commit redelivers the event,
whose conditional put then finds the entry and the feed record is written again with the receipt.
"""

from __future__ import annotations

import logging

from botocore.exceptions import BotoCoreError, ClientError
from sqlalchemy.orm import Session

from shared.events import EventEnvelope
from sync_server.core.clock import Clock
from sync_server.history.feed import record_entry
from sync_server.history.projection import HISTORY_EVENT_TYPES, UnusableEvent, project
from sync_server.history.store import HistoryStore
from sync_server.messaging.consumers import PermanentFailure, TemporaryFailure

log = logging.getLogger(__name__)


class HistoryProjector:
    name = "patient-history"
    event_types = HISTORY_EVENT_TYPES

    def __init__(self, store: HistoryStore, *, clock: Clock) -> None:
        self.store = store
        self._clock = clock

    def handle(self, session: Session, envelope: EventEnvelope) -> None:
        try:
            entry = project(envelope)
        except UnusableEvent as exc:
            raise PermanentFailure(str(exc)) from exc
        if entry is None:
            return
        try:
            written = self.store.put(session, entry)
        except (BotoCoreError, ClientError) as exc:  # DynamoDB unreachable or throttling: later
            raise TemporaryFailure(f"history store: {exc}") from exc
        if not written:
            log.info("history: entry of message %s was stored before; publishing it", envelope.message_id)
        record_entry(session, entry, now=self._clock())
