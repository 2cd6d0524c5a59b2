"""Generated delivery histories: any mix of first deliveries, redeliveries and consumer crashes between the
store's write and the receipt ends with each event on the timeline at most once, on the feed once per
receipt, and every event that was ever handled on the timeline (both stores)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from shared.events import EventEnvelope, EventType
from sync_server.core.db import transaction
from sync_server.history.consumer import HistoryProjector
from sync_server.history.store import DynamoHistoryStore, HistoryStore
from sync_server.messaging.consumers import Delivery, deliver
from tests.sync_server.history.conftest import FixedClock, note_payload, payment_payload
from tests.sync_server.history.test_history_consumer import CrashAfterPut

AT = datetime(2031, 3, 5, 12, 0, tzinfo=UTC)
EVENTS = 4


def _events(patient: uuid.UUID) -> list[EventEnvelope]:
    payloads = [
        (EventType.NOTE_ADDED, note_payload(patient)),
        (EventType.PAYMENT_RECORDED, payment_payload(patient, uuid.uuid4())),
        (EventType.NOTE_ADDED, note_payload(patient, "second")),
        (EventType.PAYMENT_REFUNDED, payment_payload(patient, uuid.uuid4(), refund_id=str(uuid.uuid4()))),
    ]
    return [
        EventEnvelope(
            message_id=uuid.uuid4(),
            type=kind,
            occurred_at=AT + timedelta(seconds=n),
            aggregate_type=kind.split(".")[0],
            aggregate_id=str(uuid.uuid4()),
            sequence=n + 1,
            payload=payload,
        )
        for n, (kind, payload) in enumerate(payloads)
    ]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=st.lists(st.tuples(st.integers(0, EVENTS - 1), st.booleans()), min_size=1, max_size=12))
def test_any_history_of_redeliveries_and_crashes_leaves_each_event_once(
    session_factory: sessionmaker[Session],
    store: HistoryStore,
    clock: FixedClock,
    plan: list[tuple[int, bool]],
) -> None:
    patient = uuid.uuid4()  # a fresh patient per example: the examples do not see each other
    envelopes = _events(patient)
    handled: set[uuid.UUID] = set()
    attempted: set[uuid.UUID] = set()
    for index, crash in plan:
        envelope = envelopes[index]
        projector = HistoryProjector(CrashAfterPut(store) if crash else store, clock=clock)  # type: ignore[arg-type]
        attempted.add(envelope.message_id)
        try:
            outcome = deliver(session_factory, projector, envelope)
        except SystemExit:
            continue
        assert outcome is (Delivery.DUPLICATE if envelope.message_id in handled else Delivery.HANDLED)
        handled.add(envelope.message_id)

    with transaction(session_factory) as session:
        stored = [e.event_id for e in store.page(session, patient, limit=200).entries]
        ids = [str(e.message_id) for e in envelopes]
        receipts = set(
            session.scalars(
                text(
                    "SELECT message_id FROM processed_messages WHERE message_id = ANY(CAST(:ids AS uuid[]))"
                ),
                {"ids": ids},
            )
        )
        fed = list(
            session.scalars(
                text(
                    "SELECT entity_id FROM sync_changes"
                    " WHERE entity = 'history_entry' AND entity_id = ANY(CAST(:ids AS uuid[]))"
                ),
                {"ids": ids},
            )
        )
    assert len(stored) == len(set(stored))
    # PostgreSQL rolls a crashed write back with the receipt; DynamoDB keeps it (written again: no-op).
    assert set(stored) == (attempted if isinstance(store, DynamoHistoryStore) else handled)
    assert receipts == handled
    # The patient is unknown here, so only the desk is an audience: its payments, one record per receipt.
    payments = {e.message_id for e in envelopes if e.type.startswith("payment.")}
    assert sorted(fed) == sorted(handled & payments)
