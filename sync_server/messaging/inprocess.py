"""The in-process transport, for the demo and single-process installs without RabbitMQ.

The same relay claims the same outbox rows; instead of a broker, each message is handed straight to the
consumers that want it, through the same `deliver` (so the same idempotency). A row counts as published
once every interested consumer has handled it. A failing consumer is retried with the relay's backoff;
after `delivery_limit` failures the message is dead-lettered for that consumer (MessageFailure with
`dead_lettered_at`), which the admin dead-letter endpoints list and replay, as with the broker.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy.orm import Session, sessionmaker

from shared.events import EventEnvelope
from sync_server.messaging import failures
from sync_server.messaging.consumers import Consumer, PermanentFailure, deliver, parse_envelope
from sync_server.messaging.rabbitmq import OutgoingMessage, PublishOutcome

log = logging.getLogger(__name__)


class InProcessDelivery:
    """A `publish_batch` for the relay that runs the consumers in this thread."""

    def __init__(
        self, session_factory: sessionmaker[Session], consumers: Sequence[Consumer], *, delivery_limit: int
    ) -> None:
        self._session_factory = session_factory
        self._consumers = list(consumers)
        self._delivery_limit = delivery_limit

    def publish_batch(self, messages: Sequence[OutgoingMessage]) -> dict[str, PublishOutcome]:
        outcomes: dict[str, PublishOutcome] = {}
        failed_aggregates: set[tuple[str, str]] = set()
        for message in messages:
            envelope = parse_envelope(message.body)
            aggregate = (envelope.aggregate_type, envelope.aggregate_id)
            if aggregate in failed_aggregates:
                # Keep per-aggregate order: not before the earlier event of this aggregate got through.
                outcomes[message.message_id] = PublishOutcome(False, "waiting for an earlier event")
                continue
            problems = [
                problem
                for consumer in self._consumers
                if (problem := self.deliver_to(consumer, envelope)) is not None
            ]
            if problems:
                failed_aggregates.add(aggregate)
                outcomes[message.message_id] = PublishOutcome(False, "; ".join(problems))
            else:
                outcomes[message.message_id] = PublishOutcome(True)
        return outcomes

    def deliver_to(self, consumer: Consumer, envelope: EventEnvelope) -> str | None:
        """Deliver to one consumer; returns why it must be tried again, or None when done (handled,
        duplicate, not wanted, or dead-lettered)."""
        try:
            deliver(self._session_factory, consumer, envelope)
            return None
        except PermanentFailure as exc:
            failures.record(
                self._session_factory,
                consumer=consumer.name,
                message_id=envelope.message_id,
                error=exc,
                dead=True,
            )
            log.error("%s: message %s dead-lettered: %s", consumer.name, envelope.message_id, exc)
            return None
        except Exception as exc:  # noqa: BLE001 - temporary failures and bugs alike: retry, then dead-letter
            count = failures.record(
                self._session_factory, consumer=consumer.name, message_id=envelope.message_id, error=exc
            )
            if count > self._delivery_limit:
                failures.mark_dead(
                    self._session_factory, consumer=consumer.name, message_id=envelope.message_id
                )
                log.error(
                    "%s: message %s dead-lettered after %d failures: %s",
                    consumer.name,
                    envelope.message_id,
                    count,
                    exc,
                )
                return None
            log.warning("%s: message %s failed (%d): %s", consumer.name, envelope.message_id, count, exc)
            return f"{consumer.name}: {exc}"
