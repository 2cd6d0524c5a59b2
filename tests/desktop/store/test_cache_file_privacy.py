"""A patient who leaves the user's cache leaves the cache's files too: SQLite keeps deleted rows in free
space and older page images in the WAL unless told otherwise."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop.store import LocalStore
from desktop.store.database import make_engine
from desktop.store.mutations import queue_ticket_action
from shared.protocol import Change, Entity, MutationResult, MutationStatus, PullResponse, PushResponse
from shared.roles import Role
from shared.tickets import TicketAction
from tests.desktop.store.conftest import SERVER

NAME = b"Zelda Quarantine"


def _page(*changes: Change, reset: bool = False, settled: int = 0) -> PullResponse:
    return PullResponse(
        changes=list(changes),
        cursor="" if reset else "next",
        has_more=reset,
        reset_required=reset,
        last_mutation_id=settled,
        server_time=datetime.now(UTC),
    )


def _patient(patient_id: uuid.UUID, version: int = 1) -> Change:
    return Change(
        entity=Entity.PATIENT,
        id=patient_id,
        version=version,
        data={"id": str(patient_id), "full_name": "Zelda Quarantine", "mrn": "MRN-7731", "version": version},
    )


def _neighbours(count: int) -> list[Change]:
    """Other patients, so the removed one shares its pages with rows that stay."""
    return [
        Change(
            entity=Entity.PATIENT,
            id=uuid.uuid4(),
            version=1,
            data={"full_name": f"Patient {n}", "mrn": f"MRN-{n:04}"},
        )
        for n in range(count)
    ]


def _files_holding(path: Path, needle: bytes) -> list[str]:
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    return [f.name for f in files if f.exists() and needle in f.read_bytes()]


@pytest.fixture
def cache(tmp_path: Path) -> LocalStore:
    return LocalStore.open_for_user(server_url=SERVER, username="nurse.ana", data_dir=tmp_path)


def test_every_connection_to_the_cache_overwrites_what_it_deletes(cache: LocalStore) -> None:
    engine = make_engine(cache.path)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    engine.dispose()
    cache.close()


def test_a_patient_removed_by_a_tombstone_is_gone_from_every_file_of_the_cache(cache: LocalStore) -> None:
    patient_id = uuid.uuid4()
    cache.apply_pull(_page(*_neighbours(50), _patient(patient_id)))
    assert _files_holding(cache.path, NAME)  # the name really is in the files to begin with

    cache.apply_pull(_page(Change(entity=Entity.PATIENT, id=patient_id, version=2, deleted=True)))

    assert cache.record(Entity.PATIENT, patient_id) is None
    assert _files_holding(cache.path, NAME) == []  # while still open
    cache.close()
    assert _files_holding(cache.path, NAME) == []


def test_a_patient_left_out_of_a_fresh_pull_after_a_reset_is_gone_from_every_file(cache: LocalStore) -> None:
    patient_id, staying = uuid.uuid4(), _neighbours(50)
    cache.apply_pull(_page(*staying, _patient(patient_id)))

    # The nurse's wards changed: the server starts again and sends everyone but her.
    cache.apply_pull(_page(reset=True))
    cache.apply_pull(_page(*staying))

    assert cache.record(Entity.PATIENT, patient_id) is None
    assert _files_holding(cache.path, NAME) == []
    cache.close()
    assert _files_holding(cache.path, NAME) == []


def test_a_record_held_by_a_refused_change_through_a_reset_is_gone_from_every_file(cache: LocalStore) -> None:
    ticket_id = uuid.uuid4()
    ticket = {
        "id": str(ticket_id),
        "ward_id": str(uuid.uuid4()),
        "status": "submitted",
        "priority": "routine",
        "notes": "for Zelda Quarantine, bed 4",
        "lines": [],
    }
    cache.apply_pull(_page(Change(entity=Entity.TICKET, id=ticket_id, version=1, data=ticket)))
    entry = queue_ticket_action(
        cache, ticket_id=ticket_id, action=TicketAction.EDIT, role=Role.NURSE, payload={"notes": "bed 5"}
    )
    cache.apply_pull(_page(reset=True))
    cache.apply_pull(_page())

    cache.apply_push_results(
        PushResponse(
            results=[
                MutationResult(
                    mutation_id=entry.mutation_id,
                    status=MutationStatus.REJECTED,
                    entity_id=ticket_id,
                    code="permission_denied",
                )
            ],
            last_mutation_id=entry.mutation_id,
        )
    )

    assert cache.record(Entity.TICKET, ticket_id) is None
    assert _files_holding(cache.path, NAME) == []
    cache.close()
    assert _files_holding(cache.path, NAME) == []
