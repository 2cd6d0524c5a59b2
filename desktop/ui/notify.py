"""Desktop notifications (the system tray) for changes to my refill tickets and my bookings.

The server writes a notification for a person whenever someone else changes their record
(sync_server/alerts: a ticket approved, dispatched, rejected; a discrepancy; a booking confirmed...) and
puts it on that person's feed, so it arrives here as an Entity.NOTIFICATION record with the next pull,
also after a time offline. `TrayNotifier` looks for unread ones after each sync report (debounced) and
announces what is new as ONE message: a single change in its own words, several as a summary, never a
flood. Clicking the message marks them read (queued like any change, so it works offline too) and asks
to open the record when it was about one.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QStyle, QSystemTrayIcon

from desktop.ops.background import Op
from desktop.ops.notifications import mark_notifications_read, unread_notifications
from desktop.ops.session import DesktopContext
from desktop.store import CachedRecord

CHECK_DELAY_MS = 400
SHOWN_TITLES = 3
MESSAGE_MS = 10_000


def tr(text: str) -> str:
    return QCoreApplication.translate("Notifications", text)


@dataclass(frozen=True)
class Announcement:
    """One tray message, standing for one or more notifications."""

    title: str
    body: str
    notification_ids: tuple[uuid.UUID, ...]
    entity: str | None = None  # what a click opens: set when every notification is about one record
    entity_id: uuid.UUID | None = None


def summarise(notifications: Sequence[CachedRecord], *, while_away: bool = False) -> Announcement | None:
    """One announcement for these notifications (oldest first), or None when there are none."""
    if not notifications:
        return None
    ids = tuple(n.id for n in notifications)
    about = {(n.data.get("entity"), n.data.get("entity_id")) for n in notifications}
    entity, entity_id = next(iter(about)) if len(about) == 1 else (None, None)
    target = uuid.UUID(str(entity_id)) if entity_id else None
    if len(notifications) == 1:
        only = notifications[0].data
        return Announcement(str(only.get("title", "")), str(only.get("body", "")), ids, entity, target)
    tickets = sum(1 for n in notifications if str(n.data.get("entity")) == "ticket")
    bookings = sum(1 for n in notifications if str(n.data.get("entity")) == "appointment")
    if while_away:
        title = tr("{count} updates while you were away").format(count=len(notifications))
    else:
        title = tr("{count} updates").format(count=len(notifications))
    parts = []
    if tickets:
        parts.append(tr("{count} on your refill tickets").format(count=tickets))
    if bookings:
        parts.append(tr("{count} on your bookings").format(count=bookings))
    others = len(notifications) - tickets - bookings
    if others:
        parts.append(tr("{count} other").format(count=others))
    lines = [", ".join(parts) + ":"]
    newest = list(reversed(notifications))
    lines += ["• " + str(n.data.get("title", "")) for n in newest[:SHOWN_TITLES]]
    if len(newest) > SHOWN_TITLES:
        lines.append(tr("and {count} more").format(count=len(newest) - SHOWN_TITLES))
    return Announcement(title, "\n".join(lines), ids, entity, target)


class TrayNotifier(QObject):
    """Announces new notifications in the tray. Signals: `announced(Announcement)`,
    `openRequested(entity, entity id)` after a click on a message about one record."""

    announced = Signal(object)
    openRequested = Signal(str, object)
    markedRead = Signal(int)

    def __init__(
        self,
        context: DesktopContext,
        *,
        tray: QSystemTrayIcon | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._announced: set[uuid.UUID] = set()
        self._first = True
        self.last: Announcement | None = None
        if tray is None and QSystemTrayIcon.isSystemTrayAvailable():
            tray = QSystemTrayIcon(self)
            tray.setIcon(QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation))
            tray.setToolTip("WardDesk")
            tray.show()
        self.tray = tray
        if tray is not None:
            tray.messageClicked.connect(self.open_last)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(CHECK_DELAY_MS)
        self._timer.timeout.connect(self.check)
        # Several reports of one sync round (pull, push, pull) become one check, hence one message.
        # A bound method, not a lambda: Qt drops the connection when this widget is destroyed
        # (user switch), so a late sync report never reaches a deleted timer.
        context.sync.statusChanged.connect(self._sync_reported)
        QTimer.singleShot(0, self.check)  # what arrived while the app was closed or offline

    def _sync_reported(self, _status: object) -> None:
        self._timer.start()

    def check(self) -> None:
        store, executors = self._context.store, self._context.executors
        Op(self, lambda: unread_notifications(store)).success(self._arrived).run_on(
            executors.store, executors=executors
        )

    def _arrived(self, unread: list[CachedRecord]) -> None:
        new = [n for n in unread if n.id not in self._announced]
        self._announced.update(n.id for n in new)
        announcement = summarise(new, while_away=self._first)
        self._first = False
        if announcement is None:
            return
        self.last = announcement
        if self.tray is not None:
            self.tray.showMessage(
                announcement.title, announcement.body, QSystemTrayIcon.MessageIcon.Information, MESSAGE_MS
            )
        self.announced.emit(announcement)

    def mark_read(self, announcement: Announcement) -> None:
        """Queue read marks for the announcement's notifications and push them."""
        store, executors = self._context.store, self._context.executors
        ids = announcement.notification_ids

        def done(count: int) -> None:
            if count:
                self._context.sync.wake()
            self.markedRead.emit(count)

        Op(self, lambda: mark_notifications_read(store, ids)).success(done).run_on(
            executors.store, executors=executors
        )

    def open_last(self) -> None:
        """The person clicked the message: it has been read; open what it was about."""
        if self.last is None:
            return
        self.mark_read(self.last)
        if self.last.entity and self.last.entity_id:
            self.openRequested.emit(self.last.entity, self.last.entity_id)
