"""The calendar's appointment details list the appointment's documents for its carers, and one opens in
the viewer (here from this computer's copy: the workstation is offline); the front desk sees none."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtCore import QLocale
from pytestqt.qtbot import QtBot

from desktop.ops.documents import EntryState
from desktop.ui.documents.bench import sample_pdf
from desktop.ui.documents.panel import AppointmentDocumentsList, DocumentWindow
from shared.protocol import Entity
from shared.roles import Role
from tests.desktop.calendar.conftest import (  # noqa: F401
    CARDIOLOGIST,
    MARIA,
    Workstation,
    change,
    english,
    executors,
    pulled,
    server_appointment,
    tomorrow_at,
    workstation,
)
from tests.desktop.calendar.test_calendar_screen import open_details, open_screen


def _document(
    appointment_id: uuid.UUID, *, status: str = "available", title: str = "ECG trace"
) -> tuple[uuid.UUID, object]:
    document_id = uuid.uuid4()
    return document_id, change(
        Entity.DOCUMENT,
        document_id,
        {
            "patient_id": str(MARIA),
            "appointment_id": str(appointment_id),
            "kind": "exam_result",
            "title": title,
            "filename": "ecg.pdf",
            "content_type": "application/pdf",
            "size_bytes": 1000,
            "status": status,
            "status_reason": "",
            "created_at": "2031-03-05T10:00:00+00:00",
            "completed_at": "2031-03-05T10:01:00+00:00",
        },
    )


def test_the_appointment_details_list_its_documents_and_one_opens_in_the_viewer(
    qtbot: QtBot,
    workstation: Callable[..., Workstation],  # noqa: F811
    english: QLocale,  # noqa: F811
) -> None:
    station = workstation(Role.DOCTOR, doctor_id=CARDIOLOGIST)
    appointment_id = uuid.uuid4()
    report, report_change = _document(appointment_id)
    other, other_change = _document(uuid.uuid4(), title="Another visit's report")
    pulled(
        station.store,
        [server_appointment(appointment_id, starts_at=tomorrow_at(10)), report_change, other_change],
    )
    data = sample_pdf(pages=2)
    station.sync.documents.copies.put(report, data, content_type="application/pdf")  # opened before

    screen = open_screen(qtbot, station, english)
    qtbot.waitUntil(lambda: appointment_id in {i.id for i in screen.page.model.items()})  # type: ignore[union-attr]
    details = open_details(qtbot, screen, appointment_id)
    listed = details.documents
    assert isinstance(listed, AppointmentDocumentsList)
    qtbot.waitUntil(
        lambda: [(e.title, e.state) for e in listed.entries] == [("ECG trace", EntryState.AVAILABLE)]
    )
    with qtbot.waitSignal(listed.opened, timeout=5000) as shown:
        listed.open_item(listed.list.topLevelItem(0))
    window: DocumentWindow = shown.args[0]
    assert window.viewer.page_count == 2 and window.offline_note.isVisibleTo(window)
    window.close()
    details.close()


def test_the_front_desk_sees_no_clinical_documents_in_the_details(
    qtbot: QtBot,
    workstation: Callable[..., Workstation],  # noqa: F811
    english: QLocale,  # noqa: F811
) -> None:
    station = workstation(Role.SCHEDULER)
    appointment_id = uuid.uuid4()
    _, report_change = _document(appointment_id)
    pulled(station.store, [server_appointment(appointment_id, starts_at=tomorrow_at(10)), report_change])
    screen = open_screen(qtbot, station, english)
    qtbot.waitUntil(lambda: appointment_id in {i.id for i in screen.page.model.items()})  # type: ignore[union-attr]
    details = open_details(qtbot, screen, appointment_id)
    assert details.documents is None
    details.close()
