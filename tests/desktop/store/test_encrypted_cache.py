"""The cache is encrypted at rest (SQLCipher) with its key in the OS keyring: the file read without the
key shows no patient, a plain cache from an earlier version is encrypted without losing a row, and a
cache whose key is gone is reported, not misread."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from keyring.backend import KeyringBackend

from desktop.store import LocalStore, encryption
from desktop.store.encryption import KEYRING_SERVICE, sqlcipher_module
from desktop.store.errors import StorageUnavailable
from shared.protocol import Change, Entity, PullResponse
from tests.desktop.store.conftest import SERVER

NAME = b"Zelda Quarantine"
MRN = b"MRN-7731"


class MemoryKeyring(KeyringBackend):
    """Stands in for the OS keyring service, which this test machine does not run."""

    # Below the fail backend's 0, so `keyring.get_keyring()` never picks it for other tests of this run.
    priority = -1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


class Keyrings:
    """What `platform_keyring()` finds on this "computer": the tests install or remove the service."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.current: KeyringBackend = keyring.backends.fail.Keyring()
        monkeypatch.setattr(encryption, "platform_keyring", lambda: self.current)


@pytest.fixture
def keyrings(monkeypatch: pytest.MonkeyPatch) -> Keyrings:
    return Keyrings(monkeypatch)


@pytest.fixture
def os_keyring(keyrings: Keyrings) -> MemoryKeyring:
    backend = MemoryKeyring()
    keyrings.current = backend
    return backend


@pytest.fixture
def no_keyring(keyrings: Keyrings) -> None:
    keyrings.current = keyring.backends.fail.Keyring()


def page(*changes: Change) -> PullResponse:
    return PullResponse(
        changes=list(changes),
        cursor="next",
        has_more=False,
        reset_required=False,
        last_mutation_id=0,
        server_time=datetime.now(UTC),
    )


def patients(count: int) -> list[Change]:
    named = Change(
        entity=Entity.PATIENT,
        id=uuid.uuid4(),
        version=1,
        data={"full_name": NAME.decode(), "mrn": MRN.decode(), "version": 1},
    )
    others = [
        Change(entity=Entity.PATIENT, id=uuid.uuid4(), version=1, data={"full_name": f"Patient {n}"})
        for n in range(count - 1)
    ]
    return [named, *others]


def files_of(path: Path) -> list[Path]:
    return [
        p
        for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))
        if p.exists()
    ]


def open_cache(tmp_path: Path) -> LocalStore:
    return LocalStore.open_for_user(server_url=SERVER, username="nurse.ana", data_dir=tmp_path)


pytestmark = pytest.mark.skipif(sqlcipher_module() is None, reason="this build has no SQLCipher")


def test_the_cache_file_read_without_its_key_shows_no_patient(
    tmp_path: Path, os_keyring: MemoryKeyring
) -> None:
    cache = open_cache(tmp_path)
    rows = patients(50)
    cache.apply_pull(page(*rows))
    path = cache.path
    # While open and after closing: neither the file nor its WAL holds the name or the record number.
    assert not [f.name for f in files_of(path) if NAME in f.read_bytes() or MRN in f.read_bytes()]
    cache.close()
    assert not [f.name for f in files_of(path) if NAME in f.read_bytes() or MRN in f.read_bytes()]
    assert not path.read_bytes().startswith(b"SQLite format 3")

    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        sqlite3.connect(path).execute("SELECT count(*) FROM sqlite_master").fetchone()
    assert [service for service, _ in os_keyring.entries] == [KEYRING_SERVICE]

    again = open_cache(tmp_path)  # the key comes back from the keyring
    record = again.record(Entity.PATIENT, rows[0].id)
    again.close()
    assert record is not None and record.data["full_name"] == NAME.decode()


def test_a_plain_cache_from_the_previous_version_is_encrypted_without_losing_a_row(
    tmp_path: Path, keyrings: Keyrings
) -> None:
    rows = patients(200)
    plain = open_cache(tmp_path)  # no keyring: written plain, as the previous version wrote it
    plain.apply_pull(page(*rows))
    path = plain.path
    plain.close()
    assert path.read_bytes().startswith(b"SQLite format 3") and NAME in path.read_bytes()

    keyrings.current = MemoryKeyring()
    upgraded = open_cache(tmp_path)
    found = [upgraded.record(Entity.PATIENT, row.id) for row in rows]
    upgraded.close()

    assert all(record is not None for record in found)
    assert found[0] is not None and found[0].data["full_name"] == NAME.decode()
    assert not [f.name for f in files_of(path) if NAME in f.read_bytes()]
    assert not path.with_name(path.name + ".encrypting").exists()


def test_an_encrypted_cache_whose_key_is_gone_is_reported_to_the_user(
    tmp_path: Path, os_keyring: MemoryKeyring
) -> None:
    cache = open_cache(tmp_path)
    cache.apply_pull(page(*patients(3)))
    cache.close()
    os_keyring.entries.clear()  # a new Windows profile, a wiped keyring

    with pytest.raises(StorageUnavailable, match="keyring no longer holds") as failure:
        open_cache(tmp_path)
    assert failure.value.kind == "corrupt"


def test_a_keyring_that_forgets_what_it_is_given_leaves_the_cache_plain(
    tmp_path: Path, keyrings: Keyrings
) -> None:
    import keyring.backends.null

    keyrings.current = keyring.backends.null.Keyring()
    cache = open_cache(tmp_path)
    cache.close()
    assert cache.path.read_bytes().startswith(b"SQLite format 3")


def test_without_a_keyring_service_the_cache_still_works_unencrypted(
    tmp_path: Path, no_keyring: None
) -> None:
    cache = open_cache(tmp_path)
    rows = patients(2)
    cache.apply_pull(page(*rows))
    assert cache.record(Entity.PATIENT, rows[0].id) is not None
    cache.close()
    assert cache.path.read_bytes().startswith(b"SQLite format 3")
