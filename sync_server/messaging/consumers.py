"""Consumers of outbox events, and the one rule that makes them safe to redeliver to.

A consumer's effect and its receipt (ProcessedMessage(consumer, message_id)) are written in the same
transaction, so a message delivered twice (broker redelivery, relay republishing after a crash, a replayed
dead letter) has its effect once. Both transports (RabbitMQ and in-process) go through `deliver`.
"""

from __future__ import annotations

import json
import logging
from enum import StrEnum
from typing import Protocol

from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker

from shared.events import EventEnvelope
from sync_server.core.db import transaction
from sync_server.core.outbox import OutboxMessage, ProcessedMessage
from sync_server.core.retry import backoff_seconds
from sync_server.messaging.topology import Subscription

log = logging.getLogger(__name__)


class TemporaryFailure(Exception):
    """The effect could not happen now (a dependency is down); deliver again later, with backoff."""


class PermanentFailure(Exception):
    """The message can never be handled (malformed, impossible); dead-letter it at once for a person."""


class Consumer(Protocol):
    """Something that reacts to events. `handle` only flushes; the framework owns the transaction."""

    name: str
    event_types: frozenset[str]

    def handle(self, session: Session, envelope: EventEnvelope) -> None: ...


class Delivery(StrEnum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"  # already processed: nothing done
    IGNORED = "ignored"  # an event type this consumer does not want


def subscription(consumer: Consumer) -> Subscription:
    return Subscription(name=consumer.name, event_types=frozenset(consumer.event_types))


def envelope_of(row: OutboxMessage) -> EventEnvelope:
    """The wire form of an outbox row; `sequence` is the outbox id."""
    return EventEnvelope(
        message_id=row.message_id,
        type=row.event_type,
        occurred_at=row.occurred_at,
        aggregate_type=row.aggregate_type,
        aggregate_id=row.aggregate_id,
        sequence=row.id,
        payload=row.payload,
    )


def parse_envelope(body: bytes) -> EventEnvelope:
    """Raises PermanentFailure for a body that is not an envelope: retrying cannot fix it."""
    try:
        return EventEnvelope.model_validate(json.loads(body))
    except (ValueError, ValidationError) as exc:
        raise PermanentFailure(f"not an event envelope: {exc}") from exc


def deliver(session_factory: sessionmaker[Session], consumer: Consumer, envelope: EventEnvelope) -> Delivery:
    """Run the consumer's effect and its receipt in one transaction, once per (consumer, message).

    The receipt is inserted first: a concurrent duplicate delivery waits on it and then finds it, rather
    than doing the effect a second time. Raises whatever the consumer raises (TemporaryFailure,
    PermanentFailure, or a bug), after rolling the transaction back.
    """
    if envelope.type not in consumer.event_types:
        return Delivery.IGNORED
    with transaction(session_factory) as session:
        receipt = session.execute(
            insert(ProcessedMessage)
            .values(consumer=consumer.name, message_id=envelope.message_id)
            .on_conflict_do_nothing()
            .returning(ProcessedMessage.message_id)
        ).first()
        if receipt is None:
            log.info("%s: message %s already processed, skipped", consumer.name, envelope.message_id)
            return Delivery.DUPLICATE
        consumer.handle(session, envelope)
    return Delivery.HANDLED


def retry_delay(*, failures: int, base_seconds: float, max_seconds: float) -> float:
    """How long a message waits after its `failures`-th failed delivery: the server's one back-off
    schedule (core/retry.py), from `base_seconds` doubling up to `max_seconds`, with jitter."""
    if failures <= 0:
        return 0.0
    return backoff_seconds(min(failures - 1, 30), base=base_seconds, cap=max_seconds)
