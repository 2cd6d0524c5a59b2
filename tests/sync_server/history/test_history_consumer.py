"""The history consumer against both stores (PostgreSQL, and DynamoDB on moto's server): each event written
once under redelivery and after a crash between the store's write and the receipt; the entries published
to the patient's carers (payments without amounts) and the desk; paging and the kind filter; and a rebuild
from the outbox that equals the live projection."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from shared import privacy
from shared.events import EventEnvelope, EventType
from shared.history import HistoryEntry, HistoryKind
from sync_server.core.db import transaction
from sync_server.history.consumer import HistoryProjector
from sync_server.history.rebuild import StoreNotEmpty, rebuild
from sync_server.history.store import DynamoHistoryStore, HistoryStore, PostgresHistoryStore
from sync_server.messaging.consumers import Delivery, PermanentFailure, deliver
from tests.sync_server.history.conftest import (
    Clinic,
    FixedClock,
    appointment_payload,
    deliver_all,
    dynamo_store,
    note_payload,
    payment_payload,
    write_events,
)


def everything(
    factory: sessionmaker[Session], store: HistoryStore, patient_id: uuid.UUID
) -> list[HistoryEntry]:
    with transaction(factory) as session:
        return store.page(session, patient_id, limit=200).entries


def feed_rows(factory: sessionmaker[Session], event_id: uuid.UUID) -> dict[str, Any]:
    """scope -> data of the history entry's change-feed records."""
    with transaction(factory) as session:
        rows = session.execute(
            text("SELECT scope, data FROM sync_changes WHERE entity = 'history_entry' AND entity_id = :id"),
            {"id": event_id},
        ).all()
    return {scope: data for scope, data in rows}


def receipts(factory: sessionmaker[Session], message_id: uuid.UUID) -> int:
    with transaction(factory) as session:
        return int(
            session.execute(
                text("SELECT count(*) FROM processed_messages WHERE message_id = :id"), {"id": message_id}
            ).scalar_one()
        )


def clinic_events(clinic: Clinic) -> list[tuple[str, dict[str, Any]]]:
    mine, doctor = clinic.patient.id, clinic.doctor.id
    return [
        (EventType.APPOINTMENT_CONFIRMED, appointment_payload(clinic.appointment.id, doctor, mine)),
        (EventType.PAYMENT_RECORDED, payment_payload(mine, doctor)),
        (EventType.NOTE_ADDED, note_payload(mine)),
        (EventType.APPOINTMENT_ATTENDED, appointment_payload(clinic.appointment.id, doctor, mine)),
        (EventType.TICKET_SUBMITTED, {"ticket": {"id": str(uuid.uuid4()), "ward_id": str(clinic.ward.id)}}),
    ]


def test_a_redelivered_event_is_written_and_published_once(
    session_factory: sessionmaker[Session], store: HistoryStore, projector: HistoryProjector, clinic: Clinic
) -> None:
    envelopes = write_events(session_factory, clinic_events(clinic))
    first = deliver_all(session_factory, projector, envelopes)
    again = deliver_all(session_factory, projector, envelopes)
    assert first == [Delivery.HANDLED] * 5 and again == [Delivery.DUPLICATE] * 5
    entries = everything(session_factory, store, clinic.patient.id)
    # Newest first; the ticket named no patient.
    assert [e.event_type for e in entries] == [
        "appointment.attended",
        "history.note_added",
        "payment.recorded",
        "appointment.confirmed",
    ]
    assert [e.event_id for e in entries] == [envelope.message_id for envelope in reversed(envelopes[:4])]


class CrashAfterPut:
    """The store's write succeeds, then the consumer's process dies before its receipt commits."""

    def __init__(self, store: HistoryStore) -> None:
        self.store = store

    def put(self, session: Session, entry: HistoryEntry) -> bool:
        self.store.put(session, entry)
        raise SystemExit("the consumer died")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def test_a_crash_between_the_store_write_and_the_receipt_leaves_one_entry(
    session_factory: sessionmaker[Session], store: HistoryStore, clock: FixedClock, clinic: Clinic
) -> None:
    [envelope] = write_events(
        session_factory, [(EventType.PAYMENT_RECORDED, payment_payload(clinic.patient.id, clinic.doctor.id))]
    )
    with pytest.raises(SystemExit):
        deliver(session_factory, HistoryProjector(CrashAfterPut(store), clock=clock), envelope)  # type: ignore[arg-type]
    assert receipts(session_factory, envelope.message_id) == 0
    assert feed_rows(session_factory, envelope.message_id) == {}
    # DynamoDB kept the write (outside the transaction); PostgreSQL rolled it back with the receipt.
    kept = everything(session_factory, store, clinic.patient.id)
    assert len(kept) == (1 if isinstance(store, DynamoHistoryStore) else 0)

    assert deliver(session_factory, HistoryProjector(store, clock=clock), envelope) is Delivery.HANDLED
    [entry] = everything(session_factory, store, clinic.patient.id)
    assert entry.event_id == envelope.message_id
    assert receipts(session_factory, envelope.message_id) == 1
    assert set(feed_rows(session_factory, envelope.message_id)) == {
        privacy.doctor(clinic.doctor.id),
        privacy.DESK,
    }


def test_carers_never_see_a_payments_amount_on_the_feed(
    session_factory: sessionmaker[Session], projector: HistoryProjector, clinic: Clinic
) -> None:
    payment, note, booked = write_events(
        session_factory,
        [
            (
                EventType.PAYMENT_RECORDED,
                payment_payload(clinic.patient.id, clinic.doctor.id, amount="99.90"),
            ),
            (EventType.NOTE_ADDED, note_payload(clinic.patient.id)),
            (
                EventType.APPOINTMENT_CONFIRMED,
                appointment_payload(clinic.appointment.id, clinic.doctor.id, clinic.patient.id),
            ),
        ],
    )
    deliver_all(session_factory, projector, [payment, note, booked])
    doctor_scope = privacy.doctor(clinic.doctor.id)

    paid = feed_rows(session_factory, payment.message_id)
    assert set(paid) == {doctor_scope, privacy.DESK}
    assert paid[privacy.DESK]["details"]["amount"] == "99.90"
    assert paid[privacy.DESK]["details"]["method"] == "card"
    assert "amount" not in paid[doctor_scope]["details"] and "method" not in paid[doctor_scope]["details"]
    assert "99.90" not in str(paid[doctor_scope])
    # A note is clinical: the desk never gets it; an appointment goes to both.
    assert set(feed_rows(session_factory, note.message_id)) == {doctor_scope}
    assert set(feed_rows(session_factory, booked.message_id)) == {doctor_scope, privacy.DESK}


def test_an_admitted_patients_entries_reach_his_wards_carers(
    session_factory: sessionmaker[Session], projector: HistoryProjector, clinic: Clinic
) -> None:
    [note] = write_events(session_factory, [(EventType.NOTE_ADDED, note_payload(clinic.admitted.id))])
    deliver_all(session_factory, projector, [note])
    assert set(feed_rows(session_factory, note.message_id)) == {privacy.ward_patients(clinic.ward.id)}


def test_an_unusable_event_is_dead_lettered_not_retried(
    session_factory: sessionmaker[Session], projector: HistoryProjector, clinic: Clinic
) -> None:
    [bad] = write_events(
        session_factory, [(EventType.NOTE_ADDED, {**note_payload(clinic.patient.id), "text": ""})]
    )
    with pytest.raises(PermanentFailure):
        deliver(session_factory, projector, bad)


def test_pages_walk_the_timeline_newest_first_and_filter_by_kind(
    session_factory: sessionmaker[Session], store: HistoryStore, projector: HistoryProjector, clinic: Clinic
) -> None:
    mine, doctor = clinic.patient.id, clinic.doctor.id
    events = []
    for n in range(7):
        events.append((EventType.NOTE_ADDED, note_payload(mine, f"note {n}")))
        events.append((EventType.PAYMENT_RECORDED, payment_payload(mine, doctor)))
    envelopes = write_events(session_factory, events)
    deliver_all(session_factory, projector, envelopes)
    newest_first = [e.message_id for e in reversed(envelopes)]

    seen: list[uuid.UUID] = []
    before = None
    with transaction(session_factory) as session:
        while True:
            page = store.page(session, mine, before=before, limit=4)
            seen += [e.event_id for e in page.entries]
            if page.next_before is None:
                break
            assert len(page.entries) == 4
            before = page.next_before
        assert seen == newest_first

        notes = store.page(session, mine, kinds={HistoryKind.NOTE}, limit=5)
        assert [e.details["text"] for e in notes.entries] == [f"note {n}" for n in range(6, 1, -1)]
        rest = store.page(session, mine, kinds={HistoryKind.NOTE}, before=notes.next_before, limit=5)
        assert [e.details["text"] for e in rest.entries] == ["note 1", "note 0"] and rest.next_before is None
        both = store.page(session, mine, kinds={HistoryKind.NOTE, HistoryKind.PAYMENT}, limit=100)
        assert len(both.entries) == 14
        assert store.page(session, mine, kinds={HistoryKind.DOCUMENT}).entries == []
        assert store.page(session, clinic.stranger.id).entries == []


def _empty_store_like(store: HistoryStore, factory: sessionmaker[Session], endpoint: Any) -> HistoryStore:
    if isinstance(store, PostgresHistoryStore):
        with transaction(factory) as session:
            session.execute(text("DELETE FROM history_entries"))
        return store
    return dynamo_store(endpoint)


def test_a_rebuild_from_the_outbox_equals_the_live_projection(
    session_factory: sessionmaker[Session],
    store: HistoryStore,
    projector: HistoryProjector,
    clinic: Clinic,
    request: pytest.FixtureRequest,
) -> None:
    events = clinic_events(clinic) * 3 + [
        (EventType.NOTE_ADDED, note_payload(clinic.admitted.id)),
        (
            EventType.PAYMENT_REFUNDED,
            payment_payload(clinic.patient.id, clinic.doctor.id, refund_id=str(uuid.uuid4())),
        ),
        (EventType.NOTE_ADDED, {**note_payload(clinic.patient.id), "text": ""}),  # dead-lettered live
    ]
    envelopes: list[EventEnvelope] = write_events(session_factory, events)
    for envelope in envelopes:
        try:
            deliver(session_factory, projector, envelope)
        except PermanentFailure:
            pass
    patients = (clinic.patient.id, clinic.admitted.id)
    live = {p: everything(session_factory, store, p) for p in patients}
    assert len(live[clinic.patient.id]) == 13 and len(live[clinic.admitted.id]) == 1

    with pytest.raises(StoreNotEmpty):
        rebuild(session_factory, store)
    endpoint = request.getfixturevalue("dynamodb_endpoint") if isinstance(store, DynamoHistoryStore) else None
    fresh = _empty_store_like(store, session_factory, endpoint)
    done = rebuild(session_factory, fresh, batch=4)
    assert (done.events, done.entries, done.unusable) == (len(envelopes), 14, 1)
    assert {p: everything(session_factory, fresh, p) for p in patients} == live
