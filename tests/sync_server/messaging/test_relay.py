"""The outbox relay publishes every committed event to RabbitMQ, in order per aggregate, marked only once
the broker confirmed it; several relays never publish a row twice; unroutable events stay unpublished."""

from __future__ import annotations

import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from sync_server.core.db import transaction
from sync_server.core.outbox import OutboxMessage, emit
from sync_server.messaging.rabbitmq import ConfirmingPublisher
from sync_server.messaging.relay import OutboxRelay
from sync_server.messaging.topology import Topology
from tests.sync_server.messaging.conftest import Observer, confirmed_payload, emit_events, one_confirmed

pytestmark = pytest.mark.broker


@pytest.fixture
def publisher(amqp_url: str, topology: Topology) -> Iterator[ConfirmingPublisher]:
    made = ConfirmingPublisher(amqp_url, exchange=topology.exchange)
    made.connect()
    yield made
    made.close()


def unpublished(session_factory: sessionmaker[Session]) -> list[OutboxMessage]:
    with transaction(session_factory) as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.published_at.is_(None))))


def test_every_event_reaches_the_broker_in_order_per_appointment_and_is_marked_published(
    session_factory: sessionmaker[Session], publisher: ConfirmingPublisher, observer: Observer
) -> None:
    appointments = [str(uuid.uuid4()) for _ in range(5)]
    events = [
        (event_type, appointment, confirmed_payload())
        for event_type in ("appointment.requested", "appointment.confirmed", "appointment.cancelled")
        for appointment in appointments
    ]
    rows = emit_events(session_factory, events)
    relay = OutboxRelay(session_factory, batch_size=100)

    while relay.publish_pending(publisher.publish_batch) and unpublished(session_factory):
        pass

    received = observer.drain(len(rows))
    assert sorted(e["message_id"] for e in received) == sorted(str(r.message_id) for r in rows)
    per_appointment: dict[str, list[str]] = defaultdict(list)
    for envelope in received:
        per_appointment[envelope["aggregate_id"]].append(envelope["type"])
    assert all(
        types == ["appointment.requested", "appointment.confirmed", "appointment.cancelled"]
        for types in per_appointment.values()
    )
    assert unpublished(session_factory) == []


def test_an_event_committed_late_with_a_lower_id_is_still_published(
    session_factory: sessionmaker[Session], publisher: ConfirmingPublisher, observer: Observer
) -> None:
    relay = OutboxRelay(session_factory)
    slow = session_factory()
    try:
        early = emit(
            slow, event_type="appointment.confirmed", aggregate_type="appointment",
            aggregate_id=uuid.uuid4(), payload=confirmed_payload(),
        )
        slow.flush()  # takes its id now, commits later
        late = one_confirmed(session_factory)
        assert early.id < late.id

        relay.publish_pending(publisher.publish_batch)
        assert [e["sequence"] for e in observer.drain(1)] == [late.id]

        slow.commit()
    finally:
        slow.close()
    relay.publish_pending(publisher.publish_batch)

    assert [e["sequence"] for e in observer.drain(2)] == [late.id, early.id]
    assert unpublished(session_factory) == []


def test_a_later_event_waits_while_an_earlier_event_of_the_same_appointment_is_held_by_another_relay(
    session_factory: sessionmaker[Session], publisher: ConfirmingPublisher, observer: Observer
) -> None:
    appointment = str(uuid.uuid4())
    first, second = emit_events(
        session_factory,
        [("appointment.requested", appointment, confirmed_payload()),
         ("appointment.confirmed", appointment, confirmed_payload())],
    )
    relay = OutboxRelay(session_factory)
    other_relay = session_factory()
    try:
        other_relay.execute(select(OutboxMessage).where(OutboxMessage.id == first.id).with_for_update())

        relay.publish_pending(publisher.publish_batch)
        assert observer.drain(1, timeout=0.5) == []
    finally:
        other_relay.rollback()
        other_relay.close()
    relay.publish_pending(publisher.publish_batch)

    assert [e["sequence"] for e in observer.drain(2)] == [first.id, second.id]


def test_two_relays_publish_each_event_exactly_once(
    amqp_url: str, topology: Topology, session_factory: sessionmaker[Session], observer: Observer
) -> None:
    appointments = [str(uuid.uuid4()) for _ in range(40)]
    events = [
        (kind, appointment, confirmed_payload())
        for kind in ("appointment.requested", "appointment.confirmed")
        for appointment in appointments
    ]
    events += [("appointment.cancelled", a, confirmed_payload()) for a in appointments[:20]]
    rows = emit_events(session_factory, events)

    def run_relay() -> None:
        publisher = ConfirmingPublisher(amqp_url, exchange=topology.exchange)
        publisher.connect()
        relay = OutboxRelay(session_factory, batch_size=7)
        try:
            deadline = time.monotonic() + 20
            while unpublished(session_factory) and time.monotonic() < deadline:
                relay.publish_pending(publisher.publish_batch)
        finally:
            publisher.close()

    relays = [threading.Thread(target=run_relay) for _ in range(2)]
    for thread in relays:
        thread.start()
    for thread in relays:
        thread.join()

    received = observer.drain(len(rows))
    time.sleep(0.3)
    received = observer.drain(len(rows) + 1, timeout=0.3)  # anything extra would be a duplicate
    assert sorted(e["message_id"] for e in received) == sorted(str(r.message_id) for r in rows)
    sequences: dict[str, list[int]] = defaultdict(list)
    for envelope in received:
        sequences[envelope["aggregate_id"]].append(envelope["sequence"])
    assert all(seq == sorted(seq) for seq in sequences.values())


def test_an_event_nobody_is_bound_to_is_not_marked_published(
    session_factory: sessionmaker[Session], publisher: ConfirmingPublisher
) -> None:
    # No observer and no consumer queue: the exchange routes this event nowhere.
    row = one_confirmed(session_factory)

    OutboxRelay(session_factory).publish_pending(publisher.publish_batch)

    [still] = unpublished(session_factory)
    assert still.id == row.id
    assert still.attempts == 1 and "unroutable" in (still.last_error or "")


def test_an_event_type_no_consumer_wants_counts_as_published_and_does_not_hold_up_its_appointment(
    session_factory: sessionmaker[Session], publisher: ConfirmingPublisher
) -> None:
    appointment = str(uuid.uuid4())
    emit_events(
        session_factory,
        [("appointment.requested", appointment, confirmed_payload()),
         ("appointment.confirmed", appointment, confirmed_payload())],
    )
    relay = OutboxRelay(session_factory, subscribed_types=frozenset({"appointment.confirmed"}))

    relay.publish_pending(publisher.publish_batch)

    # "requested" went nowhere, as expected; "confirmed" has no queue although a consumer wants it.
    [still] = unpublished(session_factory)
    assert still.event_type == "appointment.confirmed" and "unroutable" in (still.last_error or "")


def test_a_whole_batch_is_published_and_confirmed_in_one_pass(
    session_factory: sessionmaker[Session], publisher: ConfirmingPublisher, observer: Observer
) -> None:
    rows = [one_confirmed(session_factory) for _ in range(500)]
    relay = OutboxRelay(session_factory, batch_size=500)

    started = time.perf_counter()
    relay.publish_pending(publisher.publish_batch)
    elapsed = time.perf_counter() - started

    with transaction(session_factory) as session:
        published = session.scalar(select(func.count()).where(OutboxMessage.published_at.is_not(None)))
    assert published == len(rows)
    print(f"published and confirmed 500 events in {elapsed:.3f}s")
    assert len(observer.drain(len(rows))) == len(rows)
