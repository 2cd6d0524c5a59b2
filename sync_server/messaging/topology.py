"""Names and declarations of WardDesk's RabbitMQ topology.

One durable topic exchange carries every event, routed by event type. Each consumer owns a durable quorum
queue bound to the event types it wants. A delivery that keeps failing is dead-lettered by the broker after
`delivery_limit` redeliveries (set explicitly: RabbitMQ 4 would otherwise apply 20, and 3.x none) to the
dead-letter exchange, which routes it to that consumer's own dead-letter queue "<queue>.dlq".

Every name carries an optional prefix, so a test run can build and delete a private copy on a shared broker.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel

EVENTS_EXCHANGE = "warddesk.events"
DEAD_LETTER_EXCHANGE = "warddesk.dlx"


# Listing dead letters reads them unacknowledged and lets them return, which counts as a delivery; RabbitMQ 4
# would drop them after its default limit of 20, so the limit is explicit and out of reach.
DEAD_LETTER_QUEUE_ARGUMENTS = {"x-queue-type": "quorum", "x-delivery-limit": 1_000_000}


class OutdatedQueueFound(pika.exceptions.ChannelClosedByBroker):
    """A WardDesk queue exists with other arguments than this build declares: a classic queue of an older
    WardDesk (or made by hand), or another delivery limit. A broker error, so the relay and the workers log
    it and retry: they carry on once the queue has been migrated."""

    def __init__(self, queue: str, broker_said: str) -> None:
        super().__init__(
            406,
            f"the RabbitMQ queue {queue!r} exists with other arguments than WardDesk declares (a classic "
            "queue of an older WardDesk, or another delivery limit). Stop the workers and run "
            "`warddesk-server messaging-migrate-queues` once (it keeps every message). "
            f"Broker: {broker_said}",
        )
        self.queue = queue


def is_inequivalent_queue(error: BaseException) -> bool:
    """True for the broker's answer to declaring a queue that exists with other arguments (the queue type,
    dead-lettering or delivery limit): PRECONDITION_FAILED, "inequivalent arg"."""
    return (
        isinstance(error, pika.exceptions.ChannelClosedByBroker)
        and error.reply_code == 406
        and "inequivalent arg" in str(error.reply_text)
    )


def _declare_queue(channel: BlockingChannel, queue: str, arguments: dict[str, Any]) -> None:
    try:
        channel.queue_declare(queue, durable=True, arguments=arguments)
    except pika.exceptions.ChannelClosedByBroker as exc:
        if is_inequivalent_queue(exc):
            raise OutdatedQueueFound(queue, str(exc.reply_text)) from exc
        raise


@dataclass(frozen=True)
class Subscription:
    """What the broker needs to know about a consumer: its name and the routing keys it wants."""

    name: str
    event_types: frozenset[str]


@dataclass(frozen=True)
class Topology:
    prefix: str = ""
    delivery_limit: int = 5

    @property
    def exchange(self) -> str:
        return f"{self.prefix}{EVENTS_EXCHANGE}"

    @property
    def dead_letter_exchange(self) -> str:
        return f"{self.prefix}{DEAD_LETTER_EXCHANGE}"

    def queue(self, consumer: str) -> str:
        return f"{self.prefix}warddesk.{consumer}"

    def dead_letter_queue(self, consumer: str) -> str:
        return f"{self.queue(consumer)}.dlq"

    def queue_arguments(self, consumer: str) -> dict[str, Any]:
        return {
            "x-queue-type": "quorum",
            "x-delivery-limit": self.delivery_limit,
            "x-dead-letter-exchange": self.dead_letter_exchange,
            # Route dead letters to this consumer's DLQ only, whatever the event type was.
            "x-dead-letter-routing-key": self.dead_letter_queue(consumer),
            # at-least-once dead-lettering (3.10+) needs reject-publish overflow; the default, at-most-once,
            # may lose a dead letter if the DLQ is unavailable at that moment.
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        }


def declare(channel: BlockingChannel, topology: Topology, subscriptions: Iterable[Subscription]) -> None:
    """Declare exchanges, queues and bindings (idempotent). Raises pika errors if the broker refuses,
    e.g. PRECONDITION_FAILED when a queue already exists with other arguments (OutdatedQueueFound when
    it is a classic queue: see sync_server/messaging/quorum.py)."""
    channel.exchange_declare(topology.exchange, exchange_type="topic", durable=True)
    channel.exchange_declare(topology.dead_letter_exchange, exchange_type="direct", durable=True)
    for subscription in subscriptions:
        queue = topology.queue(subscription.name)
        dlq = topology.dead_letter_queue(subscription.name)
        _declare_queue(channel, dlq, DEAD_LETTER_QUEUE_ARGUMENTS)
        channel.queue_bind(dlq, topology.dead_letter_exchange, routing_key=dlq)
        _declare_queue(channel, queue, topology.queue_arguments(subscription.name))
        for event_type in sorted(subscription.event_types):
            channel.queue_bind(queue, topology.exchange, routing_key=event_type)


def delete(channel: BlockingChannel, topology: Topology, subscriptions: Iterable[Subscription]) -> None:
    """Remove everything `declare` made (used by tests to clean up their private topology)."""
    for subscription in subscriptions:
        channel.queue_delete(topology.queue(subscription.name))
        channel.queue_delete(topology.dead_letter_queue(subscription.name))
    channel.exchange_delete(topology.exchange)
    channel.exchange_delete(topology.dead_letter_exchange)
