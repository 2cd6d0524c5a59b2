"""End to end: what a shared ward PC's cache FILE holds, with the real server and a real desktop cache.

A nurse's desktop syncs; a patient leaves her ward, or her wards change; after the next sync no file of
her cache (database, WAL, shared memory) still contains the patient's name.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from desktop.store import LocalStore
from desktop.sync import Connection, SyncClient, SyncEngine
from desktop.sync.backoff import Backoff
from desktop.sync.client import SessionTokens
from shared.protocol import Entity
from shared.roles import Role
from tests.conftest import PASSWORD

LEAVING = "Zelda Quarantine"
STAYING = "Otto Remains"


def _tokens(server_url: str, username: str) -> SessionTokens:
    answer = httpx.post(
        f"{server_url}/auth/token",
        data={"grant_type": "password", "username": username, "password": PASSWORD},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return SessionTokens(
        base_url=server_url, access_token=body["access_token"], refresh_token=body["refresh_token"]
    )


class NurseDesk:
    """The nurse's workstation: her cache and a sync engine talking to the real server."""

    def __init__(self, server_url: str, username: str, data_dir: Path) -> None:
        self.server_url, self.username, self.data_dir = server_url, username, data_dir
        self.store = LocalStore.open_for_user(server_url=server_url, username=username, data_dir=data_dir)
        self.sign_in()

    def sign_in(self) -> None:
        client = SyncClient(self.server_url, tokens=_tokens(self.server_url, self.username), timeout=10)
        self.engine = SyncEngine(self.store, client, backoff=Backoff(base=0.01, cap=0.05))

    def sync(self) -> None:
        status = self.engine.sync_once()
        assert status.state is Connection.ONLINE, status.message

    def patient_names(self) -> set[str]:
        return {record.data["full_name"] for record in self.store.records(Entity.PATIENT)}

    def files_holding(self, text: str) -> list[str]:
        needle = text.encode()
        return [
            path.name for path in self.data_dir.rglob("*") if path.is_file() and needle in path.read_bytes()
        ]


@pytest.fixture
def admin_headers(sign_in) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return sign_in(Role.ADMIN).headers


@pytest.fixture
def desk(server_url: str, make_user, tmp_path: Path) -> Iterator[NurseDesk]:  # type: ignore[no-untyped-def]
    nurse = make_user(Role.NURSE)
    found = NurseDesk(server_url, nurse.username, tmp_path / "cache")
    found.user = nurse  # type: ignore[attr-defined]
    yield found
    found.store.close()


def _admit(server_url: str, headers: dict[str, str], name: str, mrn: str, ward_id: str) -> str:
    answer = httpx.post(
        f"{server_url}/patients",
        json={"mrn": mrn, "full_name": name, "birth_date": "1961-07-08", "ward_id": ward_id},
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _other_ward(server_url: str, headers: dict[str, str]) -> str:
    answer = httpx.post(
        f"{server_url}/wards", json={"code": "ICU", "name": "Intensive care"}, headers=headers
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def test_a_patient_moved_to_another_ward_is_gone_from_every_file_of_the_nurses_cache(
    server_url, admin_headers, desk, ward
) -> None:  # type: ignore[no-untyped-def]
    icu = _other_ward(server_url, admin_headers)
    leaving = _admit(server_url, admin_headers, LEAVING, "MRN-Z1", str(ward.id))
    _admit(server_url, admin_headers, STAYING, "MRN-O1", str(ward.id))
    desk.sync()
    assert desk.patient_names() == {LEAVING, STAYING}

    moved = httpx.patch(f"{server_url}/patients/{leaving}", json={"ward_id": icu}, headers=admin_headers)
    assert moved.status_code == 200
    desk.sync()

    assert desk.patient_names() == {STAYING}
    assert desk.files_holding(LEAVING) == []
    desk.store.close()
    assert desk.files_holding(LEAVING) == []
    assert desk.files_holding(STAYING)  # the check can see a name that is there


def test_a_nurse_moved_to_another_ward_keeps_no_patient_of_her_old_ward_on_disk(
    server_url, admin_headers, desk, ward
) -> None:  # type: ignore[no-untyped-def]
    icu = _other_ward(server_url, admin_headers)
    _admit(server_url, admin_headers, LEAVING, "MRN-Z2", str(ward.id))
    _admit(server_url, admin_headers, STAYING, "MRN-O2", icu)
    desk.sync()
    assert desk.patient_names() == {LEAVING}

    changed = httpx.patch(
        f"{server_url}/users/{desk.user.id}", json={"ward_ids": [icu]}, headers=admin_headers
    )
    assert changed.status_code == 200, changed.text
    desk.sign_in()  # the change of wards ended her session
    desk.sync()

    assert desk.patient_names() == {STAYING}
    desk.store.close()
    assert desk.files_holding(LEAVING) == []
