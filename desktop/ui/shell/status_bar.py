"""The sync part of the status bar: connection state, last successful sync, changes still queued."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication, QLocale, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QToolButton, QWidget

from desktop.sync import Connection, PullProgress, SyncStatus


def connection_label(state: Connection) -> str:
    labels = {
        Connection.ONLINE: QCoreApplication.translate("SyncStatus", "Online"),
        Connection.OFFLINE: QCoreApplication.translate("SyncStatus", "Offline"),
        Connection.SYNCING: QCoreApplication.translate("SyncStatus", "Syncing…"),
        Connection.SERVER_UNAVAILABLE: QCoreApplication.translate("SyncStatus", "Server unavailable"),
        Connection.UPDATE_REQUIRED: QCoreApplication.translate("SyncStatus", "Update required"),
        Connection.SIGN_IN_REQUIRED: QCoreApplication.translate("SyncStatus", "Sign in again to sync"),
        Connection.FAILED: QCoreApplication.translate("SyncStatus", "Sync failed"),
        Connection.STORAGE_UNAVAILABLE: QCoreApplication.translate("SyncStatus", "Local storage problem"),
    }
    return labels[state]


_COLOURS = {
    Connection.ONLINE: "#1E7B34",
    Connection.SYNCING: "#1F5FAD",
    Connection.OFFLINE: "#8A5300",
    Connection.SERVER_UNAVAILABLE: "#8A5300",
}
_PROBLEM = "#B3261E"


def _dot(colour: str, size: int = 12) -> QIcon:
    pixmap = QPixmap(size * 2, size * 2)  # drawn at 2x so it stays crisp on high-DPI screens
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawEllipse(2, 2, size - 4, size - 4)
    painter.end()
    return QIcon(pixmap)


class SyncStatusButton(QToolButton):
    """Shows a SyncStatus; clicking it opens the list of unsettled changes (the main window connects it)."""

    def __init__(self, parent: QWidget | None = None, *, locale: QLocale | None = None) -> None:
        super().__init__(parent)
        self._locale = locale if locale is not None else QLocale()
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setAutoRaise(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._status = SyncStatus()
        self._progress: PullProgress | None = None
        self.show_status(self._status)

    @property
    def status(self) -> SyncStatus:
        return self._status

    def show_status(self, status: SyncStatus) -> None:
        self._status = status
        if status.state is not Connection.SYNCING:
            self._progress = None
        self._render()

    def show_progress(self, progress: PullProgress) -> None:
        self._progress = progress if progress.has_more else None
        self._render()

    def _render(self) -> None:
        status = self._status
        parts = [connection_label(status.state)]
        if self._progress is not None:
            parts[0] = self.tr("Syncing… {rows} records").format(
                rows=self._locale.toString(self._progress.rows)
            )
        parts.append(self._last_sync_text(status.last_synced_at))
        parts.append(self.tr("Queued: {count}").format(count=self._locale.toString(status.queued)))
        if status.rejected:
            parts.append(self.tr("Rejected: {count}").format(count=self._locale.toString(status.rejected)))
        if status.conflicts:
            parts.append(self.tr("Conflicts: {count}").format(count=self._locale.toString(status.conflicts)))
        text = " · ".join(parts)
        self.setText(text)
        self.setIcon(_dot(_COLOURS.get(status.state, _PROBLEM)))
        tooltip = text if not status.message else f"{text}\n{status.message}"
        self.setToolTip(tooltip + "\n" + self.tr("Click to see the changes not yet settled."))
        self.setAccessibleName(self.tr("Sync status"))
        self.setAccessibleDescription(tooltip)

    def _last_sync_text(self, when: datetime | None) -> str:
        if when is None:
            return self.tr("Not synced yet")
        local = when.astimezone()
        today = datetime.now().astimezone().date()
        if local.date() == today:
            shown = self._locale.toString(local.time(), QLocale.FormatType.ShortFormat)
        else:
            shown = self._locale.toString(local, QLocale.FormatType.ShortFormat)
        return self.tr("Last sync {time}").format(time=shown)
