"""A broker that still holds classic WardDesk queues (an older WardDesk, or made by hand): declaring the
quorum topology names the problem, and `warddesk-server messaging-migrate-queues` moves every queue to a
quorum queue without losing a message."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pika
import pika.exceptions
import pytest
from typer.testing import CliRunner

from sync_server.app import consumers_of
from sync_server.cli import app
from sync_server.messaging.consumers import subscription
from sync_server.messaging.quorum import HOLDING_SUFFIX, migrate_to_quorum
from sync_server.messaging.topology import OutdatedQueueFound, Subscription, Topology, declare, delete
from tests.conftest import TEST_SECRET, make_test_settings

CONSUMER = "confirmation-email"
EVENTS = frozenset({"appointment.confirmed", "appointment.cancelled"})


@pytest.fixture
def old_broker(amqp_url: str) -> Iterator[Topology]:
    """A private topology whose queues exist as classic queues holding messages, as an older WardDesk
    left them: three events waiting in the consumer's queue, one in its dead-letter queue."""
    topology = Topology(prefix=f"test-{uuid.uuid4().hex[:10]}.", delivery_limit=2)
    queue, dlq = topology.queue(CONSUMER), topology.dead_letter_queue(CONSUMER)
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as connection:
        channel = connection.channel()
        channel.exchange_declare(topology.exchange, exchange_type="topic", durable=True)
        channel.exchange_declare(topology.dead_letter_exchange, exchange_type="direct", durable=True)
        channel.queue_declare(dlq, durable=True)
        channel.queue_bind(dlq, topology.dead_letter_exchange, routing_key=dlq)
        channel.queue_declare(
            queue, durable=True, arguments={"x-dead-letter-exchange": topology.dead_letter_exchange}
        )
        for event_type in EVENTS:
            channel.queue_bind(queue, topology.exchange, routing_key=event_type)
        channel.confirm_delivery()
        for number in range(3):
            channel.basic_publish(
                topology.exchange,
                "appointment.confirmed",
                json.dumps({"n": number}).encode(),
                pika.BasicProperties(message_id=f"waiting-{number}", delivery_mode=2),
            )
        channel.basic_publish(
            "", dlq, b"{}", pika.BasicProperties(message_id="dead-0", delivery_mode=2, headers={"a": 1})
        )
    yield topology
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as connection:
        channel = connection.channel()
        for name in (queue + HOLDING_SUFFIX, dlq + HOLDING_SUFFIX):
            channel.queue_delete(name)
        # The command also declares the queues of the server's other consumers.
        delete(channel, topology, [subscription(c) for c in consumers_of(make_test_settings())])


def _message_ids(amqp_url: str, queue: str) -> list[str]:
    """The message ids waiting in `queue`, read without removing them."""
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as connection:
        channel = connection.channel()
        ids = []
        while True:
            method, properties, _ = channel.basic_get(queue)
            if method is None:
                return sorted(ids)
            ids.append(str(properties.message_id))


def _queue_exists(amqp_url: str, queue: str) -> bool:
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as connection:
        try:
            connection.channel().queue_declare(queue, passive=True)
        except pika.exceptions.ChannelClosedByBroker as exc:
            assert exc.reply_code == 404, exc
            return False
    return True


def _declare(amqp_url: str, topology: Topology) -> None:
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as connection:
        declare(connection.channel(), topology, [Subscription(CONSUMER, EVENTS)])


def test_a_classic_queue_is_named_with_the_command_that_migrates_it(
    amqp_url: str, old_broker: Topology
) -> None:
    with pytest.raises(OutdatedQueueFound) as refused:
        _declare(amqp_url, old_broker)
    assert refused.value.reply_code == 406
    assert "a classic queue of an older WardDesk" in refused.value.reply_text
    assert "warddesk-server messaging-migrate-queues" in refused.value.reply_text


def test_migration_makes_quorum_queues_and_keeps_every_message(amqp_url: str, old_broker: Topology) -> None:
    queue, dlq = old_broker.queue(CONSUMER), old_broker.dead_letter_queue(CONSUMER)

    migrated = migrate_to_quorum(
        amqp_url, topology=old_broker, subscriptions=[Subscription(CONSUMER, EVENTS)]
    )

    assert {(m.queue, m.messages) for m in migrated} == {(queue, 3), (dlq, 1)}
    _declare(amqp_url, old_broker)  # the quorum declaration is accepted now
    assert _message_ids(amqp_url, queue) == ["waiting-0", "waiting-1", "waiting-2"]
    assert _message_ids(amqp_url, dlq) == ["dead-0"]
    assert not _queue_exists(amqp_url, queue + HOLDING_SUFFIX)
    assert not _queue_exists(amqp_url, dlq + HOLDING_SUFFIX)
    # The bindings came along: a new event reaches the quorum queue.
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish(
            old_broker.exchange,
            "appointment.cancelled",
            b"{}",
            pika.BasicProperties(message_id="after", delivery_mode=2),
            mandatory=True,
        )
    assert _message_ids(amqp_url, queue) == ["after", "waiting-0", "waiting-1", "waiting-2"]
    # Running it again changes nothing.
    assert (
        migrate_to_quorum(amqp_url, topology=old_broker, subscriptions=[Subscription(CONSUMER, EVENTS)]) == []
    )


def test_the_command_migrates_the_configured_broker(
    amqp_url: str, old_broker: Topology, monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("WARDDESK_AMQP_URL", amqp_url)
    monkeypatch.setenv("WARDDESK_AMQP_PREFIX", old_broker.prefix)
    monkeypatch.setenv("WARDDESK_AMQP_DELIVERY_LIMIT", str(old_broker.delivery_limit))
    monkeypatch.setenv("WARDDESK_ENVIRONMENT", "test")
    monkeypatch.setenv("WARDDESK_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("WARDDESK_DATA_DIR", str(tmp_path))

    result = CliRunner().invoke(app, ["messaging-migrate-queues"])

    assert result.exit_code == 0, result.output
    assert f"{old_broker.queue(CONSUMER)}: now a quorum queue (3 message(s) carried over)" in result.output
    assert "2 queue(s) migrated" in result.output
    _declare(amqp_url, old_broker)
    assert _message_ids(amqp_url, old_broker.queue(CONSUMER)) == ["waiting-0", "waiting-1", "waiting-2"]
