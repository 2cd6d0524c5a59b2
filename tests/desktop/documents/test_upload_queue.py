"""A document attached offline waits in the workstation's queue and reaches the server later, even when
the desktop is killed halfway through; it is never shown as available before the server verified it."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from desktop.store.database import make_engine, migrate
from desktop.store.documents import NotADocument, OfflineCopies, UploadQueue, UploadState
from desktop.sync.client import Offline
from desktop.sync.documents import DocumentTransfer, DocumentUploader
from shared.documents import DocumentKind
from tests.conftest import Person
from tests.sync_server.documents.conftest import Ward3, pdf

MB = 1024 * 1024


class Token:
    def __init__(self, person: Person) -> None:
        self.value = person.headers["Authorization"].removeprefix("Bearer ")

    def access_token(self) -> str:
        return self.value

    def refresh(self, rejected: str) -> str:
        return self.value


class Killed(BaseException):
    """The desktop process dying mid-upload (nothing after it runs)."""


class Desktop:
    """One workstation: its cache file and spool folder survive a restart; objects do not."""

    def __init__(self, folder: Path, client: TestClient, nurse: Person) -> None:
        self.folder = folder
        self.client = client
        self.nurse = nurse
        self.engine = make_engine(folder / "cache.sqlite")
        migrate(self.engine)
        self.queue = UploadQueue(self.engine, folder / "spool", max_bytes=12 * MB)

    def uploader(self, *, online: bool = True, **kwargs: Any) -> DocumentUploader:
        base = "http://testserver" if online else "http://127.0.0.1:9"  # port 9: nobody listens
        transport = self.client._transport if online else None
        transfer = DocumentTransfer(base, tokens=Token(self.nurse), transport=transport)
        return DocumentUploader(self.queue, transfer, **kwargs)

    def restart(self) -> Desktop:
        self.engine.dispose()
        return Desktop(self.folder, self.client, self.nurse)


@pytest.fixture
def desktop(tmp_path: Path, client: TestClient, nurse: Person) -> Desktop:
    return Desktop(tmp_path, client, nurse)


def _listed(client: TestClient, nurse: Person, patient_id: uuid.UUID) -> list[dict[str, Any]]:
    answer = client.get(f"/patients/{patient_id}/documents", headers=nurse.headers)
    assert answer.status_code == 200
    return list(answer.json())


def test_a_document_attached_offline_is_sent_when_the_server_is_back(
    desktop: Desktop, tmp_path: Path, ward3: Ward3, client: TestClient, nurse: Person
) -> None:
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(pdf())
    queued = desktop.queue.enqueue(
        scan, patient_id=ward3.patient.id, kind=DocumentKind.LAB_REPORT, title="FBC"
    )
    with pytest.raises(Offline):
        desktop.uploader(online=False).run()
    assert desktop.queue.get(queued.document_id).state is UploadState.QUEUED
    scan.unlink()  # the original may be gone: the queue holds its own copy

    assert desktop.uploader().run() == [queued.document_id]
    assert desktop.queue.get(queued.document_id).state is UploadState.DONE
    assert [d["id"] for d in _listed(client, nurse, ward3.patient.id)] == [str(queued.document_id)]


@pytest.mark.parametrize("store_kind", ["s3"], indirect=True)
def test_an_upload_killed_halfway_resumes_after_a_restart_and_is_never_shown_half_done(
    desktop: Desktop, tmp_path: Path, ward3: Ward3, client: TestClient, nurse: Person
) -> None:
    scan = tmp_path / "ct.pdf"
    data = pdf(11 * MB)  # three parts
    scan.write_bytes(data)
    queued = desktop.queue.enqueue(
        scan, patient_id=ward3.patient.id, kind=DocumentKind.EXAM_RESULT, title="CT"
    )

    def die_after_first_part(upload: Any, number: int) -> None:
        raise Killed

    with pytest.raises(Killed):
        desktop.uploader(after_part=die_after_first_part).run()
    assert desktop.queue.get(queued.document_id).parts_sent == 1
    assert _listed(client, nurse, ward3.patient.id) == []  # half uploaded: nobody sees it

    restarted = desktop.restart()
    sent: list[int] = []
    restarted.uploader(after_part=lambda upload, number: sent.append(number)).run()
    assert sent == [1, 2]  # the first part was not sent again
    assert restarted.queue.get(queued.document_id).state is UploadState.DONE
    opened = DocumentTransfer("http://testserver", tokens=Token(nurse), transport=client._transport).open(
        queued.document_id
    )
    assert opened.data == data


def test_files_that_are_not_documents_are_refused_before_they_queue(desktop: Desktop, tmp_path: Path) -> None:
    text = tmp_path / "notes.pdf"
    text.write_text("just text with a .pdf name")
    with pytest.raises(NotADocument):
        desktop.queue.enqueue(text, patient_id=uuid.uuid4(), kind=DocumentKind.LAB_REPORT, title="Notes")
    assert desktop.queue.all() == []


def test_offline_copies_keep_the_most_recently_opened_within_budget_and_go_at_sign_out(
    tmp_path: Path,
) -> None:
    engine = make_engine(tmp_path / "cache.sqlite")
    migrate(engine)
    copies = OfflineCopies(engine, tmp_path / "copies", budget_bytes=250)
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    copies.put(first, b"a" * 100, content_type="application/pdf")
    copies.put(second, b"b" * 100, content_type="application/pdf")
    assert copies.get(first) is not None  # opened again: now the most recent
    copies.put(third, b"c" * 100, content_type="image/png")
    assert set(copies.ids()) == {first, third}
    copies.clear()
    assert list(copies.ids()) == [] and not (tmp_path / "copies").exists()
    engine.dispose()
