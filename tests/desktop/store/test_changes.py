"""What each write of the cache reports (OpChanges), and the one thread every write runs on."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

from desktop.store import LocalStore
from desktop.store.changes import OpChanges
from desktop.store.mutations import queue_ticket_submit
from shared.protocol import Change, Entity, MutationResult, MutationStatus, PullResponse, PushResponse
from tests.desktop.store.conftest import ticket_draft

WARD = uuid.UUID("00000000-0000-0000-0000-0000000000a3")
DOCTOR = uuid.UUID("00000000-0000-0000-0000-0000000000d1")
SERVER_TIME = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)


class Heard:
    """A subscriber that keeps every report and the thread it came on."""

    def __init__(self, store: LocalStore) -> None:
        self.reports: list[OpChanges] = []
        self.threads: set[str] = set()
        store.subscribe(self.hear)

    def hear(self, changes: OpChanges) -> None:
        self.reports.append(changes)
        self.threads.add(threading.current_thread().name)

    def last(self) -> OpChanges:
        return self.reports[-1]


def page(*changes: Change, cursor: str = "c1", reset: bool = False) -> PullResponse:
    return PullResponse(
        changes=list(changes),
        cursor=cursor,
        has_more=False,
        reset_required=reset,
        last_mutation_id=0,
        server_time=SERVER_TIME,
    )


def appointment(appointment_id: uuid.UUID, *, version: int = 1) -> Change:
    return Change(
        entity=Entity.APPOINTMENT,
        id=appointment_id,
        version=version,
        data={
            "id": str(appointment_id),
            "doctor_id": str(DOCTOR),
            "patient_id": str(uuid.uuid4()),
            "starts_at": "2026-03-05T10:00:00+00:00",
            "ends_at": "2026-03-05T10:20:00+00:00",
            "status": "confirmed",
        },
    )


def test_submitting_a_draft_reports_the_ticket_the_draft_and_a_change_to_send(store: LocalStore) -> None:
    heard = Heard(store)
    draft_id = store.save_draft(ward_id=WARD, data=ticket_draft(WARD))
    assert heard.last() == OpChanges(drafts=True)

    queue_ticket_submit(store, draft_id=draft_id)

    submitted = heard.last()
    assert submitted.ids(Entity.TICKET) == {str(draft_id)}
    assert submitted.queued and submitted.outbox and submitted.drafts and not submitted.everything
    assert submitted.touches(Entity.TICKET) and not submitted.touches(Entity.APPOINTMENT)


def test_a_pulled_page_reports_its_records_by_kind_and_the_doctors_of_its_appointments(
    store: LocalStore,
) -> None:
    heard = Heard(store)
    booked, ward = uuid.uuid4(), uuid.uuid4()
    store.apply_pull(page(appointment(booked), Change(entity=Entity.WARD, id=ward, version=1, data={})))

    pulled = heard.last()
    assert pulled.ids(Entity.APPOINTMENT) == {str(booked)} and pulled.ids(Entity.WARD) == {str(ward)}
    assert pulled.doctors == {str(DOCTOR)}
    assert not (pulled.queued or pulled.outbox or pulled.everything)
    assert pulled.touches_ids(Entity.APPOINTMENT, [booked]) and not pulled.touches_ids(
        Entity.APPOINTMENT, [uuid.uuid4()]
    )


def test_a_reset_reports_that_anything_may_have_changed(store: LocalStore) -> None:
    store.apply_pull(page(appointment(uuid.uuid4())))
    heard = Heard(store)
    store.apply_pull(page(cursor="fresh", reset=True))
    assert heard.last().everything
    assert heard.last().touches_ids(Entity.TICKET, [uuid.uuid4()])


def test_the_servers_answer_reports_the_outbox_and_the_record_it_settled(store: LocalStore) -> None:
    draft_id = store.save_draft(ward_id=WARD, data=ticket_draft(WARD))
    entry = queue_ticket_submit(store, draft_id=draft_id)
    heard = Heard(store)
    store.apply_push_results(
        PushResponse(
            results=[
                MutationResult(
                    mutation_id=entry.mutation_id,
                    status=MutationStatus.APPLIED,
                    entity_id=draft_id,
                    new_version=1,
                )
            ],
            last_mutation_id=entry.mutation_id,
        )
    )
    answered = heard.last()
    assert answered.outbox and not answered.queued
    assert answered.ids(Entity.TICKET) == {str(draft_id)}


def test_a_write_that_changes_nothing_reports_nothing(store: LocalStore) -> None:
    heard = Heard(store)
    store.mark_sent([])  # no change named: nothing moved
    store.remember_server_epoch("epoch-1")  # the server's identity is no record a screen shows
    assert [report for report in heard.reports if not report.outbox] == []


def test_every_write_runs_on_the_stores_one_writer_thread_whoever_asks(store: LocalStore) -> None:
    heard = Heard(store)
    store.save_draft(ward_id=WARD, data=ticket_draft(WARD))  # from this (the test's) thread
    other = threading.Thread(
        target=lambda: store.save_draft(ward_id=WARD, data=ticket_draft(WARD)), name="a-sync-thread"
    )
    other.start()
    other.join()
    assert len(heard.reports) == 2
    assert heard.threads == {"warddesk-store-writer_0"}


def test_reports_merge_into_one_for_a_screen_that_batches_them() -> None:
    first = OpChanges(records={Entity.TICKET: frozenset({"a"})}, queued=True)
    second = OpChanges(records={Entity.TICKET: frozenset({"b"}), Entity.WARD: frozenset({"w"})}, drafts=True)
    merged = first.merged(second)
    assert merged.ids(Entity.TICKET) == {"a", "b"} and merged.ids(Entity.WARD) == {"w"}
    assert merged.queued and merged.drafts and not merged.everything


def test_a_subscriber_that_is_gone_is_no_longer_called(store: LocalStore) -> None:
    heard = Heard(store)
    calls: list[OpChanges] = []

    class Screen:
        def hear(self, changes: OpChanges) -> None:
            calls.append(changes)

    screen = Screen()
    store.subscribe(screen.hear)
    del screen  # a bound method is held weakly: the screen's going ends its subscription
    store.save_draft(ward_id=WARD, data=ticket_draft(WARD))
    assert calls == [] and len(heard.reports) == 1
