"""A patient's lab reports and exam results as the patient screen embeds them (`PatientDocumentsPanel`),
and an appointment's as the calendar's appointment details list them (`AppointmentDocumentsList`).

Both list the documents the cache holds (and, for the patient, the files this workstation still has to
send) and open one in the viewer (`DocumentWindow`). The patient's panel takes files dropped on it, or
chosen with "Attach a file…": each is checked by its content and size before it queues, and the sync
engine sends it. A file still waiting is listed as such and cannot be opened: nothing is shown as
available before the server has verified it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.ops.background import Executors, Op
from desktop.ops.documents import DocumentEntry, DocumentOps, EntryState, NotADocument, OpenedDocument
from desktop.sync.client import Offline, RequestRefused, ServerUnavailable
from shared.documents import DocumentKind

_ID = Qt.ItemDataRole.UserRole


def tr(text: str) -> str:
    return QCoreApplication.translate("PatientDocumentsPanel", text)


def kind_text(kind: DocumentKind) -> str:
    return {
        DocumentKind.LAB_REPORT: tr("Lab report"),
        DocumentKind.EXAM_RESULT: tr("Exam result"),
    }[kind]


def state_text(entry: DocumentEntry) -> str:
    if entry.state is EntryState.AVAILABLE:
        return tr("Available")
    if entry.state is EntryState.ENTERED_IN_ERROR:
        return tr("Entered in error")
    if entry.state is EntryState.WAITING:
        return tr("Waiting to be sent")
    return tr("Refused by the server")


def size_text(size: int) -> str:
    """A size as the user's language writes it ("50 MB")."""
    return QLocale().formattedDataSize(size, 0, QLocale.DataSizeFormat.DataSizeTraditionalFormat)


def refusal_text(error: NotADocument, name: str) -> str:
    """Why a file was not attached, in the user's language."""
    if error.reason == "too_large":
        return tr("“{name}” is larger than {size}, the limit for one document.").format(
            name=name, size=size_text(error.limit)
        )
    if error.reason == "empty":
        return tr("“{name}” is empty.").format(name=name)
    return tr("“{name}” is not a PDF, PNG or JPEG file (by its content, whatever its name says).").format(
        name=name
    )


def problem_text(error: BaseException) -> str:
    if isinstance(error, Offline | ServerUnavailable):
        return tr("The server cannot be reached and this computer has no copy of this document.")
    if isinstance(error, RequestRefused):
        if error.status in (403, 404):
            return tr("This document is no longer available to you.")
        return tr("The server refused to open this document.")
    if isinstance(error, LookupError):
        return tr("This document has not reached the server yet; it opens once it has been sent.")
    if isinstance(error, OSError):
        return tr("The file could not be read: {reason}").format(reason=error.strerror or str(error))
    return tr("Something went wrong: {reason}").format(reason=str(error))


class DocumentWindow(QDialog):
    """One document in the viewer, in its own window."""

    def __init__(self, opened: OpenedDocument, parent: QWidget | None = None) -> None:
        from desktop.ui.documents.viewer import DocumentViewer  # QtPdf loads with the first document

        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(opened.entry.title)
        self.viewer = DocumentViewer(self)
        self.offline_note = QLabel(self.tr("Opened from this computer's copy: the server cannot be reached."))
        self.offline_note.setVisible(opened.offline)
        layout = QVBoxLayout(self)
        layout.addWidget(self.offline_note)
        layout.addWidget(self.viewer)
        marked = opened.entry.reason or self.tr("no reason given")
        in_error = marked if opened.entry.state is EntryState.ENTERED_IN_ERROR else None
        self.viewer.load(opened.data, opened.content_type, entered_in_error=in_error)
        self.resize(820, 940)


class _DocumentsList(QWidget):
    """The list and the opening; what the patient's panel and the appointment's list share."""

    opened = Signal(object)  # DocumentWindow, once shown
    _queue_sent = Signal()  # from the sync thread

    def __init__(self, ops: DocumentOps, *, executors: Executors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.executors = executors
        self.windows: list[DocumentWindow] = []
        self.list = QTreeWidget(self)
        self.list.setRootIsDecorated(False)
        self.list.setHeaderLabels([tr("Title"), tr("Kind"), tr("Added"), tr("Status")])
        self.list.setColumnWidth(0, 300)
        self.list.setColumnWidth(1, 170)
        self.list.setColumnWidth(2, 160)
        self.list.itemActivated.connect(lambda item, _column: self.open_item(item))
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.hide()
        self.entries: list[DocumentEntry] = []
        self._queue_sent.connect(self.refresh, Qt.ConnectionType.QueuedConnection)
        ops.listeners.append(self._queue_sent.emit)
        ops.store.subscribe(self._store_changed)  # held weakly

    def _store_changed(self, changes: object) -> None:
        touches = getattr(changes, "touches", None)
        from shared.protocol import Entity

        if touches is None or touches(Entity.DOCUMENT):
            try:
                self._queue_sent.emit()
            except RuntimeError:
                pass  # the widget is gone

    def _load(self) -> list[DocumentEntry]:
        raise NotImplementedError

    def refresh(self) -> None:
        """List the documents again (from the cache and the queue, on the store worker)."""
        Op(self, self._load).success(self._show).failure(self.say).run_on(
            self.executors.store, executors=self.executors
        )

    def _show(self, entries: list[DocumentEntry]) -> None:
        self.entries = entries
        self.list.clear()
        locale = QLocale()
        for entry in entries:
            added = (
                locale.toString(entry.added_at.astimezone(), QLocale.FormatType.ShortFormat)  # type: ignore[call-overload]
                if isinstance(entry.added_at, datetime)
                else ""
            )
            item = QTreeWidgetItem([entry.title, kind_text(entry.kind), added, state_text(entry)])
            item.setData(0, _ID, str(entry.id))
            if entry.reason:
                item.setToolTip(3, entry.reason)
            self.list.addTopLevelItem(item)
        if not entries:
            self.list.addTopLevelItem(QTreeWidgetItem([self._empty_text()]))

    def _empty_text(self) -> str:
        return tr("No documents")

    def say(self, text: object) -> None:
        self.message.setText(text if isinstance(text, str) else problem_text(text))  # type: ignore[arg-type]
        self.message.show()

    def open_item(self, item: QTreeWidgetItem | None) -> None:
        if item is None or item.data(0, _ID) is None:
            return
        entry = next((e for e in self.entries if str(e.id) == item.data(0, _ID)), None)
        if entry is None:
            return
        if not entry.opens:
            self.say(
                entry.reason
                and tr("The server refused this file: {reason}").format(reason=entry.reason)
                or problem_text(LookupError())
            )
            return
        self.open_document(entry.id)

    def open_document(self, document_id: uuid.UUID) -> None:
        """Fetch the document (or this computer's copy) and show it in a viewer window."""
        self.message.hide()
        Op(self, lambda: self.ops.open(document_id)).success(self._show_document).failure(self.say).run_on(
            self.executors.network, executors=self.executors
        )

    def _show_document(self, opened: OpenedDocument) -> None:
        window = DocumentWindow(opened, self)
        window.destroyed.connect(lambda *_: self.windows.remove(window) if window in self.windows else None)
        self.windows.append(window)
        window.show()
        self.opened.emit(window)


class PatientDocumentsPanel(_DocumentsList):
    """A patient's documents: listed, opened, and attached by dropping files on the panel (or choosing
    them). Embed it as `PatientDocumentsPanel(patient_id, ops, executors=...)`; `ops`:
    `DesktopContext.sync.documents`."""

    attached = Signal(object)  # DocumentEntry, once queued

    def __init__(
        self,
        patient_id: uuid.UUID,
        ops: DocumentOps,
        *,
        executors: Executors,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ops, executors=executors, parent=parent)
        self.patient_id = patient_id
        self.setAcceptDrops(True)
        self.setAccessibleName(self.tr("Lab reports and exam results"))
        self.kind = QComboBox(self)
        for kind in DocumentKind:
            self.kind.addItem(kind_text(kind), kind.value)
        self.attach_button = QPushButton(self.tr("Attach a file…"), self)
        self.attach_button.clicked.connect(self.choose_files)
        self.open_button = QPushButton(self.tr("Open"), self)
        self.open_button.clicked.connect(lambda: self.open_item(self.list.currentItem()))
        self.hint = QLabel(
            self.tr("Drop a PDF, PNG or JPEG file here to attach it (at most {size}).").format(
                size=size_text(ops.max_upload_bytes)
            ),
            self,
        )
        self.hint.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Attach as:"), self))
        row.addWidget(self.kind)
        row.addWidget(self.attach_button)
        row.addStretch(1)
        row.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.hint)
        layout.addWidget(self.message)
        layout.addWidget(self.list)
        self.refresh()

    def _load(self) -> list[DocumentEntry]:
        return self.ops.of_patient(self.patient_id)

    def _empty_text(self) -> str:
        return self.tr("No documents yet: drop a file here to attach one")

    # -- attaching

    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self,
            self.tr("Attach lab reports or exam results"),
            "",
            self.tr("Documents (*.pdf *.png *.jpg *.jpeg)"),
        )
        self.attach_files([Path(p) for p in paths])

    def attach_files(self, paths: list[Path]) -> None:
        """Check and queue each file (on the store worker); says what was attached and what was not."""
        if not paths:
            return
        kind = DocumentKind(self.kind.currentData())
        patient_id = self.patient_id

        def attach_all() -> tuple[list[DocumentEntry], list[str]]:
            done, refused = [], []
            for path in paths:
                try:
                    done.append(self.ops.attach(path, patient_id=patient_id, kind=kind))
                except NotADocument as error:
                    refused.append(refusal_text(error, path.name))
                except OSError as error:
                    refused.append(f"“{path.name}”: {problem_text(error)}")
            return done, refused

        Op(self, attach_all).success(self._attached).failure(self.say).run_on(
            self.executors.store, executors=self.executors
        )

    def _attached(self, outcome: tuple[list[DocumentEntry], list[str]]) -> None:
        done, refused = outcome
        lines = [
            self.tr(
                "“{title}” is attached; it will be sent to the server (also later, if offline now)."
            ).format(title=entry.title)
            for entry in done
        ]
        self.say("\n".join(lines + refused))
        for entry in done:
            self.attached.emit(entry)
        self.refresh()

    # -- drag and drop

    @staticmethod
    def _files(event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> list[Path]:
        data = event.mimeData()
        if not data.hasUrls():
            return []
        return [Path(url.toLocalFile()) for url in data.urls() if url.isLocalFile()]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if self._files(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802
        if self._files(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        files = [path for path in self._files(event) if path.is_file()]
        if not files:
            event.ignore()
            return
        event.acceptProposedAction()
        self.attach_files(files)


class AppointmentDocumentsList(_DocumentsList):
    """The documents attached to one appointment, for its details: listed and opened."""

    def __init__(
        self,
        appointment_id: uuid.UUID,
        ops: DocumentOps,
        *,
        executors: Executors,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ops, executors=executors, parent=parent)
        self.appointment_id = appointment_id
        self.setAccessibleName(tr("Documents"))
        self.list.setHeaderLabels([tr("Title"), tr("Kind"), tr("Added"), tr("Status")])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.message)
        layout.addWidget(self.list)
        self.refresh()

    def _load(self) -> list[DocumentEntry]:
        return self.ops.of_appointment(self.appointment_id)

    def _empty_text(self) -> str:
        return tr("No documents attached to this appointment")
