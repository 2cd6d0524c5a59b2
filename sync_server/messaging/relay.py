"""The outbox relay: publishes committed outbox rows, in order per aggregate, at least once.

Rules, and why:
- Rows are chosen by `published_at IS NULL`, ordered by id, never by a high-water mark: identity values
  are taken before commit, so id 11 can commit (and be seen) before id 10. A mark moved past 10 would skip
  it forever; `published_at IS NULL` finds it whenever it commits.
- A row is published only when no earlier row of its aggregate is still unpublished, unless that earlier
  row is in the same batch (published before it, on the same channel). Rows of one aggregate are written
  by transactions that lock the aggregate's row, so they commit in id order.
- Several relays may run: each claims its batch with `FOR UPDATE SKIP LOCKED` and holds the lock while it
  publishes, so no two relays publish the same row at the same time.
- `published_at` is set only for messages the broker confirmed, in the claiming transaction. A crash after
  the confirm and before the commit republishes the row: consumers are idempotent.
- A row the broker refuses (nacked, or returned as unroutable although a consumer subscribes to its type:
  its queue is missing) stays unpublished, with `last_error`, and is retried with backoff; it is logged at
  ERROR, since that consumer will not receive it until it is fixed. An event type no consumer subscribes
  to comes back unroutable too; that is expected, and the row counts as published.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from sync_server.core.db import transaction
from sync_server.core.outbox import OutboxMessage
from sync_server.core.retry import backoff_seconds
from sync_server.messaging.consumers import envelope_of, retry_delay
from sync_server.messaging.rabbitmq import BrokerUnavailable, OutgoingMessage, PublishOutcome

log = logging.getLogger(__name__)

PublishBatch = Callable[[Sequence[OutgoingMessage]], dict[str, PublishOutcome]]


class OutboxRelay:
    """Moves outbox rows to a transport, one claimed batch per `publish_pending` call."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        batch_size: int = 200,
        retry_base_seconds: float = 1.0,
        retry_max_seconds: float = 60.0,
        subscribed_types: frozenset[str] | None = None,
    ) -> None:
        """`subscribed_types`: the event types some consumer wants (None: treat every type as wanted)."""
        self._session_factory = session_factory
        self._subscribed_types = subscribed_types
        self.batch_size = batch_size
        self._retry_base = retry_base_seconds
        self._retry_max = retry_max_seconds
        # Outbox id -> monotonic time before which it is not retried (the broker refused it).
        self._not_before: dict[int, float] = {}

    def publish_pending(self, publish: PublishBatch) -> int:
        """Claim up to a batch of publishable rows, publish them, mark the confirmed ones.

        Returns how many rows were claimed (a full batch means: call again at once). Raises
        BrokerUnavailable after recording the confirms that did arrive, and SQLAlchemyError if the
        database fails (nothing is marked then; the rows are published again later).
        """
        now = time.monotonic()
        self._not_before = {key: at for key, at in self._not_before.items() if at > now}
        failure: BrokerUnavailable | None = None
        with transaction(self._session_factory) as session:
            query = (
                select(OutboxMessage)
                .where(OutboxMessage.published_at.is_(None))
                .order_by(OutboxMessage.id)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            )
            if self._not_before:
                query = query.where(OutboxMessage.id.not_in(list(self._not_before)))
            claimed = list(session.scalars(query))
            ready = self._in_aggregate_order(session, claimed)
            if not ready:
                return len(claimed)
            messages = [
                OutgoingMessage(
                    message_id=str(row.message_id),
                    routing_key=row.event_type,
                    body=envelope_of(row).model_dump_json().encode(),
                )
                for row in ready
            ]
            try:
                outcomes = publish(messages)
            except BrokerUnavailable as exc:
                failure = exc
                outcomes = exc.outcomes
            self._record(session, ready, outcomes)
        if failure is not None:
            raise failure
        return len(claimed)

    @staticmethod
    def _in_aggregate_order(session: Session, claimed: list[OutboxMessage]) -> list[OutboxMessage]:
        """The claimed rows whose earlier unpublished rows (same aggregate) are all claimed too."""
        if not claimed:
            return []
        claimed_ids = {row.id for row in claimed}
        aggregates = {(row.aggregate_type, row.aggregate_id) for row in claimed}
        unpublished = session.execute(
            select(OutboxMessage.id, OutboxMessage.aggregate_type, OutboxMessage.aggregate_id)
            .where(
                OutboxMessage.published_at.is_(None),
                OutboxMessage.id <= max(claimed_ids),
                tuple_(OutboxMessage.aggregate_type, OutboxMessage.aggregate_id).in_(list(aggregates)),
            )
            .order_by(OutboxMessage.id)
        )
        blocked: set[tuple[str, str]] = set()
        ready: set[int] = set()
        for row_id, aggregate_type, aggregate_id in unpublished:
            key = (aggregate_type, aggregate_id)
            if key in blocked:
                continue
            if row_id in claimed_ids:
                ready.add(row_id)
            else:  # held by another relay, in backoff, or not yet visible to our lock: wait for it
                blocked.add(key)
        return [row for row in claimed if row.id in ready]

    def _record(
        self, session: Session, rows: list[OutboxMessage], outcomes: dict[str, PublishOutcome]
    ) -> None:
        confirmed = [
            row.id
            for row in rows
            if (outcome := outcomes.get(str(row.message_id))) and self._delivered(row, outcome)
        ]
        if confirmed:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(confirmed))
                .values(published_at=func.now(), attempts=OutboxMessage.attempts + 1, last_error=None)
                .execution_options(synchronize_session=False)
            )
        for row in rows:
            outcome = outcomes.get(str(row.message_id))
            if outcome is None or self._delivered(row, outcome):
                continue  # confirmed, or its fate is unknown (connection lost): tried again later
            row.attempts += 1
            row.last_error = outcome.problem
            delay = retry_delay(
                failures=row.attempts, base_seconds=self._retry_base, max_seconds=self._retry_max
            )
            self._not_before[row.id] = time.monotonic() + delay
            log.error(
                "outbox %d (%s %s/%s) not delivered, attempt %d, retrying in %.0fs: %s",
                row.id,
                row.event_type,
                row.aggregate_type,
                row.aggregate_id,
                row.attempts,
                delay,
                outcome.problem,
            )

    def _delivered(self, row: OutboxMessage, outcome: PublishOutcome) -> bool:
        if outcome.confirmed:
            return True
        # Unroutable and nobody subscribes to this type: nothing was expected to receive it.
        return (
            outcome.unroutable
            and self._subscribed_types is not None
            and row.event_type not in self._subscribed_types
        )


def run_relay_loop(
    relay: OutboxRelay,
    *,
    publish: PublishBatch,
    stop: threading.Event,
    poll_seconds: float,
    wait: Callable[[float], None] | None = None,
    reconnect: Callable[[], None] | None = None,
) -> None:
    """Publish until `stop` is set. `wait(seconds)` idles between polls (the broker publisher answers
    heartbeats meanwhile); `reconnect()` is called before publishing when the transport is down.
    Failures of the broker or the database are logged and retried with backoff; never raises."""
    idle = wait or stop.wait
    failures_in_a_row = 0
    while not stop.is_set():
        try:
            if reconnect is not None:
                reconnect()
            claimed = relay.publish_pending(publish)
            failures_in_a_row = 0
            if claimed < relay.batch_size:
                idle(poll_seconds)
        except (BrokerUnavailable, SQLAlchemyError) as exc:
            failures_in_a_row += 1
            delay = backoff_seconds(min(failures_in_a_row, 7), base=0.25, cap=30.0)
            log.warning("outbox relay: %s; trying again in %.1fs", exc, delay)
            stop.wait(delay)
