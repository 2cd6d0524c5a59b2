"""A broker outage under load loses nothing and doubles nothing: events keep going into the outbox while
RabbitMQ is unreachable, and once it is back every event reaches the consumer, whose effect happens once."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import tests.conftest as root
from sync_server.core.db import transaction
from sync_server.core.outbox import OutboxMessage
from sync_server.messaging.runner import start_in_process
from sync_server.messaging.topology import Topology
from sync_server.patient_email.consumer import AppointmentEmails
from sync_server.patient_email.models import SentEmail
from tests.sync_server.messaging.conftest import (
    TcpProxy,
    confirmed_payload,
    emit_events,
    eventually,
    via_proxy,
)
from tests.sync_server.messaging.test_consumers import CountingFolder

pytestmark = pytest.mark.broker


def unpublished(session_factory: sessionmaker[Session]) -> int:
    with transaction(session_factory) as session:
        return int(session.scalar(select(func.count()).where(OutboxMessage.published_at.is_(None))) or 0)


def test_events_written_during_a_broker_outage_are_all_delivered_once_it_returns(
    amqp_url: str,
    topology: Topology,
    broker_proxy: TcpProxy,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    settings = root.make_test_settings(
        amqp_url=via_proxy(amqp_url, broker_proxy),
        amqp_prefix=topology.prefix,
        relay_poll_seconds=0.05,
        relay_batch_size=50,
        consumer_retry_base_seconds=0.05,
        consumer_retry_max_seconds=0.2,
    )
    mail = CountingFolder(tmp_path / "mail")
    stop_messaging = start_in_process(
        settings, session_factory, consumers=[AppointmentEmails(mail, mail_from=settings.mail_sender)]
    )
    written: list[OutboxMessage] = []
    writing = threading.Event()
    writing.set()

    def ward_clerk_keeps_booking() -> None:
        while writing.is_set():
            appointment = str(uuid.uuid4())
            written.extend(
                emit_events(
                    session_factory,
                    [("appointment.requested", appointment, confirmed_payload()),
                     ("appointment.confirmed", appointment, confirmed_payload())],
                )
            )
            time.sleep(0.01)

    clerk = threading.Thread(target=ward_clerk_keeps_booking)
    try:
        clerk.start()
        time.sleep(1.0)
        broker_proxy.cut()
        time.sleep(1.5)
        waiting_during_outage = unpublished(session_factory)
        broker_proxy.restore()
        time.sleep(1.0)
        writing.clear()
        clerk.join()

        confirmed = [row for row in written if row.event_type == "appointment.confirmed"]
        eventually(lambda: unpublished(session_factory) == 0, timeout=40)
        eventually(lambda: len(mail.sends) >= len(confirmed), timeout=40)
        time.sleep(0.5)  # room for a duplicate to show up, if there were one
    finally:
        writing.clear()
        stop_messaging()

    print(f"{len(written)} events written, {waiting_during_outage} waiting in the outbox during the outage")
    assert waiting_during_outage > 0
    assert Counter(mail.sends) == Counter(f"confirmation-{row.message_id}" for row in confirmed)
    with transaction(session_factory) as session:
        assert session.scalar(select(func.count()).select_from(SentEmail)) == len(confirmed)
