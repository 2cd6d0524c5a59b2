"""The document viewer and a patient's documents as PNGs for docs/screenshots (`make screenshots`): a
nurse's offline workstation whose cache holds the demo patient's reports (one entered in error), with a
scan she just dropped waiting to be sent, and a lab report open in the viewer."""

from __future__ import annotations

import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QLocale, QSize
from PySide6.QtWidgets import QApplication, QWidget

from desktop.ops.background import Executors
from desktop.ops.documents import DocumentOps
from desktop.store import LocalStore
from desktop.sync import SessionTokens
from desktop.ui.documents.bench import sample_pdf
from desktop.ui.screenshots import render_png
from shared.protocol import Change, Entity, PullResponse

SERVER = "http://127.0.0.1:9"  # nobody listens: the workstation is offline
PATIENT = uuid.UUID(int=0x101)
ADDED = datetime(2025, 3, 27, 13, 20, tzinfo=UTC)

# Data, not interface text: what a hospital's documents are called, in its language.
DATA = {
    "en": {
        "reports": [
            ("lab_report", "Lipid panel", "available", ""),
            ("exam_result", "Chest X-ray", "available", ""),
            ("lab_report", "Full blood count", "entered_in_error", "Another patient's sample"),
            ("exam_result", "ECG trace", "available", ""),
        ],
        "scan": "Echocardiogram",
    },
    "pt_BR": {
        "reports": [
            ("lab_report", "Perfil lipídico", "available", ""),
            ("exam_result", "Raio X de tórax", "available", ""),
            ("lab_report", "Hemograma completo", "entered_in_error", "Amostra de outro paciente"),
            ("exam_result", "Traçado de ECG", "available", ""),
        ],
        "scan": "Ecocardiograma",
    },
}


def _changes(language: str) -> list[Change]:
    changes = []
    for number, (kind, title, status, reason) in enumerate(DATA[language]["reports"]):
        document_id = uuid.UUID(int=0xD0C0 + number)
        added = (ADDED - timedelta(days=9 * number)).isoformat()
        changes.append(
            Change(
                entity=Entity.DOCUMENT,
                id=document_id,
                version=1,
                data={
                    "id": str(document_id),
                    "patient_id": str(PATIENT),
                    "appointment_id": None,
                    "kind": kind,
                    "title": title,
                    "filename": f"{title}.pdf",
                    "content_type": "application/pdf",
                    "size_bytes": 180_000,
                    "status": status,
                    "status_reason": reason,
                    "created_at": added,
                    "completed_at": added,
                },
            )
        )
    return changes


def _settle(until: Callable[[], bool]) -> None:
    app = QApplication.instance()
    assert app is not None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        app.processEvents()
        if until():
            app.processEvents()
            return
        time.sleep(0.005)
    raise RuntimeError("the documents did not finish loading")


def _close(widget: QWidget) -> None:
    widget.close()
    widget.deleteLater()


def render_documents(output: Path, *, language: str, locale: QLocale) -> list[Path]:
    """The patient's documents panel (a scan waiting to be sent) and a lab report in the viewer."""
    from desktop.ui.documents.panel import PatientDocumentsPanel
    from desktop.ui.documents.viewer import PDF, DocumentViewer

    QLocale.setDefault(locale)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as folder:
        store = LocalStore.open_for_user(server_url=SERVER, username="nurse.demo", data_dir=Path(folder))
        tokens = SessionTokens(base_url=SERVER, access_token="", refresh_token="")
        executors = Executors()
        ops = DocumentOps(store, server_url=SERVER, tokens=tokens)
        try:
            store.apply_pull(
                PullResponse(
                    changes=_changes(language),
                    cursor="demo",
                    has_more=False,
                    last_mutation_id=0,
                    server_time=datetime.now(UTC),
                )
            )
            scan = Path(folder) / f"{DATA[language]['scan']}.pdf"
            scan.write_bytes(sample_pdf(pages=1))
            panel = PatientDocumentsPanel(PATIENT, ops, executors=executors)
            try:
                panel.attach_files([scan])
                _settle(lambda: len(panel.entries) == 5 and panel.message.isVisibleTo(panel))
                panel.list.setCurrentItem(panel.list.topLevelItem(1))  # type: ignore[arg-type]
                written.append(
                    render_png(panel, output / f"patient_documents_{language}.png", size=QSize(900, 420))
                )
            finally:
                _close(panel)
            viewer = DocumentViewer()
            try:
                viewer.load(sample_pdf(pages=4), PDF)
                _settle(lambda: viewer.page_count == 4 and viewer.thumbnails.count() == 4)
                viewer.zoom_out()
                written.append(
                    render_png(viewer, output / f"document_viewer_{language}.png", size=QSize(1000, 760))
                )
            finally:
                _close(viewer)
        finally:
            executors.shutdown()
            ops.close()
            tokens.close()
            store.close()
    return written
