"""Consumers do each effect once, however often a message arrives, on either transport."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pika
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import tests.conftest as root
from shared.events import EventEnvelope
from sync_server.app import consumers_of
from sync_server.core.db import transaction
from sync_server.core.outbox import OutboxMessage, ProcessedMessage
from sync_server.messaging.consumers import envelope_of
from sync_server.messaging.models import MessageFailure
from sync_server.messaging.rabbitmq import QueueWorker, list_dead_letters
from sync_server.messaging.runner import start_in_process
from sync_server.messaging.topology import Topology
from sync_server.patient_email.consumer import AppointmentEmails
from sync_server.patient_email.models import SentEmail
from sync_server.patient_email.senders import FolderSender
from tests.sync_server.messaging.conftest import confirmed_payload, emit_events, eventually, one_confirmed


class CountingFolder(FolderSender):
    """The real .eml writer, counting how many times it was asked to send."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.sends: list[str] = []
        self._lock = threading.Lock()

    def send(self, message: EmailMessage, *, key: str) -> str:
        with self._lock:
            self.sends.append(key)
        return super().send(message, key=key)


def count(session_factory: sessionmaker[Session], model: type) -> int:
    with transaction(session_factory) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def mail(tmp_path: Path) -> CountingFolder:
    return CountingFolder(tmp_path / "mail")


@pytest.fixture
def email_worker(
    amqp_url: str, topology: Topology, session_factory: sessionmaker[Session], mail: CountingFolder
) -> Iterator[tuple[QueueWorker, threading.Event]]:
    worker = QueueWorker(
        url=amqp_url, topology=topology, session_factory=session_factory,
        consumer=AppointmentEmails(mail, mail_from="appointments@warddesk.local"),
        retry_base_seconds=0.05, retry_max_seconds=0.1,
    )
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    yield worker, stop
    stop.set()
    thread.join(timeout=10)


def publish_raw(amqp_url: str, topology: Topology, body: bytes, *, message_id: str, routing_key: str) -> None:
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        properties = pika.BasicProperties(message_id=message_id, delivery_mode=2, type=routing_key)
        channel.basic_publish(topology.exchange, routing_key, body, properties, mandatory=True)


def queued(amqp_url: str, queue: str) -> int:
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as connection:
        return int(connection.channel().queue_declare(queue, passive=True).method.message_count)


@pytest.mark.broker
def test_a_redelivered_event_sends_the_email_once(
    amqp_url: str,
    topology: Topology,
    session_factory: sessionmaker[Session],
    email_worker: tuple[QueueWorker, threading.Event],
    mail: CountingFolder,
) -> None:
    worker, stop = email_worker
    eventually(lambda: _queue_exists(amqp_url, topology.queue("confirmation-email")))
    row = one_confirmed(session_factory)
    body = envelope_of(row).model_dump_json().encode()

    for _ in range(2):  # e.g. the relay crashed after the broker's confirm and published it again
        publish_raw(amqp_url, topology, body, message_id=str(row.message_id), routing_key=row.event_type)
    eventually(lambda: count(session_factory, ProcessedMessage) == 1)
    eventually(lambda: queued(amqp_url, topology.queue("confirmation-email")) == 0)
    stop.set()  # any unacked delivery would go back to the queue now

    eventually(lambda: not _consuming(amqp_url, topology.queue("confirmation-email")))
    assert queued(amqp_url, topology.queue("confirmation-email")) == 0
    assert mail.sends == [f"confirmation-{row.message_id}"]
    assert count(session_factory, SentEmail) == 1
    assert len(list(mail._folder.glob("*.eml"))) == 1


@pytest.mark.broker
def test_a_message_that_is_not_an_event_is_dead_lettered_at_once_and_the_queue_moves_on(
    amqp_url: str,
    topology: Topology,
    session_factory: sessionmaker[Session],
    email_worker: tuple[QueueWorker, threading.Event],
    mail: CountingFolder,
) -> None:
    eventually(lambda: _queue_exists(amqp_url, topology.queue("confirmation-email")))
    garbage_id = str(uuid.uuid4())
    publish_raw(amqp_url, topology, b"{not json", message_id=garbage_id, routing_key="appointment.confirmed")
    row = one_confirmed(session_factory)
    publish_raw(
        amqp_url, topology, envelope_of(row).model_dump_json().encode(),
        message_id=str(row.message_id), routing_key=row.event_type,
    )

    eventually(lambda: len(mail.sends) == 1)
    eventually(lambda: queued(amqp_url, topology.dead_letter_queue("confirmation-email")) == 1)
    [letter] = list_dead_letters(amqp_url, topology=topology, consumers=["confirmation-email"])
    assert (letter.message_id, letter.reason) == (garbage_id, "rejected")


def _queue_exists(amqp_url: str, queue: str) -> bool:
    try:
        queued(amqp_url, queue)
        return True
    except pika.exceptions.ChannelClosedByBroker:
        return False


def _consuming(amqp_url: str, queue: str) -> bool:
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as connection:
        return int(connection.channel().queue_declare(queue, passive=True).method.consumer_count) > 0


def test_without_a_broker_events_are_delivered_in_process_to_the_same_consumer_once(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    settings = root.make_test_settings(relay_poll_seconds=0.05, mail_dir=tmp_path / "mail")
    stop = start_in_process(settings, session_factory, consumers=consumers_of(settings))
    try:
        rows = emit_events(
            session_factory,
            [("appointment.confirmed", str(uuid.uuid4()), confirmed_payload()) for _ in range(3)],
        )
        eventually(lambda: count(session_factory, SentEmail) == 3)
        eventually(lambda: _unpublished(session_factory) == 0)
        # Published again (as after a crash before the mark): nothing is sent twice.
        with transaction(session_factory) as session:
            for row in rows:
                session.get(OutboxMessage, row.id).published_at = None  # type: ignore[union-attr]
        eventually(lambda: _unpublished(session_factory) == 0)
    finally:
        stop()

    files = sorted(path.name for path in (tmp_path / "mail").glob("*.eml"))
    assert files == sorted(f"confirmation-{row.message_id}.eml" for row in rows)
    assert count(session_factory, SentEmail) == 3
    # One receipt per message and consumer of confirmations (the e-mails, and others such as the history).
    with transaction(session_factory) as session:
        receipts = sorted(session.scalars(select(ProcessedMessage.consumer)))
    wanting = [c.name for c in consumers_of(settings) if "appointment.confirmed" in c.event_types]
    assert "confirmation-email" in wanting and receipts == sorted(wanting * 3)


def test_in_process_delivery_dead_letters_after_the_delivery_limit_without_blocking_others(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the mail folder should be")  # every write fails: a temporary failure
    settings = root.make_test_settings(
        relay_poll_seconds=0.05, mail_dir=blocked, amqp_delivery_limit=2,
        consumer_retry_base_seconds=0.01, consumer_retry_max_seconds=0.02,
    )
    stop = start_in_process(settings, session_factory, consumers=consumers_of(settings))
    try:
        row = one_confirmed(session_factory)
        eventually(lambda: _unpublished(session_factory) == 0)
    finally:
        stop()

    with transaction(session_factory) as session:
        failure = session.get(MessageFailure, ("confirmation-email", row.message_id))
        assert failure is not None and failure.dead_lettered_at is not None
        assert failure.failures == 3 and "cannot write the mail file" in failure.last_error
    assert count(session_factory, SentEmail) == 0


def _unpublished(session_factory: sessionmaker[Session]) -> int:
    with transaction(session_factory) as session:
        return int(
            session.scalar(select(func.count()).where(OutboxMessage.published_at.is_(None))) or 0
        )


def test_an_envelope_on_the_wire_reads_back_as_the_same_event(session_factory: sessionmaker[Session]) -> None:
    [row] = emit_events(session_factory, [("appointment.confirmed", "a-1", confirmed_payload())])
    wire = envelope_of(row).model_dump_json()
    back = EventEnvelope.model_validate(json.loads(wire))
    assert (back.message_id, back.sequence, back.type, back.payload) == (
        row.message_id, row.id, "appointment.confirmed", row.payload
    )
