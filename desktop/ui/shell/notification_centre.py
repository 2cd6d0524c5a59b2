"""The notification centre in the window: a bell with the unread count and a panel listing what changed.

It works on every PC, with or without a system tray (the tray in `desktop/ui/notify.py` is an extra).
The list is read from the user's cache (`desktop.ops.notifications`) at start and again, debounced,
after each sync report, so what arrived while the app was closed or offline is there, and a change the
server puts on my feed reaches the bell within a long poll. Opening an entry marks it read (a queued
change, so offline too) and asks the window to show the ticket or appointment it is about.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
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
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ops.background import Op
from desktop.ops.notifications import (
    Notice,
    NoticeList,
    mark_all_read,
    mark_notifications_read,
    recent_notifications,
)
from desktop.ops.session import DesktopContext
from desktop.ui.dates import format_date_time

REFRESH_DELAY_MS = 200  # the reports of one sync round (pull, push, pull) become one read of the cache


def tr(text: str) -> str:
    return QCoreApplication.translate("Notifications", text)


def unread_text(count: int) -> str:
    """ "3 unread" with the language's plural form."""
    return QCoreApplication.translate("Notifications", "%n unread", None, count)


def headline(notice: Notice) -> str:
    """What happened, in the user's language; the server's English title for a kind we do not know."""
    known = {
        "ticket.approved": tr("Refill ticket approved"),
        "ticket.rejected": tr("Refill ticket rejected"),
        "ticket.preparation_started": tr("Refill ticket being prepared"),
        "ticket.dispatched": tr("Refill ticket dispatched"),
        "ticket.partially_dispatched": tr("Refill ticket partly dispatched"),
        "ticket.received": tr("Refill ticket received"),
        "ticket.closed": tr("Refill ticket closed"),
        "ticket.cancelled": tr("Refill ticket cancelled"),
        "ticket.edited": tr("Refill ticket changed"),
        "ticket.discrepancy": tr("Discrepancy reported on a refill ticket"),
        "appointment.confirmed": tr("Appointment confirmed"),
        "appointment.rescheduled": tr("Appointment moved"),
        "appointment.rejected": tr("Appointment request refused"),
        "appointment.cancelled": tr("Appointment could not be kept"),
    }
    return known.get(notice.kind) or notice.title or tr("Update")


class NotificationListModel(QAbstractListModel):
    """The notices, newest first; unread ones in bold. `Qt.UserRole` gives the Notice."""

    def __init__(self, parent: QWidget | None = None, *, locale: QLocale) -> None:
        super().__init__(parent)
        self._notices: list[Notice] = []
        self._locale = locale
        self._bold = QFont()
        self._bold.setBold(True)

    def set_notices(self, notices: Sequence[Notice]) -> None:
        self.beginResetModel()
        self._notices = list(notices)
        self.endResetModel()

    def notices(self) -> list[Notice]:
        return list(self._notices)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._notices)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._notices):
            return None
        notice = self._notices[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            lines = [headline(notice)]
            if notice.body:
                lines.append(notice.body)
            lines.append(format_date_time(notice.created_at, self._locale, empty=""))
            return "\n".join(line for line in lines if line)
        if role == Qt.ItemDataRole.FontRole and not notice.read:
            return self._bold
        if role == Qt.ItemDataRole.AccessibleTextRole:
            state = tr("unread") if not notice.read else tr("read")
            return f"{headline(notice)}, {state}. {notice.body}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return notice.body or None
        if role == Qt.ItemDataRole.UserRole:
            return notice
        return None


class NotificationBell(QToolButton):
    """The bell: the number of unread notifications; a click opens or closes the centre."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCheckable(True)
        self.setAutoRaise(True)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.setAccessibleName(tr("Notifications"))
        self.unread = 0
        self.set_unread(0)

    def set_unread(self, count: int) -> None:
        self.unread = count
        # Words, not an emoji: ward PCs often lack a font with the bell.
        self.setText(
            tr("Notifications ({count})").format(count=QLocale().toString(count))
            if count
            else tr("Notifications")
        )
        description = unread_text(count)
        self.setToolTip(tr("Notifications ({unread}) · Ctrl+Shift+N").format(unread=description))
        self.setAccessibleDescription(description)
        font = self.font()
        font.setBold(count > 0)
        self.setFont(font)


class _NoticeView(QListView):
    """Enter opens the notice under the cursor (QListView's `activated` needs a platform hint for that)."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.activated.emit(self.currentIndex())
            return
        super().keyPressEvent(event)


class NotificationCentre(QFrame):
    """The panel. Signals: `unreadChanged(int)`, `listed(NoticeList)` after each read of the cache,
    `openRequested(entity, entity id)` when an entry about a record is opened, `markedRead(int)`."""

    unreadChanged = Signal(int)
    listed = Signal(object)
    openRequested = Signal(str, object)
    markedRead = Signal(int)
    closeRequested = Signal()

    def __init__(
        self, context: DesktopContext, *, locale: QLocale | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._locale = locale if locale is not None else QLocale()
        self.unread = 0
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(tr("Notification centre"))
        self.setMinimumWidth(300)
        self.setMaximumWidth(420)

        self.title = QLabel("<b>" + tr("Notifications") + "</b>", self)
        self.mark_all_button = QPushButton(tr("Mark all read"), self)
        self.mark_all_button.setAccessibleName(tr("Mark all notifications read"))
        self.mark_all_button.clicked.connect(self.mark_all_read)
        self.close_button = QPushButton(tr("Close"), self)
        self.close_button.setAccessibleName(tr("Close the notification centre"))
        self.close_button.clicked.connect(self.closeRequested)
        self.model = NotificationListModel(self, locale=self._locale)
        self.list = _NoticeView(self)
        self.list.setModel(self.model)
        self.list.setAccessibleName(tr("Notifications, newest first"))
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setSpacing(2)
        self.list.activated.connect(self.open_index)
        self.list.doubleClicked.connect(self.open_index)
        self.empty = QLabel(
            tr("Nothing yet. When someone else changes your refill tickets or bookings, it appears here."),
            self,
        )
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.hint = QLabel(tr("Enter or double-click opens what a notification is about."), self)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: palette(mid);")

        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.mark_all_button)
        header.addWidget(self.close_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 8, 8, 8)
        column.addLayout(header)
        column.addWidget(self.list, 1)
        column.addWidget(self.empty, 1)
        column.addWidget(self.hint)
        self._show_empty(True)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        # A bound method: Qt drops the connection when this widget is destroyed (sign-out, user switch).
        context.sync.statusChanged.connect(self._sync_reported)
        QTimer.singleShot(0, self.refresh)  # what arrived while the app was closed or offline

    def _show_empty(self, empty: bool) -> None:
        self.list.setVisible(not empty)
        self.hint.setVisible(not empty)
        self.empty.setVisible(empty)
        self.mark_all_button.setEnabled(self.unread > 0)

    def _sync_reported(self, _status: object) -> None:
        self._timer.start()

    def refresh(self) -> None:
        """Read the newest notifications from the cache (on the store worker)."""
        store, executors = self._context.store, self._context.executors
        Op(self, lambda: recent_notifications(store)).success(self._listed).run_on(
            executors.store, executors=executors
        )

    def _listed(self, found: NoticeList) -> None:
        current = self.list.currentIndex()
        selected = current.data(Qt.ItemDataRole.UserRole).id if current.isValid() else None
        self.model.set_notices(found.notices)
        if selected is not None:
            for row, notice in enumerate(found.notices):
                if notice.id == selected:
                    self.list.setCurrentIndex(self.model.index(row, 0))
        changed = found.unread != self.unread
        self.unread = found.unread
        self._show_empty(not found.notices)
        if changed:
            self.unreadChanged.emit(found.unread)
        self.listed.emit(found)

    def focus_list(self) -> None:
        """Put the keyboard on the list, on the newest notice."""
        if self.model.rowCount() and not self.list.currentIndex().isValid():
            self.list.setCurrentIndex(self.model.index(0, 0))
        (self.list if self.list.isVisible() else self.close_button).setFocus(
            Qt.FocusReason.ShortcutFocusReason
        )

    def open_index(self, index: QModelIndex) -> None:
        notice = index.data(Qt.ItemDataRole.UserRole)
        if isinstance(notice, Notice):
            self.open_notice(notice)

    def open_notice(self, notice: Notice) -> None:
        """Mark it read and ask to show what it is about."""
        if not notice.read:
            self._mark([notice.id])
        if notice.entity and isinstance(notice.entity_id, uuid.UUID):
            self.openRequested.emit(notice.entity, notice.entity_id)

    def mark_all_read(self) -> None:
        store, executors = self._context.store, self._context.executors
        Op(self, lambda: mark_all_read(store)).success(self._marked).run_on(
            executors.store, executors=executors
        )

    def _mark(self, ids: Sequence[uuid.UUID]) -> None:
        store, executors = self._context.store, self._context.executors
        Op(self, lambda: mark_notifications_read(store, ids)).success(self._marked).run_on(
            executors.store, executors=executors
        )

    def _marked(self, count: int) -> None:
        if count:
            self._context.sync.wake()
        self.refresh()
        self.markedRead.emit(count)
