"""Moving a broker's classic WardDesk queues to quorum queues, without losing a message.

RabbitMQ cannot change a queue's type or arguments: declaring a quorum queue under the name of an
existing classic queue fails with PRECONDITION_FAILED ("inequivalent arg ..."). A broker set up by an
older WardDesk, or by hand, may hold classic queues (and a changed WARDDESK_AMQP_DELIVERY_LIMIT has the
same effect); `warddesk-server messaging-migrate-queues` (run once, with the workers stopped; the relay
may keep running) recreates each such queue:

1. declare "<queue>.migrating" (quorum) with the queue's bindings: new events land there from now on;
2. move the old queue's messages to it (published with confirms, acked on the old queue only after);
3. delete the old queue (only when empty: a message that slipped in is moved first);
4. declare the quorum queue under the old name, with its bindings; unbind "<queue>.migrating";
5. move the held messages back and delete "<queue>.migrating".

An event published between 4 and the unbinding lands in both queues; the consumers are idempotent (they
record each message id), so the duplicate is harmless. Every step is idempotent: a migration cut short
is finished by running the command again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pika
import pika.exceptions
from pika import spec
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection

from sync_server.messaging.topology import (
    DEAD_LETTER_QUEUE_ARGUMENTS,
    Subscription,
    Topology,
    is_inequivalent_queue,
)

log = logging.getLogger(__name__)

HOLDING_SUFFIX = ".migrating"


@dataclass(frozen=True)
class QueuePlan:
    """One queue as the topology wants it: its arguments and (exchange, routing key) bindings."""

    name: str
    arguments: dict[str, Any]
    bindings: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Migrated:
    queue: str
    messages: int


def plans(topology: Topology, subscriptions: Iterable[Subscription]) -> list[QueuePlan]:
    """Every queue `declare` makes, dead-letter queues first (the consumer queues dead-letter into them)."""
    result: list[QueuePlan] = []
    for subscription in subscriptions:
        dlq = topology.dead_letter_queue(subscription.name)
        result.append(
            QueuePlan(dlq, dict(DEAD_LETTER_QUEUE_ARGUMENTS), ((topology.dead_letter_exchange, dlq),))
        )
        result.append(
            QueuePlan(
                topology.queue(subscription.name),
                topology.queue_arguments(subscription.name),
                tuple((topology.exchange, key) for key in sorted(subscription.event_types)),
            )
        )
    return result


def _is_quorum(connection: BlockingConnection, plan: QueuePlan) -> bool:
    """Declares the queue as quorum when it does not exist; False when it exists with other arguments."""
    channel = connection.channel()
    try:
        channel.queue_declare(plan.name, durable=True, arguments=plan.arguments)
    except pika.exceptions.ChannelClosedByBroker as exc:
        if is_inequivalent_queue(exc):
            return False
        raise
    channel.close()
    return True


def _exists(connection: BlockingConnection, queue: str) -> bool:
    channel = connection.channel()
    try:
        channel.queue_declare(queue, passive=True)
    except pika.exceptions.ChannelClosedByBroker as exc:
        if exc.reply_code == 404:
            return False
        raise
    channel.close()
    return True


def _declare(channel: BlockingChannel, name: str, plan: QueuePlan) -> None:
    channel.queue_declare(name, durable=True, arguments=plan.arguments)
    for exchange, key in plan.bindings:
        channel.queue_bind(name, exchange, routing_key=key)


def _move(channel: BlockingChannel, source: str, target: str) -> int:
    """Move every message from `source` to `target` (same properties); each is acked on `source` only
    after the broker confirmed its copy. Returns how many moved."""
    moved = 0
    while True:
        method, properties, body = channel.basic_get(source)
        if method is None:
            return moved
        headers = {k: v for k, v in (properties.headers or {}).items() if k != "x-delivery-count"}
        copy = spec.BasicProperties(
            content_type=properties.content_type,
            delivery_mode=properties.delivery_mode,
            message_id=properties.message_id,
            type=properties.type,
            timestamp=properties.timestamp,
            headers=headers or None,
        )
        channel.basic_publish("", target, body, copy, mandatory=True)  # confirm mode: waits for the ack
        channel.basic_ack(method.delivery_tag)
        moved += 1


def _migrate(connection: BlockingConnection, plan: QueuePlan) -> int:
    holding = plan.name + HOLDING_SUFFIX
    channel = connection.channel()
    channel.confirm_delivery()
    _declare(channel, holding, plan)
    moved = 0
    if not _is_quorum(connection, plan):
        while True:
            moved += _move(channel, plan.name, holding)
            try:
                channel.queue_delete(plan.name, if_empty=True)
                break
            except pika.exceptions.ChannelClosedByBroker as exc:
                if exc.reply_code != 406:  # 406: not empty (a message arrived meanwhile): move it too
                    raise
                channel = connection.channel()
                channel.confirm_delivery()
        # A channel remembers the queue's type by name: publishing on it to the new quorum queue of the
        # same name crashes the channel (RabbitMQ 3.10). A fresh channel knows only the new queue.
        channel.close()
        channel = connection.channel()
        channel.confirm_delivery()
    _declare(channel, plan.name, plan)
    for exchange, key in plan.bindings:
        channel.queue_unbind(holding, exchange, routing_key=key)
    _move(channel, holding, plan.name)
    channel.queue_delete(holding)
    channel.close()
    return moved


def migrate_to_quorum(
    url: str, *, topology: Topology, subscriptions: Iterable[Subscription]
) -> list[Migrated]:
    """Make every queue of the topology a quorum queue, keeping its messages; returns the queues that were
    classic and how many messages each carried over. Queues already quorum are left alone; a migration
    cut short (a holding queue left behind) is finished. Raises pika errors when the broker refuses."""
    subscriptions = list(subscriptions)
    migrated: list[Migrated] = []
    with pika.BlockingConnection(pika.URLParameters(url)) as connection:
        setup = connection.channel()
        setup.exchange_declare(topology.exchange, exchange_type="topic", durable=True)
        setup.exchange_declare(topology.dead_letter_exchange, exchange_type="direct", durable=True)
        setup.close()
        for plan in plans(topology, subscriptions):
            holding_left = _exists(connection, plan.name + HOLDING_SUFFIX)
            if _is_quorum(connection, plan) and not holding_left:
                continue
            moved = _migrate(connection, plan)
            log.info("queue %s is now a quorum queue (%d message(s) carried over)", plan.name, moved)
            migrated.append(Migrated(plan.name, moved))
    return migrated
