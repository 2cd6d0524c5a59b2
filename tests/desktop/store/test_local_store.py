from __future__ import annotations

import sqlite3
import uuid
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from desktop.store import CacheFromNewerApp, LocalStore, NotFound, StorageUnavailable, cache_path
from desktop.store.database import HEAD_REVISION, make_engine
from desktop.store.mutations import queue_ticket_submit
from desktop.store.schema import metadata
from shared.protocol import (
    Change,
    Entity,
    MutationName,
    MutationResult,
    MutationStatus,
    PullResponse,
    PushResponse,
)
from tests.desktop.store.conftest import SERVER, ticket_draft


def test_opening_a_new_cache_builds_the_schema_with_the_migrations(store: LocalStore) -> None:
    with closing(sqlite3.connect(store.path)) as conn:
        (revision,) = conn.execute("select version_num from alembic_version").fetchone()
    assert revision == HEAD_REVISION
    engine = make_engine(store.path)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert differences == []


def test_the_cache_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(store: LocalStore) -> None:
    engine = make_engine(store.path)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    engine.dispose()


def test_a_cache_written_by_a_newer_warddesk_is_refused_with_a_clear_message(store: LocalStore) -> None:
    store.close()
    with closing(sqlite3.connect(store.path)) as conn, conn:
        conn.execute("update alembic_version set version_num = '0099_from_the_future'")
    with pytest.raises(CacheFromNewerApp) as refused:
        LocalStore.open(store.path, server_url=SERVER, username="nurse.ana")
    assert "newer version of WardDesk" in str(refused.value)
    assert refused.value.kind == "too_new"


def test_a_damaged_cache_file_is_reported_as_the_environments_problem(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    path.write_bytes(b"this is not a database, it is a shopping list" * 100)
    with pytest.raises(StorageUnavailable) as failure:
        LocalStore.open(path, server_url=SERVER, username="nurse.ana")
    assert failure.value.kind == "corrupt"
    assert "Sign out and sign in again" in str(failure.value)


def test_each_user_of_a_shared_workstation_gets_their_own_cache(tmp_path: Path) -> None:
    ana = LocalStore.open_for_user(server_url=SERVER, username="nurse.ana", data_dir=tmp_path)
    rui = LocalStore.open_for_user(server_url=SERVER, username="Nurse.Rui", data_dir=tmp_path)
    other_server = LocalStore.open_for_user(
        server_url="http://10.0.0.5:8443", username="nurse.ana", data_dir=tmp_path
    )
    try:
        ana.save_draft(data=ticket_draft(uuid.uuid4()))
        assert ana.path == tmp_path / "users" / "sync.hospital.example" / "nurse.ana" / "cache.sqlite"
        assert rui.path == tmp_path / "users" / "sync.hospital.example" / "nurse.rui" / "cache.sqlite"
        assert other_server.path.parent.parent.name == "10.0.0.5_8443"
        assert len(ana.drafts()) == 1
        assert rui.drafts() == [] and other_server.drafts() == []
        assert ana.sync_state().client_id != rui.sync_state().client_id
    finally:
        for store in (ana, rui, other_server):
            store.close()


def test_a_user_name_cannot_climb_out_of_the_cache_folder(tmp_path: Path) -> None:
    path = cache_path(server_url=SERVER, username="../../etc", data_dir=tmp_path)
    assert path.is_relative_to(tmp_path / "users")
    with pytest.raises(ValueError):
        cache_path(server_url=SERVER, username="..", data_dir=tmp_path)


def test_a_cache_stays_with_the_user_who_made_it(store: LocalStore) -> None:
    store.close()
    with pytest.raises(ValueError, match="nurse.ana's cache"):
        LocalStore.open(store.path, server_url=SERVER, username="nurse.rui")


def test_submitting_a_draft_shows_the_ticket_as_pending_and_queues_it_in_one_step(store: LocalStore) -> None:
    ward_id = uuid.uuid4()
    draft_id = store.save_draft(ward_id=ward_id, data=ticket_draft(ward_id))

    entry = queue_ticket_submit(store, draft_id=draft_id)

    ticket = store.record(Entity.TICKET, draft_id)
    assert ticket is not None and ticket.pending and ticket.version is None
    assert ticket.data["status"] == "submitted" and ticket.data["priority"] == "urgent"
    assert [t.id for t in store.tickets(ward_ids=[ward_id], statuses=["submitted"])] == [draft_id]
    assert store.drafts() == []
    assert entry.state == "queued" and entry.name is MutationName.TICKET_SUBMIT and entry.mutation_id == 1
    assert store.counts().queued == 1


def test_a_failure_between_the_row_and_its_outbox_entry_leaves_nothing_half_written(
    store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    ward_id = uuid.uuid4()
    draft_id = store.save_draft(ward_id=ward_id, data=ticket_draft(ward_id))

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(LocalStore, "_insert_outbox_entry", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        queue_ticket_submit(store, draft_id=draft_id)

    assert store.record(Entity.TICKET, draft_id) is None
    assert [d.id for d in store.drafts()] == [draft_id]
    assert store.outbox_entries() == []
    assert store.sync_state().next_mutation_id == 1


def test_an_incomplete_draft_cannot_be_submitted(store: LocalStore) -> None:
    draft_id = store.save_draft(ward_id=uuid.uuid4(), data=ticket_draft(uuid.uuid4(), lines=[]))
    with pytest.raises(ValueError):
        queue_ticket_submit(store, draft_id=draft_id)
    assert store.outbox_entries() == [] and len(store.drafts()) == 1
    with pytest.raises(NotFound):
        queue_ticket_submit(store, draft_id=uuid.uuid4())


def _ticket(ticket_id: uuid.UUID, version: int, status: str, **fields: object) -> Change:
    data = {
        "id": str(ticket_id),
        "ward_id": str(uuid.uuid4()),
        "status": status,
        "priority": "routine",
        "version": version,
        **fields,
    }
    return Change(entity=Entity.TICKET, id=ticket_id, version=version, data=data)


def _page(*changes: Change, cursor: str = "c1", has_more: bool = False, settled: int = 0) -> PullResponse:
    return PullResponse(
        changes=list(changes),
        cursor=cursor,
        has_more=has_more,
        last_mutation_id=settled,
        server_time=datetime.now(UTC),
    )


def test_a_pulled_page_and_its_cursor_are_committed_together(store: LocalStore) -> None:
    ticket_id = uuid.uuid4()
    store.apply_pull(_page(_ticket(ticket_id, 1, "submitted"), cursor="after-page-1"))
    assert store.sync_state().cursor == "after-page-1"
    assert store.record(Entity.TICKET, ticket_id).data["status"] == "submitted"  # type: ignore[union-attr]


def test_an_older_version_pulled_again_never_overwrites_a_newer_one(store: LocalStore) -> None:
    ticket_id = uuid.uuid4()
    store.apply_pull(_page(_ticket(ticket_id, 3, "approved")))
    store.apply_pull(_page(_ticket(ticket_id, 2, "submitted")))
    assert store.record(Entity.TICKET, ticket_id).data["status"] == "approved"  # type: ignore[union-attr]


def test_a_tombstone_removes_the_record(store: LocalStore) -> None:
    patient_id = uuid.uuid4()
    store.apply_pull(_page(Change(entity=Entity.PATIENT, id=patient_id, version=1, data={"name": "Maria"})))
    store.apply_pull(_page(Change(entity=Entity.PATIENT, id=patient_id, version=2, deleted=True)))
    assert store.record(Entity.PATIENT, patient_id) is None


def test_a_reset_drops_cached_server_rows_but_keeps_pending_changes(store: LocalStore) -> None:
    ward_id = uuid.uuid4()
    store.apply_pull(_page(Change(entity=Entity.WARD, id=ward_id, version=1, data={"code": "W3"})))
    draft_id = store.save_draft(ward_id=ward_id, data=ticket_draft(ward_id))
    queue_ticket_submit(store, draft_id=draft_id)
    store.apply_pull(
        PullResponse(
            changes=[], cursor="fresh", has_more=True, reset_required=True, server_time=datetime.now(UTC)
        )
    )
    assert store.record(Entity.WARD, ward_id) is None
    assert store.record(Entity.TICKET, draft_id) is not None
    assert store.sync_state().cursor == "fresh"


def test_pulled_appointments_are_found_by_doctor_and_time(store: LocalStore) -> None:
    doctor_id, other_doctor = uuid.uuid4(), uuid.uuid4()
    monday = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    changes = [
        Change(
            entity=Entity.APPOINTMENT,
            id=uuid.uuid4(),
            version=1,
            data={
                "doctor_id": str(doctor),
                "starts_at": (monday + timedelta(hours=hours)).isoformat(),
                "status": "confirmed",
            },
        )
        for doctor, hours in [(doctor_id, 2), (doctor_id, 0), (other_doctor, 1), (doctor_id, 30)]
    ]
    store.apply_pull(_page(*changes))

    found = store.appointments(
        doctor_id=doctor_id, starts_from=monday, starts_before=monday + timedelta(days=1)
    )

    assert [a.data["starts_at"] for a in found] == [
        monday.isoformat(),
        (monday + timedelta(hours=2)).isoformat(),
    ]


def test_a_change_the_server_reports_settled_is_not_replayed_over_its_own_result(store: LocalStore) -> None:
    ward_id = uuid.uuid4()
    draft_id = store.save_draft(ward_id=ward_id, data=ticket_draft(ward_id, notes="local guess"))
    entry = queue_ticket_submit(store, draft_id=draft_id)
    store.mark_sent([entry.mutation_id])
    # The push answer was lost, but the next pull already carries the server's record and says #1 is settled.
    store.apply_pull(_page(_ticket(draft_id, 1, "submitted", notes="server copy"), settled=entry.mutation_id))

    ticket = store.record(Entity.TICKET, draft_id)
    assert ticket is not None and not ticket.pending and ticket.data["notes"] == "server copy"

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
    ticket = store.record(Entity.TICKET, draft_id)
    assert ticket is not None and ticket.data["notes"] == "server copy" and ticket.version == 1
    assert [e.state for e in store.outbox_entries()] == ["applied"]


def test_tickets_are_listed_most_urgent_first(store: LocalStore) -> None:
    soon = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
    routine, stat, urgent_later, urgent_sooner = (uuid.uuid4() for _ in range(4))
    store.apply_pull(
        _page(
            _ticket(routine, 1, "submitted", priority="routine", needed_by=soon.isoformat()),
            _ticket(stat, 1, "submitted", priority="stat"),
            _ticket(
                urgent_later,
                1,
                "submitted",
                priority="urgent",
                needed_by=(soon + timedelta(hours=5)).isoformat(),
            ),
            _ticket(urgent_sooner, 1, "submitted", priority="urgent", needed_by=soon.isoformat()),
        )
    )
    assert [t.id for t in store.tickets()] == [stat, urgent_sooner, urgent_later, routine]
