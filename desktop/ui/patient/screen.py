"""The patient screen: who the patient is (name, MRN, birth date with the age), their history timeline
(filtered by kind, newest first, paged from the cache as the list scrolls), their documents and, for the
desk, their visits' payments (take, refund, receipt). Works offline for the patients in the cache; only
receipts come from the server.

`PatientsScreen` is the navigation screen around it: a search box over the cached patients, and the
patient chosen. The calendar, the tickets and the main window's search box open a patient through
`open_patient`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from pydantic import ValidationError
from PySide6.QtCore import QLocale, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.ops.background import Op
from desktop.ops.patient_search import PatientMatch
from desktop.ops.patients import (
    BadAnswer,
    PatientFile,
    PatientOps,
    Visit,
    default_desk,
    sees_amounts,
    takes_payments,
    writes_notes,
)
from desktop.ops.session import DesktopContext
from desktop.store.history import TimelineEntry, TimelinePage
from desktop.store.payments import DeskEntry, RefundTooLarge
from desktop.sync.client import Offline, RequestRefused, ServerUnavailable, SignInRequired
from desktop.ui.dates import birth_date_with_age, format_date, format_date_time
from desktop.ui.patient.dialogs import AmendDialog, NoteDialog, PaymentDialog, RefundDialog
from desktop.ui.patient.text import (
    entry_type_label,
    format_money,
    kind_filter_label,
    method_label,
    tr,
)
from desktop.ui.patient.timeline import EntryRole, TimelineModel

try:
    from desktop.ui.documents.panel import PatientDocumentsPanel
except ImportError:  # the documents' panel is being built in parallel (issue 11): the plain list meanwhile
    PatientDocumentsPanel = None  # type: ignore[assignment,misc]
from desktop.ui.refusals import refusal_text
from shared.history import HistoryKind
from shared.payments import EntryType

EntryItemRole = Qt.ItemDataRole.UserRole + 2
VisitItemRole = Qt.ItemDataRole.UserRole + 3
SaveChooser = Callable[[str, str, str], str | None]  # (title, suggested name, filter) -> path or None


def _choose_save_path(parent: QWidget) -> SaveChooser:
    def choose(title: str, suggested: str, name_filter: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(parent, title, suggested, name_filter)
        return path or None

    return choose


class _ServerFiles:
    """The session's sync client at the time of asking (it is replaced when the person signs in again)."""

    def __init__(self, context: DesktopContext) -> None:
        self._context = context

    def fetch(self, path: str, *, params: dict[str, Any] | None = None) -> httpx.Response:
        return self._context.sync.client.fetch(path, params=params)


def problem_text(error: BaseException) -> str:
    """What a failed receipt or report fetch means for the person at the desk."""
    if isinstance(error, Offline | ServerUnavailable):
        return tr("The server cannot be reached: receipts and reports come from the server. Try again later.")
    if isinstance(error, SignInRequired):
        return tr("Sign in again to fetch it from the server.")
    if isinstance(error, RequestRefused):
        return tr("The server refused: {reason}").format(reason=refusal_text(error.code, str(error)))
    if isinstance(error, BadAnswer):
        return tr("The server's answer was not the file asked for. Try again, or call IT if it persists.")
    if isinstance(error, OSError):
        return tr("The file could not be saved: {reason}").format(reason=error.strerror or str(error))
    raise error


class PatientScreen(QWidget):
    """One patient. Signals: `patientShown(uuid)` once the first page of the timeline is on screen."""

    patientShown = Signal(object)

    def __init__(
        self,
        context: DesktopContext,
        *,
        ops: PatientOps | None = None,
        today: Callable[[], date] = date.today,
        locale: QLocale | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._role = context.user.role
        self.ops = ops or PatientOps(context.store, role=self._role, files=_ServerFiles(context))
        self._today = today
        self._locale = locale if locale is not None else QLocale()
        self.patient: PatientFile | None = None
        self.desk = default_desk()
        self.choose_save_path: SaveChooser = _choose_save_path(self)
        self.dialog: QDialog | None = None  # the note, payment or refund dialog open now
        self.receipt_window: QDialog | None = None

        # -- who
        self.name = QLabel(self)
        self.name.setStyleSheet("font-size: 18px; font-weight: 600;")
        self.name.setAccessibleName(tr("Patient name"))
        self.name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts = QLabel(self)
        self.facts.setAccessibleName(tr("Patient details"))
        self.facts.setWordWrap(True)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName(tr("Message"))
        self.message.setStyleSheet("color: #5C3B00;")
        self.message.hide()

        # -- the timeline
        self.timeline_model = TimelineModel(
            fetch_page=lambda patient, kind, before: self.ops.timeline(patient, kind=kind, before=before),
            run_in_background=self._run_page,
            sees_amounts=sees_amounts(self._role),
            locale=self._locale,
            parent=self,
        )
        self.timeline = QListView(self)
        self.timeline.setModel(self.timeline_model)
        self.timeline.setAccessibleName(tr("History timeline, newest first"))
        self.timeline.setWordWrap(True)
        self.timeline.setUniformItemSizes(False)
        self.timeline.setAlternatingRowColors(True)
        self.timeline.setSpacing(2)
        self.timeline.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.timeline.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.kind = QComboBox(self)
        self.kind.setAccessibleName(tr("Show in the timeline"))
        for kind in (None, *HistoryKind):
            self.kind.addItem(kind_filter_label(kind), kind)
        self.kind.currentIndexChanged.connect(lambda _row: self.timeline_model.set_kind(self.chosen_kind()))
        show_label = QLabel(tr("&Show:"), self)
        show_label.setBuddy(self.kind)
        self.add_note_button = QPushButton(tr("&Add note…"), self)
        self.add_note_button.setAccessibleName(tr("Add a note"))
        self.add_note_button.clicked.connect(self.add_note)
        self.amend_button = QPushButton(tr("A&mend note…"), self)
        self.amend_button.setAccessibleName(tr("Amend the selected note"))
        self.amend_button.clicked.connect(self.amend_note)
        self.amend_button.setEnabled(False)
        for button in (self.add_note_button, self.amend_button):
            button.setVisible(writes_notes(self._role))
        self.timeline.selectionModel().currentChanged.connect(lambda *_: self._selection_changed())
        tools = QHBoxLayout()
        tools.addWidget(show_label)
        tools.addWidget(self.kind)
        tools.addStretch(1)
        tools.addWidget(self.add_note_button)
        tools.addWidget(self.amend_button)
        history = QWidget(self)
        history_layout = QVBoxLayout(history)
        history_layout.addLayout(tools)
        history_layout.addWidget(self.timeline, 1)

        # -- documents
        self.document_list = QTreeWidget(self)
        self.document_list.setAccessibleName(tr("Documents"))
        self.document_list.setHeaderLabels([tr("Title"), tr("Kind"), tr("Added"), tr("Status")])
        self.document_list.setRootIsDecorated(False)
        self.document_list.setColumnWidth(0, 360)
        self.documents: QWidget = self.document_list  # the documents' panel once a patient is shown

        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName(tr("Patient sections"))
        self.tabs.addTab(history, tr("&History"))
        self.tabs.addTab(self.documents, tr("&Documents"))

        # -- payments: the desk and the administrators only
        self.payments: QTreeWidget | None = None
        if sees_amounts(self._role):
            self.tabs.addTab(self._payments_pane(), tr("&Payments"))

        layout = QVBoxLayout(self)
        layout.addWidget(self.name)
        layout.addWidget(self.facts)
        layout.addWidget(self.message)
        layout.addWidget(self.tabs, 1)
        self.timeline_model.pageShown.connect(self._page_shown)
        self._announce: uuid.UUID | None = None
        context.sync.statusChanged.connect(self._synced)  # a bound slot: dropped with the screen
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self, activated=self.refresh)

    def chosen_kind(self) -> HistoryKind | None:
        """The timeline filter's choice (Qt hands the enum back as its text)."""
        data = self.kind.currentData()
        return HistoryKind(data) if data else None

    def _payments_pane(self) -> QWidget:
        pane = QWidget(self)
        self.payments = QTreeWidget(pane)
        self.payments.setAccessibleName(tr("Visits and payments"))
        self.payments.setHeaderLabels(
            [tr("When"), tr("Doctor or entry"), tr("Status"), tr("Amount"), tr("Method")]
        )
        self.payments.setColumnWidth(0, 170)
        self.payments.setColumnWidth(1, 260)
        self.payments.setColumnWidth(2, 220)
        self.payments.setColumnWidth(3, 120)
        self.payments.currentItemChanged.connect(lambda *_: self._selection_changed())
        self.pay_button = QPushButton(tr("&Take payment…"), pane)
        self.pay_button.setAccessibleName(tr("Take a payment for the selected visit"))
        self.pay_button.clicked.connect(self.take_payment)
        self.refund_button = QPushButton(tr("&Refund…"), pane)
        self.refund_button.setAccessibleName(tr("Refund the selected payment"))
        self.refund_button.clicked.connect(self.refund)
        self.save_receipt_button = QPushButton(tr("&Save receipt…"), pane)
        self.save_receipt_button.setAccessibleName(tr("Save the selected payment's receipt as PDF"))
        self.save_receipt_button.clicked.connect(self.save_receipt)
        self.print_receipt_button = QPushButton(tr("Print rec&eipt…"), pane)
        self.print_receipt_button.setAccessibleName(tr("Show and print the selected payment's receipt"))
        self.print_receipt_button.clicked.connect(self.print_receipt)
        for button in (self.pay_button, self.refund_button):
            button.setVisible(takes_payments(self._role))
        buttons = QHBoxLayout()
        for button in (
            self.pay_button,
            self.refund_button,
            self.save_receipt_button,
            self.print_receipt_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(pane)
        layout.addWidget(self.payments, 1)
        layout.addLayout(buttons)
        return pane

    # ---- opening ----

    def open_patient(self, patient_id: uuid.UUID) -> None:
        """Show `patient_id` from the cache (a message if this computer does not have them)."""
        self._announce = patient_id
        kind = self.chosen_kind()
        Op(self, lambda: self.ops.open(patient_id, kind=kind)).success(
            lambda found: self._opened(patient_id, found)
        ).run_on(self._context.executors.store, executors=self._context.executors)

    def _opened(self, patient_id: uuid.UUID, found: PatientFile | None) -> None:
        if found is None:
            self.patient = None
            self.name.setText(tr("Patient not on this computer"))
            self.facts.setText(tr("This patient is not in this computer's copy of the records."))
            self.timeline_model.show_patient(None)
            return
        self.patient = found
        card = found.card
        self.name.setText(card.full_name)
        # Hospital MRNs say what they are ("MRN-001041"); a bare number gets the label.
        facts = [card.mrn if not card.mrn[:1].isdigit() else tr("MRN {mrn}").format(mrn=card.mrn)]
        if card.birth_date is not None:
            born = birth_date_with_age(card.birth_date, today=self._today(), locale=self._locale)
            facts.append(tr("born {date}").format(date=born))
        facts += [value for value in (card.phone, card.email) if value]
        self.facts.setText(" · ".join(facts))
        self.message.hide()
        self._fill_documents(found)
        self._fill_payments(found.visits, found.payments)
        self.timeline_model.show_patient(patient_id, kind=self.chosen_kind(), first=found.first_page)
        self._selection_changed()

    def _page_shown(self, _count: int) -> None:
        if self._announce is not None and self.patient is not None and self.patient.card.id == self._announce:
            self._announce = None
            self.patientShown.emit(self.patient.card.id)

    def _run_page(self, work: Callable[[], TimelinePage], done: Callable[[TimelinePage], None]) -> None:
        Op(self, work).success(done).run_on(self._context.executors.store, executors=self._context.executors)

    def refresh(self) -> None:
        if self.patient is not None:
            self.open_patient(self.patient.card.id)

    def _synced(self, _status: object = None) -> None:
        """After a sync: what waited here may have arrived from the server."""
        if self.patient is None:
            return
        waiting = any(entry.waiting is not None for entry in self.timeline_model.entries()) or any(
            entry.waiting is not None for entry in self.patient.payments or []
        )
        if waiting:  # otherwise nothing changes under the person's eyes (nor their selection)
            self.refresh()

    def _fill_documents(self, found: PatientFile) -> None:
        ops = getattr(self._context.sync, "documents", None)
        if PatientDocumentsPanel is not None and getattr(self.documents, "patient_id", None) == found.card.id:
            self.documents.refresh()  # type: ignore[attr-defined]  # the same patient's panel: read again
            return
        if PatientDocumentsPanel is not None and ops is not None:
            # The documents' own panel (list, open, attach by dropping a file), one per patient shown.
            panel = PatientDocumentsPanel(found.card.id, ops, executors=self._context.executors, parent=self)
            index = self.tabs.indexOf(self.documents)
            current = self.tabs.currentIndex()
            self.tabs.removeTab(index)
            if self.documents is not self.document_list:
                self.documents.deleteLater()
            self.documents = panel
            self.tabs.insertTab(index, panel, tr("&Documents"))
            self.tabs.setCurrentIndex(current)
            return
        self.document_list.clear()
        for line in found.documents:
            item = QTreeWidgetItem(
                [line.title, line.kind, format_date_time(line.added_at, self._locale), line.status]
            )
            self.document_list.addTopLevelItem(item)
        if not found.documents:
            self.document_list.addTopLevelItem(QTreeWidgetItem([tr("No documents on this computer")]))

    def _fill_payments(self, visits: list[Visit], entries: list[DeskEntry] | None) -> None:
        if self.payments is None or entries is None:
            return
        self.payments.clear()
        by_visit: dict[uuid.UUID | None, list[DeskEntry]] = {}
        for entry in entries:
            by_visit.setdefault(entry.appointment_id, []).append(entry)
        for visit in visits:
            mine = by_visit.get(visit.id, [])
            paid = sum(
                (e.amount or 0 for e in mine if e.entry_type is EntryType.PAYMENT and e.waiting != "refused"),
                0,
            )
            status = tr("paid") if paid else tr("not paid")
            item = QTreeWidgetItem(
                [
                    format_date_time(visit.starts_at, self._locale),
                    visit.doctor_name,
                    status,
                    tr("fee {amount}").format(amount=format_money(visit.fee, self._locale))
                    if visit.fee
                    else "",
                    "",
                ]
            )
            item.setData(0, VisitItemRole, visit)
            for entry in mine:
                child = QTreeWidgetItem(
                    [
                        format_date_time(entry.recorded_at, self._locale),
                        entry_type_label(entry.entry_type),
                        self._entry_status(entry),
                        format_money(entry.amount, self._locale),
                        method_label(entry.method),
                    ]
                )
                child.setData(0, EntryItemRole, entry)
                item.addChild(child)
            self.payments.addTopLevelItem(item)
            item.setExpanded(True)
        if not visits:
            self.payments.addTopLevelItem(QTreeWidgetItem(["", tr("No visits on this computer")]))

    def _entry_status(self, entry: DeskEntry) -> str:
        if entry.waiting == "queued":
            return tr("waiting to sync")
        if entry.waiting == "sent":
            return tr("sent, waiting for the server")
        if entry.waiting == "refused":
            return tr("refused by the server: {reason}").format(reason=entry.refusal or "")
        if entry.refund_due:
            return tr("refund due: the visit was cancelled")
        if entry.entry_type is EntryType.PAYMENT and entry.refunded > 0:
            return tr("refunded {amount}").format(amount=format_money(entry.refunded, self._locale))
        return tr("recorded at {desk}").format(desk=entry.desk)

    # ---- selection ----

    def current_entry(self) -> TimelineEntry | None:
        index = self.timeline.currentIndex()
        return index.data(EntryRole) if index.isValid() else None

    def current_visit(self) -> Visit | None:
        item = self.payments.currentItem() if self.payments is not None else None
        while item is not None and item.data(0, VisitItemRole) is None:
            item = item.parent()
        return item.data(0, VisitItemRole) if item is not None else None

    def current_payment(self) -> DeskEntry | None:
        item = self.payments.currentItem() if self.payments is not None else None
        entry = item.data(0, EntryItemRole) if item is not None else None
        return entry if isinstance(entry, DeskEntry) else None

    def _selection_changed(self) -> None:
        entry = self.current_entry()
        self.amend_button.setEnabled(
            entry is not None and entry.kind is HistoryKind.NOTE and entry.note_id is not None
        )
        if self.payments is None:
            return
        payment = self.current_payment()
        synced_payment = (
            payment is not None and payment.entry_type is EntryType.PAYMENT and payment.waiting is None
        )
        self.pay_button.setEnabled(self.current_visit() is not None)
        self.refund_button.setEnabled(synced_payment and payment is not None and payment.refundable > 0)
        self.save_receipt_button.setEnabled(synced_payment)
        self.print_receipt_button.setEnabled(synced_payment)

    # ---- notes ----

    def add_note(self) -> None:
        if self.patient is None or not writes_notes(self._role):
            return
        dialog = NoteDialog(
            patient_name=self.patient.card.full_name, today=self._today(), locale=self._locale, parent=self
        )
        patient_id = self.patient.card.id

        def written() -> None:
            noted_on, text = dialog.noted_on(), dialog.text()  # read here: the dialog is gone by the time
            self._queue(lambda: self.ops.add_note(patient_id, noted_on=noted_on, text=text))

        dialog.accepted.connect(written)
        self._show_dialog(dialog)

    def amend_note(self) -> None:
        entry = self.current_entry()
        if entry is None or entry.note_id is None or not writes_notes(self._role):
            return
        note_id = entry.note_id
        original = str(entry.details.get("text") or entry.summary)
        dialog = AmendDialog(original=original, parent=self)

        def written() -> None:
            text, reason = dialog.text(), dialog.why()
            self._queue(lambda: self.ops.amend_note(note_id, text=text, reason=reason))

        dialog.accepted.connect(written)
        self._show_dialog(dialog)

    def _show_dialog(self, dialog: QDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.open()

    def _queue(self, work: Callable[[], object]) -> None:
        """Queue a change on the store worker; then show it (waiting to sync) and nudge the sync."""

        def queued(_entry: object) -> None:
            self._context.sync.wake()
            self.refresh()

        def failed(error: BaseException) -> None:
            if isinstance(error, ValidationError | RefundTooLarge | PermissionError):
                self._say(tr("Not saved: {reason}").format(reason=str(error).splitlines()[0]))
                return
            self._context.executors.on_unhandled(error)

        Op(self, work).success(queued).failure(failed).run_on(
            self._context.executors.store, executors=self._context.executors
        )

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    # ---- payments ----

    def take_payment(self) -> None:
        visit = self.current_visit()
        if visit is None or not takes_payments(self._role):
            return
        dialog = PaymentDialog(visit=visit, desk=self.desk, locale=self._locale, parent=self)

        def taken() -> None:
            got = dialog.taken()
            if got is None:
                return
            self.desk = got.desk
            self._queue(
                lambda: self.ops.take_payment(
                    appointment_id=visit.id,
                    amount=got.amount,
                    method=got.method,
                    desk=got.desk,
                    authorisation_number=got.authorisation_number,
                )
            )

        dialog.accepted.connect(taken)
        self._show_dialog(dialog)

    def refund(self) -> None:
        payment = self.current_payment()
        if payment is None or not takes_payments(self._role):
            return
        dialog = RefundDialog(payment=payment, desk=self.desk, locale=self._locale, parent=self)

        def given() -> None:
            got = dialog.given()
            if got is not None:
                self._queue(
                    lambda: self.ops.refund(payment, amount=got.amount, reason=got.reason, desk=got.desk)
                )

        dialog.accepted.connect(given)
        self._show_dialog(dialog)

    def save_receipt(self) -> None:
        payment = self.current_payment()
        if payment is None:
            return
        self._fetch_receipt(payment, lambda pdf: self._save_pdf(pdf, payment))

    def print_receipt(self) -> None:
        payment = self.current_payment()
        if payment is None:
            return
        self._fetch_receipt(payment, self._show_receipt)

    def _fetch_receipt(self, payment: DeskEntry, then: Callable[[bytes], None]) -> None:
        self._say(tr("Fetching the receipt from the server…"))
        Op(self, lambda: self.ops.receipt_pdf(payment.payment_id)).success(then).failure(
            lambda error: self._say(problem_text(error))
        ).run_on(self._context.executors.network, executors=self._context.executors)

    def _save_pdf(self, pdf: bytes, payment: DeskEntry) -> None:
        self.message.hide()
        path = self.choose_save_path(
            tr("Save the receipt"), f"receipt-{str(payment.payment_id)[:8]}.pdf", tr("PDF files (*.pdf)")
        )
        if path is None:
            return
        try:
            Path(path).write_bytes(pdf)
        except OSError as exc:
            self._say(problem_text(exc))
            return
        self._say(tr("Receipt saved to {path}.").format(path=path))

    def _show_receipt(self, pdf: bytes) -> None:
        from desktop.ui.documents.viewer import PDF, DocumentViewer

        self.message.hide()
        window = QDialog(self)
        window.setWindowTitle(tr("Receipt"))
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        viewer = DocumentViewer(window)
        viewer.load(pdf, PDF)
        layout = QVBoxLayout(window)
        layout.addWidget(viewer)
        window.resize(760, 900)
        window.finished.connect(lambda _result: setattr(self, "receipt_window", None))
        self.receipt_window = window
        window.open()


class PatientsScreen(QWidget):
    """The "Patients" screen: a search over the cached patients and the patient chosen."""

    def __init__(
        self,
        context: DesktopContext,
        *,
        today: Callable[[], date] = date.today,
        locale: QLocale | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._locale = locale if locale is not None else QLocale()
        self.search_box = QLineEdit(self)
        self.search_box.setPlaceholderText(tr("Name or MRN"))
        self.search_box.setAccessibleName(tr("Find a patient"))
        self.search_box.setClearButtonEnabled(True)
        self.results = QListWidget(self)
        self.results.setAccessibleName(tr("Patients found"))
        self.patient = PatientScreen(context, today=today, locale=self._locale, parent=self)
        self.empty = QLabel(
            tr("Find a patient by name or MRN, or open one from the calendar or a ticket."), self
        )
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.empty)
        self.pages.addWidget(self.patient)
        find_label = QLabel(tr("&Find:"), self)
        find_label.setBuddy(self.search_box)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        row = QHBoxLayout()
        row.addWidget(find_label)
        row.addWidget(self.search_box, 1)
        left_layout.addLayout(row)
        left_layout.addWidget(self.results, 1)
        splitter = QSplitter(self)
        splitter.addWidget(left)
        splitter.addWidget(self.pages)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([300, 1000])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self._typing = QTimer(self, singleShot=True, interval=150)
        self._typing.timeout.connect(self._search_now)
        self.search_box.textChanged.connect(lambda _text: self._typing.start())
        self.search_box.returnPressed.connect(self._open_first)
        self.results.itemActivated.connect(self._open_item)
        # New patients may arrive with any sync: the next search reads the cache again.
        context.sync.statusChanged.connect(self._synced)
        self.setFocusProxy(self.search_box)

    def _synced(self, _status: object = None) -> None:
        self.patient.ops.forget_search_index()

    def search(self, text: str) -> None:
        """Search for `text` now (the main window's search box) and show what is found."""
        self.search_box.setText(text)
        self._typing.stop()
        self._search_now(open_single=True)

    def _search_now(self, *, open_single: bool = False) -> None:
        text = self.search_box.text()
        ops = self.patient.ops
        Op(self, lambda: ops.search(text)).success(lambda found: self._found(found, open_single)).run_on(
            self._context.executors.store, executors=self._context.executors
        )

    def _found(self, found: list[PatientMatch], open_single: bool) -> None:
        self.results.clear()
        for match in found:
            born = self._born(match.birth_date)
            item = QListWidgetItem(f"{match.full_name}\n{match.mrn}{born}", self.results)
            item.setData(Qt.ItemDataRole.UserRole, match.id)
        if open_single and len(found) == 1:
            self.open_patient(found[0].id)

    def _born(self, birth_date: str) -> str:
        try:
            return " · " + format_date(date.fromisoformat(birth_date[:10]), self._locale)
        except ValueError:
            return ""

    def _open_item(self, item: QListWidgetItem) -> None:
        self.open_patient(item.data(Qt.ItemDataRole.UserRole))

    def _open_first(self) -> None:
        if self.results.count():
            self._open_item(self.results.item(0))

    def open_patient(self, patient_id: uuid.UUID) -> None:
        self.pages.setCurrentWidget(self.patient)
        self.patient.open_patient(patient_id)
