"""The conflict and rejection inbox: every change the server did not apply, and the author's decision.

Each item shows what this workstation sent, what the server has now and why the server refused. A
conflict (someone changed the record first) offers "Keep mine" (send it again on the server's current
version) and "Take theirs" (drop mine); a rejection offers "Dismiss" once read. Both offer "Edit and
resend": a refused new ticket comes back as a draft in the editor, any other change is dropped so it
can be redone on the record as it is now (`ticketRequested` asks the shell to show that ticket). A
refused booking (by the server at once, or by its booking saga later) offers the free times the server
proposed, each a button that books it instead.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.ops.background import Op
from desktop.ops.booking import BookingRefused, CalendarRights
from desktop.ops.inbox import (
    InboxItem,
    book_offered_time,
    dismiss,
    edit_and_resend,
    inbox_items,
    keep_mine,
    take_theirs,
)
from desktop.ops.session import DesktopContext
from desktop.ops.tickets import TicketDraft, drafts, formulary, ward_names
from desktop.ui.calendar.appointment_dialogs import format_when
from desktop.ui.calendar.screen import refused_text
from desktop.ui.refusals import refusal_text
from desktop.ui.tickets.editor import TicketEditorDialog
from desktop.ui.tickets.text import format_time, priority_label, status_label, unit_label
from shared.protocol import MutationName

ItemRole = Qt.ItemDataRole.UserRole + 1
_Index = QModelIndex | QPersistentModelIndex
RELOAD_DELAY_MS = 300


def tr(text: str) -> str:
    return QCoreApplication.translate("Inbox", text)


def change_title(name: MutationName) -> str:
    titles = {
        MutationName.TICKET_SUBMIT: tr("New refill ticket"),
        MutationName.TICKET_EDIT: tr("Refill ticket edited"),
        MutationName.TICKET_CANCEL: tr("Refill ticket cancelled"),
        MutationName.TICKET_APPROVE: tr("Refill ticket approved"),
        MutationName.TICKET_REJECT: tr("Refill ticket rejected"),
        MutationName.TICKET_START_PREPARATION: tr("Preparation started"),
        MutationName.TICKET_DISPATCH: tr("Refill ticket dispatched"),
        MutationName.TICKET_RECEIVE: tr("Receipt confirmed"),
        MutationName.TICKET_CLOSE: tr("Refill ticket closed"),
        MutationName.APPOINTMENT_BOOK: tr("Appointment booked"),
        MutationName.APPOINTMENT_RESCHEDULE: tr("Appointment moved"),
        MutationName.APPOINTMENT_CANCEL: tr("Appointment cancelled"),
        MutationName.APPOINTMENT_ATTENDANCE: tr("Attendance recorded"),
        MutationName.NOTIFICATION_READ: tr("Notification read"),
    }
    return titles[name]


def _when(value: Any, locale: QLocale) -> str:
    if not value:
        return "—"
    try:
        return format_time(datetime.fromisoformat(str(value)), locale)
    except ValueError:
        return str(value)


def _lines(lines: Iterable[Mapping[str, Any]], names: Mapping[str, str]) -> list[str]:
    described = []
    for line in lines:
        code = str(line.get("medication_code", ""))
        name = names.get(code, code)
        parts = []
        if "quantity" in line:
            quantity = int(line.get("quantity") or 0)
            parts.append(f"{quantity} {unit_label(str(line.get('unit', '')), quantity)}")
        for key, label in (
            ("approved_quantity", tr("approved")),
            ("dispatched_quantity", tr("dispatched")),
            ("received_quantity", tr("received")),
        ):
            if line.get(key):
                parts.append(f"{label} {line[key]}")
        reason = line.get("reason") or line.get("note")
        if reason:
            parts.append(str(reason))
        label = name if name else tr("line")
        described.append(f"• {label}: " + ", ".join(parts))
    return described


def describe(
    data: Mapping[str, Any] | None, *, names: Mapping[str, str], locale: QLocale, change: bool = False
) -> str:
    """A change's payload (`change`: empty fields mean "unchanged") or a server record, in lines to read."""
    if data is None:
        return tr("(the server has no record of it)")
    if change:
        data = {key: value for key, value in data.items() if value is not None}
    text: list[str] = []
    if data.get("status"):
        text.append(tr("Status: {status}").format(status=status_label(str(data["status"]))))
    if data.get("priority"):
        text.append(tr("Priority: {priority}").format(priority=priority_label(str(data["priority"]))))
    if "needed_by" in data:
        text.append(tr("Needed by: {time}").format(time=_when(data.get("needed_by"), locale)))
    if data.get("starts_at"):
        text.append(tr("Starts: {time}").format(time=_when(data.get("starts_at"), locale)))
    if data.get("notes"):
        text.append(tr("Notes: {notes}").format(notes=data["notes"]))
    if data.get("reason"):
        text.append(tr("Reason: {reason}").format(reason=data["reason"]))
    if data.get("remainder"):
        keep = data["remainder"] == "keep_open"
        text.append(tr("The rest stays open") if keep else tr("The rest is cancelled"))
    if data.get("lines"):
        text.extend(_lines(data["lines"], names))
    if data.get("version") is not None:
        text.append(tr("Server version {version}").format(version=data["version"]))
    return "\n".join(text) or tr("(no details)")


class InboxModel(QAbstractListModel):
    """Conflicts and rejections, newest first."""

    def __init__(self, parent: Any = None, *, locale: QLocale | None = None) -> None:
        super().__init__(parent)
        self._items: list[InboxItem] = []
        self._locale = locale if locale is not None else QLocale()

    def set_items(self, items: Iterable[InboxItem]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def items(self) -> list[InboxItem]:
        return list(self._items)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items) or index.column() != 0:
            return None
        item = self._items[index.row()]
        entry = item.entry
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            kind = tr("Conflict") if item.is_conflict else tr("Refused")
            when = format_time(entry.made_at, self._locale)
            why = refusal_text(entry.code, entry.reason, fallback="")
            return f"{kind}: {change_title(entry.name)} · {when}\n{why}".strip()
        if role == Qt.ItemDataRole.ToolTipRole:
            return refusal_text(entry.code, entry.reason)
        if role == ItemRole:
            return item
        return None


class InboxScreen(QWidget):
    """The inbox. Signals: `changed()` after each decision, `ticketRequested(uuid)` to show a ticket."""

    changed = Signal()
    loaded = Signal()
    ticketRequested = Signal(object)

    def __init__(
        self,
        context: DesktopContext,
        *,
        locale: QLocale | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._locale = locale if locale is not None else QLocale()
        self._names: dict[str, str] = {}
        self._formulary: list[Any] = []
        self._wards: dict[str, str] = {}
        self._rights = CalendarRights(role=context.user.role, doctor_id=context.user.doctor_id)
        self.editor: TicketEditorDialog | None = None
        self.setAccessibleName(tr("Conflicts and refused changes"))

        self.model = InboxModel(self, locale=self._locale)
        self.list = QListView(self)
        self.list.setModel(self.model)
        self.list.setAccessibleName(tr("Changes waiting for your decision"))
        self.list.setWordWrap(True)
        self.list.setSpacing(2)
        self.list.selectionModel().currentChanged.connect(lambda *_: self._show_current())
        self.empty = QLabel(tr("Nothing waiting: every change made here was accepted."), self)
        self.empty.setWordWrap(True)

        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        self.reason = QLabel(self)
        self.reason.setWordWrap(True)
        self.reason.setStyleSheet("color: #A4161A;")
        self.reason.setAccessibleName(tr("Why the server refused the change"))
        self.mine = QPlainTextEdit(self)
        self.mine.setReadOnly(True)
        self.mine.setAccessibleName(tr("Your version, on this workstation"))
        self.theirs = QPlainTextEdit(self)
        self.theirs.setReadOnly(True)
        self.theirs.setAccessibleName(tr("The server's version"))
        self.keep_button = QPushButton(tr("Keep mine"), self)
        self.keep_button.setToolTip(tr("Send my change again, on top of the server's version."))
        self.take_button = QPushButton(tr("Take theirs"), self)
        self.take_button.setToolTip(tr("Drop my change; the server's version stays."))
        self.edit_button = QPushButton(tr("Edit and resend…"), self)
        self.dismiss_button = QPushButton(tr("Dismiss"), self)
        self.dismiss_button.setToolTip(tr("I have read why it was refused; forget the change."))
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.offered_label = QLabel(self)
        self.offered_label.setWordWrap(True)
        self.offered = QVBoxLayout()
        self.offered_buttons: list[QPushButton] = []
        self.keep_button.clicked.connect(lambda: self._decide(keep_mine))
        self.take_button.clicked.connect(lambda: self._decide(take_theirs))
        self.dismiss_button.clicked.connect(lambda: self._decide(dismiss))
        self.edit_button.clicked.connect(self.edit_and_resend)

        detail = QWidget(self)
        grid = QGridLayout(detail)
        grid.addWidget(self.heading, 0, 0, 1, 2)
        grid.addWidget(QLabel("<b>" + tr("Why") + "</b>", detail), 1, 0, 1, 2)
        grid.addWidget(self.reason, 2, 0, 1, 2)
        grid.addWidget(QLabel("<b>" + tr("Yours (this workstation)") + "</b>", detail), 3, 0)
        grid.addWidget(QLabel("<b>" + tr("The server's") + "</b>", detail), 3, 1)
        grid.addWidget(self.mine, 4, 0)
        grid.addWidget(self.theirs, 4, 1)
        for pane in (self.mine, self.theirs):
            pane.setMaximumHeight(280)
        buttons = QHBoxLayout()
        for button in (self.keep_button, self.take_button, self.edit_button, self.dismiss_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        grid.addLayout(buttons, 5, 0, 1, 2)
        grid.addWidget(self.offered_label, 6, 0, 1, 2)
        grid.addLayout(self.offered, 7, 0, 1, 2)
        grid.addWidget(self.note, 8, 0, 1, 2)
        grid.setRowStretch(9, 1)
        self.detail = detail

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.empty)
        left_layout.addWidget(self.list, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(detail)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(splitter)

        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self.reload)
        # A bound method, not a lambda: Qt drops the connection when this widget is destroyed
        # (user switch), so a late sync report never reaches a deleted timer.
        context.sync.statusChanged.connect(self._sync_reported)
        QTimer.singleShot(0, self.reload)  # first load once the caller has connected

    def _sync_reported(self, _status: object) -> None:
        self._reload_timer.start()

    def _run(self, work: Callable[[], Any], done: Callable[[Any], Any]) -> None:
        executors = self._context.executors
        Op(self, work).success(done).failure(self._failed).run_on(executors.store, executors=executors)

    def _failed(self, error: BaseException) -> None:
        text = refused_text(error) if isinstance(error, BookingRefused) else str(error)
        self.note.setText("⚠ " + text[:300])

    def reload(self) -> None:
        store = self._context.store
        self._run(lambda: (inbox_items(store), formulary(store), ward_names(store)), self._loaded)

    def _loaded(self, loaded: tuple[list[InboxItem], list[Any], dict[str, str]]) -> None:
        items, found, wards = loaded
        current = self.current()
        self._formulary = found
        self._names = {item.code: item.name for item in found}
        self._wards = wards
        self.model.set_items(items)
        self.empty.setVisible(not items)
        self.detail.setVisible(bool(items))
        if items:
            kept = current.entry.mutation_id if current else None
            rows = [i for i, item in enumerate(items) if item.entry.mutation_id == kept]
            self.list.setCurrentIndex(self.model.index(rows[0] if rows else 0, 0))
        self._show_current()
        self.loaded.emit()

    def current(self) -> InboxItem | None:
        index = self.list.currentIndex()
        return index.data(ItemRole) if index.isValid() else None

    def _show_current(self) -> None:
        item = self.current()
        if item is None:
            return
        entry = item.entry
        kind = tr("Conflict") if item.is_conflict else tr("Refused by the server")
        self.heading.setText(
            f"<b>{kind}: {change_title(entry.name)}</b><br>"
            + tr("Made here on {time}").format(time=format_time(entry.made_at, self._locale))
        )
        self.reason.setText(refusal_text(entry.code, entry.reason, fallback=tr("No reason was given.")))
        self.mine.setPlainText(describe(entry.payload, names=self._names, locale=self._locale, change=True))
        self.theirs.setPlainText(describe(item.current, names=self._names, locale=self._locale))
        self.keep_button.setVisible(item.is_conflict)
        self.take_button.setVisible(item.is_conflict)
        self.dismiss_button.setVisible(not item.is_conflict)
        ticket = entry.name.value.startswith("ticket.")
        self.edit_button.setVisible(ticket)
        self._show_offered(item)

    def _show_offered(self, item: InboxItem) -> None:
        for button in self.offered_buttons:
            self.offered.removeWidget(button)
            button.deleteLater()
        self.offered_buttons = []
        refused_booking = item.entry.name is MutationName.APPOINTMENT_BOOK and not item.is_conflict
        if not refused_booking:
            self.offered_label.setText("")
        elif not item.alternatives:
            self.offered_label.setText(
                QCoreApplication.translate(
                    "AppointmentDetailsDialog", "The server offered no other time; pick one in the calendar."
                )
            )
        else:
            self.offered_label.setText(
                QCoreApplication.translate(
                    "AppointmentDetailsDialog", "The next free times the server offered:"
                )
            )
            doctor_id = (item.current or {}).get("doctor_id")
            allowed = doctor_id is not None and self._rights.may_book(uuid.UUID(str(doctor_id)))
            for slot in item.alternatives:
                when = format_when(slot.starts_at, slot.ends_at, zone=None, locale=self._locale)
                button = QPushButton(
                    QCoreApplication.translate("AppointmentDetailsDialog", "Book {when} instead").format(
                        when=when
                    ),
                    self.detail,
                )
                button.setAccessibleName(button.text())
                button.setEnabled(allowed)
                button.clicked.connect(lambda _=False, at=slot.starts_at: self.book_offered_time(at))
                self.offered.addWidget(button)
                self.offered_buttons.append(button)
        self.offered_label.setVisible(bool(self.offered_label.text()))

    def book_offered_time(self, starts_at: datetime) -> None:
        """Book a time the server offered for the refused booking shown; the refusal goes with it."""
        item = self.current()
        if item is None:
            return
        store, rights, mutation_id = self._context.store, self._rights, item.entry.mutation_id

        def done(_appointment_id: uuid.UUID) -> None:
            self.note.setText(
                QCoreApplication.translate(
                    "AppointmentDetailsDialog", "Requested: it will be confirmed when the server answers."
                )
            )
            self.changed.emit()
            self.reload()

        self._run(
            lambda: book_offered_time(store, rights=rights, mutation_id=mutation_id, starts_at=starts_at),
            done,
        )

    def _decide(self, decision: Callable[[Any, int], Any]) -> None:
        item = self.current()
        if item is None:
            return
        store, mutation_id = self._context.store, item.entry.mutation_id

        def done(_result: Any) -> None:  # the sync engine notices a change queued by itself
            self.note.clear()
            self.changed.emit()
            self.reload()

        self._run(lambda: decision(store, mutation_id), done)

    def edit_and_resend(self) -> None:
        item = self.current()
        if item is None:
            return
        store, mutation_id = self._context.store, item.entry.mutation_id

        def work() -> tuple[str, uuid.UUID, TicketDraft | None]:
            kind, target = edit_and_resend(store, mutation_id)
            draft = next((d for i, d, _at in drafts(store) if i == target), None) if kind == "draft" else None
            return kind, target, draft

        self._run(work, self._resend)

    def _resend(self, outcome: tuple[str, uuid.UUID, TicketDraft | None]) -> None:
        kind, target, draft = outcome
        self.changed.emit()
        self.reload()
        if kind == "draft":
            mine = {str(w): self._wards.get(str(w), str(w)) for w in self._context.user.ward_ids}
            editor = TicketEditorDialog(
                store=self._context.store,
                executors=self._context.executors,
                formulary=self._formulary,
                wards=mine,
                draft=draft,
                draft_id=target,
                locale=self._locale,
                parent=self,
            )
            editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            editor.finished.connect(lambda _result: setattr(self, "editor", None))
            self.editor = editor
            editor.open()
            return
        self.note.setText(tr("Your change was dropped. Redo it on the ticket as it is now."))
        self.ticketRequested.emit(target)


def inbox_screen(context: DesktopContext, parent: QWidget) -> QWidget:
    """The shell's factory."""
    return InboxScreen(context, parent=parent)
