"""Consumer lag and dead letters as RabbitMQ holds them, read back from /metrics."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pika
import pytest
from fastapi.testclient import TestClient

from sync_server.app import consumers_of, create_app
from sync_server.core.config import Settings
from sync_server.messaging.consumers import subscription
from sync_server.messaging.runner import topology_of
from sync_server.messaging.topology import declare, delete
from tests.conftest import make_test_settings
from tests.sync_server.operations.conftest import free_port
from tests.sync_server.operations.test_metrics import scrape, value


@pytest.fixture
def settings(amqp_url: str) -> Iterator[Settings]:
    made = make_test_settings(
        messaging_in_app=False, amqp_url=amqp_url, amqp_prefix=f"test-{uuid.uuid4().hex[:10]}."
    )
    subscriptions = [subscription(c) for c in consumers_of(made)]
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as connection:
        declare(connection.channel(), topology_of(made), subscriptions)
    yield made
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as connection:
        delete(connection.channel(), topology_of(made), subscriptions)


def test_queue_depths_and_dead_letters_of_each_consumer_are_exported(settings, client, amqp_url):  # type: ignore[no-untyped-def]
    consumer = consumers_of(settings)[0].name
    topology = topology_of(settings)
    before = scrape(client)
    assert value(before, "warddesk_broker_up") == 1
    assert value(before, "warddesk_queue_messages", consumer=consumer, queue="main") == 0

    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        for _ in range(2):
            channel.basic_publish("", topology.queue(consumer), b"{}")
        channel.basic_publish("", topology.dead_letter_queue(consumer), b"{}")

    after = scrape(client)
    assert value(after, "warddesk_queue_messages", consumer=consumer, queue="main") == 2
    assert value(after, "warddesk_queue_messages", consumer=consumer, queue="dead_letter") == 1


def test_a_broker_that_does_not_answer_is_reported_down(database_url, session_factory):  # type: ignore[no-untyped-def]
    settings = make_test_settings(
        messaging_in_app=False, amqp_url=f"amqp://guest:guest@127.0.0.1:{free_port()}/"
    )
    with TestClient(create_app(settings, database_url=database_url)) as client:
        metrics = scrape(client)
    assert value(metrics, "warddesk_broker_up") == 0
    assert value(metrics, "warddesk_metrics_database_up") == 1
