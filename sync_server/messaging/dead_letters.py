"""Dead letters for an admin: each one a consumer gave up on, what it carried (without patient data), and
putting it back (replay) or setting it aside (discard, with why).

`message_failures` is the record of every dead letter on both transports (the RabbitMQ worker marks the
delivery that the broker dead-letters); with RabbitMQ the message itself waits in the consumer's
dead-letter queue, so replay and discard move or remove it there too. Replay is safe to repeat: the
consumers' receipts make a second delivery of a handled message do nothing, and a dead letter already
replayed answers as it did the first time.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import pika
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sync_server.core.errors import Conflict, NotFound
from sync_server.core.outbox import OutboxMessage
from sync_server.messaging.models import MessageFailure
from sync_server.messaging.rabbitmq import (
    BROKER_ERRORS,
    BrokerUnavailable,
    connection_parameters,
    list_dead_letters,
    replay_dead_letters,
)
from sync_server.messaging.topology import Topology

REDACTED = "«redacted»"
Resolution = Literal["replayed", "discarded"]

# Payload fields shown as they are: identifiers, times and states. Every other text (names, e-mail
# addresses, rooms, notes) is redacted, so a field added to an event later is hidden until listed here.
_KEPT_KEYS = frozenset({"id", "status", "kind", "type", "step", "time_zone", "version", "reason_code"})
_KEPT_SUFFIXES = ("_id", "_ids", "_at", "_on", "_status", "_kind", "_type", "_count", "_version")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


@dataclass(frozen=True)
class DeadLetter:
    consumer: str
    message_id: uuid.UUID
    event_type: str | None
    aggregate_type: str | None
    aggregate_id: str | None
    error: str
    attempts: int
    first_failed_at: datetime
    last_failed_at: datetime
    dead_since: datetime | None
    resolution: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    resolution_reason: str | None


@dataclass(frozen=True)
class DeadLetterDetail:
    letter: DeadLetter
    payload: Any  # redacted; None when the message's body is unknown (not from this server's outbox)
    occurred_at: datetime | None


class DeadLetterNotFound(NotFound):
    pass


class AlreadyResolved(Conflict):
    pass


def redact(value: Any, key: str = "") -> Any:
    """A payload with every text that could name a patient replaced by «redacted» (see _KEPT_KEYS)."""
    if isinstance(value, dict):
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(item, key) for item in value]
    if isinstance(value, str):
        kept = key in _KEPT_KEYS or key.endswith(_KEPT_SUFFIXES)
        return value if kept and not _EMAIL.search(value) else REDACTED
    return value  # numbers, booleans, null


def redact_error(text: str) -> str:
    """A consumer's error message without e-mail addresses (a mail provider's error may quote one)."""
    return _EMAIL.sub(REDACTED, text)


def _letter(failure: MessageFailure, message: OutboxMessage | None) -> DeadLetter:
    return DeadLetter(
        consumer=failure.consumer,
        message_id=failure.message_id,
        event_type=message.event_type if message else None,
        aggregate_type=message.aggregate_type if message else None,
        aggregate_id=message.aggregate_id if message else None,
        error=redact_error(failure.last_error),
        attempts=failure.failures,
        first_failed_at=failure.first_failed_at,
        last_failed_at=failure.last_failed_at,
        dead_since=failure.dead_lettered_at,
        resolution=failure.resolution,
        resolved_at=failure.resolved_at,
        resolved_by=failure.resolved_by,
        resolution_reason=failure.resolution_reason,
    )


def _with_message() -> Any:
    return select(MessageFailure, OutboxMessage).outerjoin(
        OutboxMessage, OutboxMessage.message_id == MessageFailure.message_id
    )


def dead_letters(
    session: Session, *, consumers: list[str] | None = None, limit: int = 100
) -> list[DeadLetter]:
    """Messages dead now, the most recent first (`consumers`: only theirs)."""
    query = _with_message().where(MessageFailure.dead_lettered_at.is_not(None))
    if consumers is not None:
        query = query.where(MessageFailure.consumer.in_(consumers))
    query = query.order_by(MessageFailure.dead_lettered_at.desc()).limit(limit)
    return [_letter(failure, message) for failure, message in session.execute(query)]


def count_dead(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(MessageFailure)
            .where(MessageFailure.dead_lettered_at.is_not(None))
        )
        or 0
    )


def _find(
    session: Session, consumer: str, message_id: uuid.UUID, *, lock: bool = False
) -> tuple[MessageFailure, OutboxMessage | None]:
    query = _with_message().where(
        MessageFailure.consumer == consumer, MessageFailure.message_id == message_id
    )
    if lock:
        query = query.with_for_update(of=MessageFailure)
    found = session.execute(query).one_or_none()
    if found is None or (found[0].dead_lettered_at is None and found[0].resolution is None):
        raise DeadLetterNotFound(
            "No such dead letter.", details={"consumer": consumer, "message_id": str(message_id)}
        )
    return found[0], found[1]


def detail(
    session: Session, *, consumer: str, message_id: uuid.UUID, amqp_url: str | None, topology: Topology
) -> DeadLetterDetail:
    """One dead letter (or one an admin already replayed or discarded) with its redacted payload: from the
    outbox row, or from the broker's copy for a message the outbox does not hold."""
    failure, message = _find(session, consumer, message_id)
    payload: Any = None
    if message is not None:
        payload = message.payload
    elif amqp_url is not None and failure.dead_lettered_at is not None:
        payload = _broker_payload(amqp_url, topology=topology, consumer=consumer, message_id=message_id)
    return DeadLetterDetail(
        letter=_letter(failure, message),
        payload=redact(payload) if payload is not None else None,
        occurred_at=message.occurred_at if message else None,
    )


def _broker_payload(url: str, *, topology: Topology, consumer: str, message_id: uuid.UUID) -> Any:
    for letter in list_dead_letters(url, topology=topology, consumers=[consumer], limit=1000):
        if letter.message_id == str(message_id):
            try:
                envelope = json.loads(letter.body)
            except ValueError:
                return {"unreadable_body_bytes": len(letter.body)}
            return envelope.get("payload", envelope) if isinstance(envelope, dict) else envelope
    return None


def replay(
    session: Session,
    *,
    consumer: str,
    message_id: uuid.UUID,
    admin: str,
    at: datetime,
    amqp_url: str | None,
    topology: Topology,
) -> tuple[DeadLetter, bool]:
    """Give a dead letter back to its consumer; returns it and whether it moved now (False: it had been
    replayed already, nothing is sent again). Raises DeadLetterNotFound, AlreadyResolved (discarded),
    BrokerUnavailable. With RabbitMQ the broker's copy moves first; a failure after that leaves a
    duplicate in the consumer's queue, which its receipt ignores."""
    failure, message = _find(session, consumer, message_id, lock=True)
    if failure.dead_lettered_at is None:
        if failure.resolution == "replayed":
            return _letter(failure, message), False
        raise AlreadyResolved("This dead letter was discarded; it cannot be replayed.")
    if amqp_url is not None:
        moved = replay_dead_letters(
            amqp_url, topology=topology, consumers=[consumer], message_ids=frozenset({str(message_id)})
        )
        if not moved:
            raise AlreadyResolved(
                "The message is not in the consumer's dead-letter queue (yet, or any more); discard it "
                "if it is gone, or try again in a moment.",
                details={"consumer": consumer, "message_id": str(message_id)},
            )
    elif message is not None:
        message.published_at = None  # the in-process relay delivers it again
    _resolve(failure, "replayed", admin=admin, at=at, reason=None)
    failure.failures = 0  # a fresh start: the full delivery limit again
    session.flush()
    return _letter(failure, message), True


def discard(
    session: Session,
    *,
    consumer: str,
    message_id: uuid.UUID,
    reason: str,
    admin: str,
    at: datetime,
    amqp_url: str | None,
    topology: Topology,
) -> tuple[DeadLetter, bool]:
    """Set a dead letter aside for good, saying why; returns it and whether it was discarded now (False:
    already discarded). Raises DeadLetterNotFound, AlreadyResolved (replayed), BrokerUnavailable."""
    failure, message = _find(session, consumer, message_id, lock=True)
    if failure.dead_lettered_at is None:
        if failure.resolution == "discarded":
            return _letter(failure, message), False
        raise AlreadyResolved("This dead letter was replayed already; there is nothing to discard.")
    if amqp_url is not None:
        remove_from_broker(amqp_url, topology=topology, consumer=consumer, message_id=str(message_id))
    _resolve(failure, "discarded", admin=admin, at=at, reason=reason)
    session.flush()
    return _letter(failure, message), True


def mark_replayed(session: Session, moved: list[tuple[str, str]], *, admin: str, at: datetime) -> None:
    """Record a bulk replay (POST /admin/dead-letters/replay) on the dead letters it moved."""
    for consumer, message_id in moved:
        try:
            key = uuid.UUID(message_id)
        except ValueError:
            continue
        failure = session.get(MessageFailure, (consumer, key))
        if failure is not None and failure.dead_lettered_at is not None:
            _resolve(failure, "replayed", admin=admin, at=at, reason=None)
            failure.failures = 0
    session.flush()


def _resolve(
    failure: MessageFailure, resolution: Resolution, *, admin: str, at: datetime, reason: str | None
) -> None:
    failure.dead_lettered_at = None
    failure.resolution = resolution
    failure.resolved_at = at
    failure.resolved_by = admin
    failure.resolution_reason = reason


def remove_from_broker(url: str, *, topology: Topology, consumer: str, message_id: str) -> bool:
    """Remove one message from a consumer's dead-letter queue (acked; the others return to it). True when
    it was there. Raises BrokerUnavailable."""
    removed = False
    try:
        with pika.BlockingConnection(connection_parameters(url)) as connection:
            channel = connection.channel()
            try:
                while True:
                    method, properties, _body = channel.basic_get(topology.dead_letter_queue(consumer))
                    if method is None:
                        break
                    if str(properties.message_id) == message_id:
                        channel.basic_ack(method.delivery_tag)
                        removed = True
                        break
            finally:
                if channel.is_open:
                    channel.close()  # the unacked rest go back to the queue
    except BROKER_ERRORS as exc:
        raise BrokerUnavailable(f"cannot discard the dead letter: {exc}") from exc
    return removed
