"""The patient's documents panel on real widgets: files dropped on it are checked by their content and
size and queued (or refused with a clear message), a waiting file is listed but does not open, and once
the sync engine has sent it the report opens in the viewer. The appointment's list opens its documents."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session, sessionmaker

from desktop.ops.background import Executors
from desktop.ops.documents import EntryState
from desktop.ui.documents.bench import sample_pdf
from desktop.ui.documents.panel import AppointmentDocumentsList, DocumentWindow, PatientDocumentsPanel
from shared.documents import DocumentKind
from sync_server.booking.models import Appointment
from sync_server.core.db import transaction
from sync_server.directory.models import Doctor
from tests.conftest import Person
from tests.desktop.documents.test_document_ops import Workstation
from tests.sync_server.documents.conftest import NOW, Ward3, pdf

NO_KEYS = Qt.KeyboardModifier.NoModifier


@pytest.fixture
def executors(qapp: object, moto_endpoint: str) -> Iterator[Executors]:
    """The session's workers (moto's server, a session fixture, started before this test's own threads)."""
    workers = Executors()
    failures: list[BaseException] = []
    workers.on_unhandled = failures.append
    yield workers
    workers.shutdown()
    assert not failures, failures


@pytest.fixture
def appointment_id(session_factory: sessionmaker[Session], ward3: Ward3, doctor: Doctor) -> uuid.UUID:
    with transaction(session_factory) as session:
        appointment = Appointment(
            doctor_id=doctor.id,
            patient_id=ward3.patient.id,
            starts_at=NOW + timedelta(hours=1),
            ends_at=NOW + timedelta(hours=1, minutes=20),
            status="confirmed",
            reason="ECG review",
        )
        session.add(appointment)
    return appointment.id


@pytest.fixture
def workstation(tmp_path: Path, client: TestClient, nurse: Person) -> Iterator[Workstation]:
    opened = Workstation(tmp_path / "desk", client, nurse)
    yield opened
    opened.close()


def _drop(panel: PatientDocumentsPanel, *paths: Path) -> None:
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    panel.dropEvent(event)


def _states(panel: PatientDocumentsPanel) -> list[tuple[str, EntryState]]:
    return [(e.title, e.state) for e in panel.entries]


def _panel(
    qtbot: QtBot, workstation: Workstation, executors: Executors, ward3: Ward3
) -> PatientDocumentsPanel:
    panel = PatientDocumentsPanel(ward3.patient.id, workstation.documents, executors=executors)
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: panel.list.topLevelItemCount() == 1)  # "No documents yet"
    return panel


def test_a_dropped_report_waits_then_opens_in_the_viewer_once_sent(
    qtbot: QtBot, workstation: Workstation, executors: Executors, ward3: Ward3, tmp_path: Path
) -> None:
    panel = _panel(qtbot, workstation, executors, ward3)
    scan = tmp_path / "Full blood count.pdf"
    scan.write_bytes(_one_page_pdf())
    _drop(panel, scan)
    qtbot.waitUntil(lambda: _states(panel) == [("Full blood count", EntryState.WAITING)])
    assert "Full blood count" in panel.message.text() and "attached" in panel.message.text()

    panel.open_item(panel.list.topLevelItem(0))  # waiting: it does not open
    assert "not reached the server" in panel.message.text() and panel.windows == []

    workstation.engine.sync_once()  # the sync engine sends it; its record reaches the cache
    qtbot.waitUntil(lambda: _states(panel) == [("Full blood count", EntryState.AVAILABLE)])
    with qtbot.waitSignal(panel.opened) as shown:
        panel.open_item(panel.list.topLevelItem(0))
    window: DocumentWindow = shown.args[0]
    assert window.viewer.is_pdf and window.viewer.page_count == 1
    assert window.windowTitle() == "Full blood count" and not window.offline_note.isVisibleTo(window)


def test_files_that_are_not_documents_or_too_large_are_refused_with_their_names(
    qtbot: QtBot, workstation: Workstation, executors: Executors, ward3: Ward3, tmp_path: Path
) -> None:
    workstation.documents.queue.max_bytes = 64 * 1024
    panel = _panel(qtbot, workstation, executors, ward3)
    renamed = tmp_path / "results.pdf"
    renamed.write_bytes(b"PK\x03\x04" + b"\0" * 100)  # a zip named .pdf
    huge = tmp_path / "ct.pdf"
    huge.write_bytes(pdf(65 * 1024))
    empty = tmp_path / "blank.png"
    empty.write_bytes(b"")
    _drop(panel, renamed, huge, empty)
    qtbot.waitUntil(lambda: panel.message.isVisibleTo(panel))
    text = panel.message.text()
    assert "“results.pdf” is not a PDF, PNG or JPEG file" in text
    assert "“ct.pdf” is larger than 64 kB, the limit for one document" in text
    assert "“blank.png” is empty" in text
    assert workstation.documents.queue.all() == []


def test_a_drag_of_anything_but_files_is_not_accepted(
    qtbot: QtBot, workstation: Workstation, executors: Executors, ward3: Ward3
) -> None:
    panel = _panel(qtbot, workstation, executors, ward3)
    data = QMimeData()
    data.setText("just text")
    event = QDropEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    panel.dropEvent(event)
    assert not event.isAccepted()
    assert panel.acceptDrops()


def test_an_appointments_documents_are_listed_and_open(
    qtbot: QtBot,
    workstation: Workstation,
    executors: Executors,
    ward3: Ward3,
    tmp_path: Path,
    appointment_id: uuid.UUID,
) -> None:
    scan = tmp_path / "ecg.pdf"
    scan.write_bytes(_one_page_pdf())
    workstation.documents.attach(
        scan, patient_id=ward3.patient.id, kind=DocumentKind.EXAM_RESULT, appointment_id=appointment_id
    )
    workstation.engine.sync_once()
    listed = AppointmentDocumentsList(appointment_id, workstation.documents, executors=executors)
    qtbot.addWidget(listed)
    qtbot.waitUntil(lambda: [(e.title, e.state) for e in listed.entries] == [("ecg", EntryState.AVAILABLE)])
    with qtbot.waitSignal(listed.opened) as shown:
        listed.open_item(listed.list.topLevelItem(0))
    assert shown.args[0].viewer.page_count == 1


def _one_page_pdf() -> bytes:
    """A real one-page PDF (the viewer renders it)."""
    return sample_pdf(pages=1)
