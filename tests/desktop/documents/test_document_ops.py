"""The documents wired into the running desktop: a file attached to a patient is sent by the sync engine
(also after an interruption or a restart), is listed as waiting (never as available) until the server
has verified it and its record reached the cache, opens from the server and then offline from this
computer's copy, and the copies are gone when the user signs out."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import keyring.backends.fail
import pytest
from fastapi.testclient import TestClient

from desktop.ops.documents import DocumentOps, EntryState
from desktop.ops.session import DesktopSession, SignedInUser, TokenVault, sign_out
from desktop.store import LocalStore
from desktop.store.documents import NotADocument, UploadState
from desktop.sync import Connection, SessionTokens, SyncClient, SyncEngine
from desktop.sync.client import Offline
from shared.documents import DocumentKind
from shared.roles import Role
from tests.conftest import Person
from tests.desktop.documents.test_upload_queue import Token
from tests.sync_server.documents.conftest import Ward3, pdf

BASE = "http://testserver"
NOBODY = "http://127.0.0.1:9"  # nothing listens: the workstation is offline


class Workstation:
    """A nurse's desktop against the real server: her cache, the sync engine, the documents."""

    def __init__(self, folder: Path, client: TestClient, nurse: Person, *, online: bool = True) -> None:
        self.store = LocalStore.open_for_user(server_url=BASE, username="nurse", data_dir=folder)
        transport = client._transport if online else None
        base = BASE if online else NOBODY
        self.documents = DocumentOps(self.store, server_url=base, tokens=Token(nurse), transport=transport)
        self.engine = SyncEngine(
            self.store, SyncClient(base, tokens=Token(nurse), transport=transport, max_attempts=1)
        )
        self.engine.send_documents = self.documents.send_queued

    def close(self) -> None:
        self.documents.close()
        self.store.close()


@pytest.fixture
def workstations(tmp_path: Path, client: TestClient, nurse: Person) -> Iterator[list[Workstation]]:
    opened: list[Workstation] = []
    yield opened
    for workstation in opened:
        workstation.close()


def _open(
    opened: list[Workstation], tmp_path: Path, client: TestClient, nurse: Person, **kw: bool
) -> Workstation:
    if opened:
        opened.pop().close()  # the desktop quits (or is killed): only its folder stays
    opened.append(Workstation(tmp_path, client, nurse, **kw))
    return opened[-1]


def test_an_attached_report_waits_offline_then_the_sync_engine_sends_it_and_it_opens(
    workstations: list[Workstation], tmp_path: Path, client: TestClient, nurse: Person, ward3: Ward3
) -> None:
    scan = tmp_path / "fbc scan.pdf"
    data = pdf()
    scan.write_bytes(data)
    offline = _open(workstations, tmp_path, client, nurse, online=False)
    entry = offline.documents.attach(scan, patient_id=ward3.patient.id, kind=DocumentKind.LAB_REPORT)
    assert entry.title == "fbc scan" and entry.state is EntryState.WAITING and not entry.opens

    status = offline.engine.sync_once()
    assert status.state is Connection.OFFLINE
    listed = offline.documents.of_patient(ward3.patient.id)
    assert [(e.id, e.state) for e in listed] == [(entry.id, EntryState.WAITING)]

    online = _open(workstations, tmp_path, client, nurse)  # restarted, the network back
    assert online.engine.sync_once().state is Connection.ONLINE
    assert online.documents.queue.get(entry.id).state is UploadState.DONE
    listed = online.documents.of_patient(ward3.patient.id)
    assert [(e.id, e.state) for e in listed] == [(entry.id, EntryState.AVAILABLE)]  # the server's record
    opened = online.documents.open(entry.id)
    assert opened.data == data and not opened.offline


@pytest.mark.parametrize("store_kind", ["s3"], indirect=True)
def test_an_upload_cut_off_halfway_is_resumed_by_the_next_round_and_never_shown_before(
    workstations: list[Workstation], tmp_path: Path, client: TestClient, nurse: Person, ward3: Ward3
) -> None:
    scan = tmp_path / "ct.pdf"
    data = pdf(11 * 1024 * 1024)  # three parts
    scan.write_bytes(data)
    first = _open(workstations, tmp_path, client, nurse)
    entry = first.documents.attach(
        scan, patient_id=ward3.patient.id, kind=DocumentKind.EXAM_RESULT, title="CT"
    )

    def network_lost(upload: object, number: int) -> None:
        if number == 0:
            raise Offline("the network went away")

    first.documents.uploader._after_part = network_lost  # noqa: SLF001  # where the network drops
    assert first.engine.sync_once().state is Connection.OFFLINE
    assert first.documents.queue.get(entry.id).parts_sent == 1
    assert [e.state for e in first.documents.of_patient(ward3.patient.id)] == [EntryState.WAITING]
    assert client.get(f"/patients/{ward3.patient.id}/documents", headers=nurse.headers).json() == []

    again = _open(workstations, tmp_path, client, nurse)
    assert again.engine.sync_once().state is Connection.ONLINE
    assert [e.state for e in again.documents.of_patient(ward3.patient.id)] == [EntryState.AVAILABLE]
    assert again.documents.open(entry.id).data == data


def test_a_file_that_is_not_a_document_is_refused_with_its_name_and_nothing_queues(
    workstations: list[Workstation], tmp_path: Path, client: TestClient, nurse: Person, ward3: Ward3
) -> None:
    renamed = tmp_path / "results.pdf"
    renamed.write_bytes(b"PK\x03\x04 a zip file named .pdf")
    workstation = _open(workstations, tmp_path, client, nurse)
    with pytest.raises(NotADocument, match="results.pdf"):
        workstation.documents.attach(renamed, patient_id=ward3.patient.id, kind=DocumentKind.LAB_REPORT)
    assert workstation.documents.of_patient(ward3.patient.id) == []


def test_an_opened_document_reads_offline_and_its_copy_is_gone_after_sign_out(
    workstations: list[Workstation], tmp_path: Path, client: TestClient, nurse: Person, ward3: Ward3
) -> None:
    scan = tmp_path / "xray.png"
    data = b"\x89PNG\r\n\x1a\n" + b"\0" * 4000
    scan.write_bytes(data)
    online = _open(workstations, tmp_path, client, nurse)
    entry = online.documents.attach(scan, patient_id=ward3.patient.id, kind=DocumentKind.EXAM_RESULT)
    online.engine.sync_once()
    assert online.documents.open(entry.id).data == data  # from the server: now kept on this computer

    offline = _open(workstations, tmp_path, client, nurse, online=False)
    copy = offline.documents.open(entry.id)
    assert copy.offline and copy.data == data and copy.content_type == "image/png"

    session = DesktopSession(
        server_url=BASE,
        user=SignedInUser(
            id=uuid.uuid4(), username="nurse", full_name="Ana", role=Role.NURSE, doctor_id=None
        ),
        store=offline.store,
        tokens=SessionTokens(base_url=NOBODY, access_token="", refresh_token=""),
        offline=True,
        token_in_keyring=False,
        keyring_available=False,
    )
    sign_out(session, vault=TokenVault(keyring.backends.fail.Keyring()))
    workstations.clear()
    back = _open(workstations, tmp_path, client, nurse, online=False)
    assert list(back.documents.copies.ids()) == []
    with pytest.raises(Offline):
        back.documents.open(entry.id)
