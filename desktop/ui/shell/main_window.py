"""The main window: the role's screens on the left, banners on top, the sync status at the bottom.

It never touches storage or the network itself: screens get a DesktopContext and work through Ops; the
sync runs on its own thread and reports through `SyncRunner` signals. Locking hides everything behind
the lock screen; signing out and quitting are the flow's business (signals).
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QLocale, Qt, QTime, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.ops.background import Op
from desktop.ops.session import DesktopContext, DesktopSession, password_matches
from desktop.settings import DesktopSettings
from desktop.sync import Connection, PullProgress, SyncStatus
from desktop.ui.notify import TrayNotifier
from desktop.ui.shell.lock_screen import IdleWatcher, LockScreen
from desktop.ui.shell.notification_centre import NotificationBell, NotificationCentre
from desktop.ui.shell.screens import Screen, role_label, screens_for
from desktop.ui.shell.session_banner import SignInAgainBanner
from desktop.ui.shell.status_bar import SyncStatusButton
from desktop.ui.shell.sync_list import SyncListDialog

_OFFLINE_STYLE = "background: #FFF4E5; color: #5C3B00; border-bottom: 1px solid #F0C27B; padding: 8px 12px;"
_INFO_STYLE = "background: #EAF2FB; color: #173A63; border-bottom: 1px solid #B8D2F0; padding: 8px 12px;"


def _banner(style: str, parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setStyleSheet(style)
    label.hide()
    return label


class InitialSyncBanner(QFrame):
    """While the cache fills for the first time: rows so far and, when the server counted the snapshot,
    rows to come and the time left (a determinate bar); otherwise the rate and the time spent (a busy bar).
    """

    def __init__(self, parent: QWidget | None = None, *, locale: QLocale | None = None) -> None:
        super().__init__(parent)
        self._locale = locale if locale is not None else QLocale()
        self._started: float | None = None
        self._rows_at_start = 0
        self.setStyleSheet(_INFO_STYLE)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)  # until the server says how many rows there are: a busy bar
        self.bar.setTextVisible(False)
        self.bar.setMaximumWidth(240)
        self.bar.setAccessibleName(self.tr("Initial sync progress"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.bar)
        self.hide()

    def show_progress(self, progress: PullProgress, *, now: float | None = None) -> None:
        """Show a committed page's progress (`now`: monotonic seconds, for tests); hide when done."""
        if not progress.initial:
            return
        if not progress.has_more:
            self.hide()
            return
        now = time.monotonic() if now is None else now
        if self._started is None:
            self._started, self._rows_at_start = now, progress.rows
        elapsed = max(now - self._started, 0.001)
        total = progress.total_estimate
        if total:
            self.label.setText(self._with_estimate(progress.rows, total, now=now))
            self.bar.setRange(0, total)
            # The count is an estimate made when the snapshot started: never past the end.
            self.bar.setValue(min(progress.rows, total))
        else:
            self.bar.setRange(0, 0)
            self.label.setText(
                self.tr(
                    "Preparing this computer for offline work: {rows} records downloaded so far "
                    "({rate} a second, {elapsed} s). You can keep working meanwhile."
                ).format(
                    rows=self._locale.toString(progress.rows),
                    rate=self._locale.toString(int(progress.rows / elapsed)),
                    elapsed=self._locale.toString(int(elapsed)),
                )
            )
        self.bar.setAccessibleDescription(self.label.text())
        self.show()

    def _with_estimate(self, rows: int, total: int, *, now: float) -> str:
        done = min(rows, total)
        numbers = {"done": self._locale.toString(done), "total": self._locale.toString(total)}
        assert self._started is not None
        # The rate since the first page we saw: that page's rows arrived before the clock started.
        spent = now - self._started
        rate = (rows - self._rows_at_start) / spent if spent > 0 else 0.0
        if rate <= 0:
            return self.tr(
                "Preparing this computer for offline work: {done} of {total} records. "
                "You can keep working meanwhile."
            ).format(**numbers)
        return self.tr(
            "Preparing this computer for offline work: {done} of {total} records · about {left} left. "
            "You can keep working meanwhile."
        ).format(left=self._duration((total - done) / rate), **numbers)

    def _duration(self, seconds: float) -> str:
        """Seconds under a minute, whole minutes (rounded up) beyond."""
        if seconds < 60:
            return self.tr("{seconds} s").format(seconds=self._locale.toString(max(math.ceil(seconds), 1)))
        return self.tr("{minutes} min").format(minutes=self._locale.toString(math.ceil(seconds / 60)))


class MainWindow(QMainWindow):
    """Signals: `signOutRequested()`, `switchUserRequested()`, `quitRequested()`."""

    signOutRequested = Signal()
    signInAgainRequested = Signal(str)  # the password, after the server ended the session
    switchUserRequested = Signal()
    quitRequested = Signal()

    def __init__(
        self,
        context: DesktopContext,
        *,
        session: DesktopSession,
        screens: Sequence[Screen],
        settings: DesktopSettings,
        idle_lock_ms: int | None = None,
    ) -> None:
        super().__init__()
        self._context = context
        self._settings = settings
        self._leaving = False  # closing for a sign-out, not a quit
        self._sync_list: SyncListDialog | None = None
        user = context.user
        self.setWindowTitle(self.tr("WardDesk · {name}").format(name=user.full_name))

        # -- banners
        workspace = QWidget(self)
        self.offline_banner = _banner(_OFFLINE_STYLE, workspace)
        self.offline_banner.setAccessibleName(self.tr("Working offline"))
        self.keyring_banner = _banner(_INFO_STYLE, workspace)
        self.keyring_banner.setAccessibleName(self.tr("Keyring notice"))
        self.initial_sync = InitialSyncBanner(workspace)
        self.sign_in_again = SignInAgainBanner(username=user.username, parent=workspace)
        self.sign_in_again.passwordEntered.connect(self.signInAgainRequested)
        self._was_online = not session.offline
        if session.offline:
            self.offline_banner.setText(
                self.tr(
                    "Working offline: {reason} You are working from what this computer saved at the last "
                    "sync. Your changes are kept and sent when the server is back."
                ).format(reason=session.offline_reason or "")
            )
            self.offline_banner.show()
        if not session.keyring_available:
            self.keyring_banner.setText(
                self.tr(
                    "This computer has no keyring service: you stay signed in only while WardDesk is open."
                )
            )
            self.keyring_banner.show()

        # -- navigation and screens
        self.navigation = QListWidget(workspace)
        self.navigation.setAccessibleName(self.tr("Screens"))
        self.navigation.setFixedWidth(200)
        self.screens = QStackedWidget(workspace)
        self.screen_widgets: dict[str, QWidget] = {}  # the screens built so far
        self._allowed = screens_for(user.role, screens)
        self.screen_keys = [screen.key for screen in self._allowed]
        for screen in self._allowed:
            # A screen is built the first time it is shown: the first one paints sooner at start.
            self.screens.addWidget(QWidget(self.screens))
            item = QListWidgetItem(screen.title, self.navigation)
            item.setData(Qt.ItemDataRole.UserRole, screen.key)
        if not self._allowed:
            empty = QLabel(
                self.tr("There is nothing for the {role} role in this version of WardDesk yet.").format(
                    role=role_label(user.role)
                ),
                self.screens,
            )
            empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
            empty.setWordWrap(True)
            self.screens.addWidget(empty)
        self.navigation.currentRowChanged.connect(self.show_screen)
        self.navigation.setCurrentRow(0)
        self.navigation.setVisible(len(self._allowed) > 1)

        # -- the notification centre: a bell with the unread count, a panel on the right
        self.notification_centre = NotificationCentre(context, parent=workspace)
        self.notification_centre.hide()
        self.bell = NotificationBell(self)
        self.bell.toggled.connect(self.show_notifications)
        self.notification_centre.unreadChanged.connect(self.bell.set_unread)
        self.notification_centre.openRequested.connect(self.open_record)
        self.notification_centre.closeRequested.connect(lambda: self.show_notifications(False))

        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        body.addWidget(self.navigation)
        body.addWidget(self.screens, 1)
        body.addWidget(self.notification_centre)
        column = QVBoxLayout(workspace)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.sign_in_again)
        column.addWidget(self.offline_banner)
        column.addWidget(self.keyring_banner)
        column.addWidget(self.initial_sync)
        column.addLayout(body, 1)

        # -- lock
        self.lock_screen = LockScreen(
            full_name=user.full_name,
            username=user.username,
            check_password=lambda password: password_matches(
                server_url=session.server_url,
                username=user.username,
                password=password,
                data_dir=session.data_dir,
            ),
            executors=context.executors,
            parent=self,
        )
        self.pages = QStackedWidget(self)
        self.pages.addWidget(workspace)
        self.pages.addWidget(self.lock_screen)
        self.setCentralWidget(self.pages)
        self._workspace = workspace
        self.lock_screen.unlocked.connect(self.unlock)
        self.lock_screen.switchUserRequested.connect(self.switchUserRequested)
        minutes = settings.idle_lock_minutes
        self.idle = IdleWatcher(timeout_ms=idle_lock_ms or minutes * 60_000, parent=self)
        self.idle.idle.connect(self.lock)

        # -- status bar
        who = QLabel(self.tr("{name} · {role}").format(name=user.full_name, role=role_label(user.role)), self)
        who.setAccessibleName(self.tr("Signed-in user"))
        self.statusBar().addWidget(who)
        self.sync_status = SyncStatusButton(self)
        self.statusBar().addPermanentWidget(self.sync_status)
        self.sync_status.clicked.connect(self.open_sync_list)
        context.sync.statusChanged.connect(self._sync_reported)
        context.sync.progressed.connect(self._sync_progressed)
        self.sync_status.show_status(context.sync.status)

        # -- tray: changes to my tickets and bookings, also those that arrived while I was away
        self.notifier = TrayNotifier(context, parent=self)
        self.notifier.openRequested.connect(self.open_record)
        self.notifier.markedRead.connect(lambda _count: self.notification_centre.refresh())

        # -- menu
        menu = self.menuBar().addMenu(self.tr("&Session"))
        self.lock_action = QAction(
            self.tr("&Lock"), self, shortcut=QKeySequence("Ctrl+L"), triggered=self.lock
        )
        switch = QAction(self.tr("S&witch user"), self, triggered=self.switchUserRequested)
        sign_out = QAction(self.tr("Sign &out"), self, triggered=self.request_sign_out)
        quit_action = QAction(
            self.tr("&Quit"), self, shortcut=QKeySequence.StandardKey.Quit, triggered=self.close
        )
        menu.addActions([self.lock_action, switch, sign_out])
        menu.addSeparator()
        menu.addAction(quit_action)
        view = self.menuBar().addMenu(self.tr("&View"))
        self.notifications_action = QAction(
            self.tr("&Notifications"),
            self,
            shortcut=QKeySequence("Ctrl+Shift+N"),
            triggered=lambda: self.show_notifications(not self.notification_centre.isVisible()),
        )
        view.addAction(self.notifications_action)
        if len(self._allowed) > 1:
            view.addSeparator()
            for row, screen in enumerate(self._allowed[:9]):
                go = QAction(screen.title, self, shortcut=QKeySequence(f"Ctrl+{row + 1}"))
                go.triggered.connect(lambda _checked=False, row=row: self._go_to(row))
                view.addAction(go)
        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        self.shortcuts_action = QAction(
            self.tr("&Keyboard shortcuts"), self, shortcut=QKeySequence("F1"), triggered=self.show_shortcuts
        )
        help_menu.addAction(self.shortcuts_action)
        self.shortcuts_dialog: QMessageBox | None = None
        corner = QWidget(self)
        corner_layout = QHBoxLayout(corner)
        corner_layout.setContentsMargins(0, 0, 0, 0)
        self.patient_search = QLineEdit(corner)
        self.patient_search.setPlaceholderText(self.tr("Find a patient (Ctrl+F)"))
        self.patient_search.setAccessibleName(self.tr("Find a patient"))
        self.patient_search.setClearButtonEnabled(True)
        self.patient_search.setFixedWidth(240)
        self.patient_search.returnPressed.connect(self.find_patient)
        self.patient_search.setVisible("patients" in self.screen_keys)
        QShortcut(QKeySequence.StandardKey.Find, self, activated=self.patient_search.setFocus)
        corner_layout.addWidget(self.patient_search)
        corner_layout.addWidget(self.bell)
        self.menuBar().setCornerWidget(corner, Qt.Corner.TopRightCorner)
        self.sign_out_warning: QMessageBox | None = None

        geometry = settings.window_geometry
        if geometry.isEmpty() or not self.restoreGeometry(geometry):
            self.resize(1280, 820)

    def show_screen(self, row: int) -> QWidget | None:
        """Show the screen at `row` of the navigation, building it the first time."""
        if not 0 <= row < len(self._allowed):
            return None
        screen = self._allowed[row]
        widget = self.screen_widgets.get(screen.key)
        if widget is None:
            placeholder = self.screens.widget(row)
            widget = screen.factory(self._context, self.screens)
            widget.setAccessibleName(screen.title)
            if hasattr(widget, "patientRequested"):  # the calendar and the tickets open a patient's screen
                widget.patientRequested.connect(lambda patient_id: self.open_record("patient", patient_id))
            self.screen_widgets[screen.key] = widget
            self.screens.insertWidget(row, widget)
            self.screens.removeWidget(placeholder)
            placeholder.deleteLater()
        self.screens.setCurrentIndex(row)
        if self.navigation.currentRow() != row:
            self.navigation.setCurrentRow(row)
        return widget

    def open_record(self, entity: str, record_id: object) -> None:
        """Show the screen a notification is about, opened on its record."""
        targets = {
            "ticket": ("tickets", "select_ticket"),
            "appointment": ("calendar", "open_appointment"),
            "patient": ("patients", "open_patient"),
        }
        if entity not in targets or not isinstance(record_id, uuid.UUID):
            return
        key, method = targets[entity]
        for row, screen in enumerate(self._allowed):
            if screen.key == key:
                widget = self.show_screen(row)
                if widget is not None and hasattr(widget, method):
                    getattr(widget, method)(record_id)
                self.raise_()
                self.activateWindow()
                return

    def find_patient(self) -> None:
        """The search box's text, searched on the patients screen (a single match opens at once)."""
        if "patients" not in self.screen_keys:
            return
        widget = self.show_screen(self.screen_keys.index("patients"))
        if widget is not None and hasattr(widget, "search"):
            widget.search(self.patient_search.text())
            widget.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _go_to(self, row: int) -> None:
        widget = self.show_screen(row)
        if widget is not None:
            widget.setFocus(Qt.FocusReason.ShortcutFocusReason)
            next_in_chain = widget.nextInFocusChain()
            if not widget.hasFocus() and next_in_chain is not None:
                next_in_chain.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def show_shortcuts(self) -> None:
        """The keyboard shortcuts, as the README lists them."""
        if self.shortcuts_dialog is None:
            box = QMessageBox(self)
            box.setWindowTitle(self.tr("Keyboard shortcuts"))
            box.setIcon(QMessageBox.Icon.Information)
            box.setTextFormat(Qt.TextFormat.RichText)
            rows = [
                ("Tab / Shift+Tab", self.tr("Next / previous control (also out of lists and tables)")),
                (self.tr("Arrow keys"), self.tr("Move within a list, a table or the calendar")),
                ("Enter", self.tr("Open what is selected; in the calendar, book a free time")),
                ("Page Up / Page Down", self.tr("Calendar: previous / next week or day")),
                ("Alt+W / Alt+D", self.tr("Calendar: week view / day view")),
                ("Ctrl+1 … Ctrl+9", self.tr("Go to the first, second… screen")),
                ("Ctrl+Shift+N", self.tr("Open or close the notifications")),
                ("Ctrl+F", self.tr("Find a patient")),
                ("Esc", self.tr("Close a dialog (a ticket being written is kept as a draft)")),
                ("Ctrl+L", self.tr("Lock the workstation")),
                ("Ctrl+Q", self.tr("Quit")),
                ("F1", self.tr("This list")),
            ]
            table = "".join(f"<tr><td><b>{keys}</b></td><td>&nbsp;{what}</td></tr>" for keys, what in rows)
            box.setText(f"<table>{table}</table>")
            box.setAccessibleName(self.tr("Keyboard shortcuts"))
            self.shortcuts_dialog = box
        self.shortcuts_dialog.open()

    def show_notifications(self, shown: bool = True) -> None:
        """Open (keyboard on the newest entry) or close the notification centre."""
        self.notification_centre.setVisible(shown)
        if self.bell.isChecked() != shown:
            self.bell.setChecked(shown)
        if shown:
            self.notification_centre.refresh()
            self.notification_centre.focus_list()

    # -- locking

    @property
    def locked(self) -> bool:
        return self.pages.currentWidget() is self.lock_screen

    def showEvent(self, event: object) -> None:  # type: ignore[override]
        super().showEvent(event)  # type: ignore[arg-type]
        if not self.locked:
            self.idle.start()

    def lock(self) -> None:
        """Hide the user's work until they type their password again (or switch user)."""
        if self._sync_list is not None:
            self._sync_list.close()
        self.idle.stop()
        self.menuBar().setEnabled(False)
        self.pages.setCurrentWidget(self.lock_screen)
        self.lock_screen.reset()

    def unlock(self) -> None:
        self.pages.setCurrentWidget(self._workspace)
        self.menuBar().setEnabled(True)
        self.idle.start()

    # -- sync

    def _sync_reported(self, status: SyncStatus) -> None:
        self.sync_status.show_status(status)
        if status.state is Connection.ONLINE:
            self.offline_banner.hide()  # the server is back: no longer working from the cache alone
            self.initial_sync.hide()
            self._was_online = True
        elif status.state is Connection.SIGN_IN_REQUIRED:
            self.sign_in_again.show_required(queued=status.queued)
        elif status.state in (Connection.OFFLINE, Connection.SERVER_UNAVAILABLE) and self._was_online:
            self._was_online = False
            self._connection_lost(status)
        if self._sync_list is not None and self._sync_list.isVisible():
            self._sync_list.refresh()

    def _connection_lost(self, status: SyncStatus) -> None:
        """Mid-shift, the server went out of reach: say what still works and what does not."""
        now = QTime.currentTime().toString(QLocale().timeFormat(QLocale.FormatType.ShortFormat))
        if status.state is Connection.SERVER_UNAVAILABLE:
            lost = self.tr("The server stopped answering at {time}.").format(time=now)
        else:
            lost = self.tr("The connection to the server was lost at {time}.").format(time=now)
        self.offline_banner.setText(
            lost
            + " "
            + self.tr(
                "Keep working: your changes are saved on this computer and sent when it is back. Changes "
                "others make meanwhile (the pharmacy, the schedulers) reach you only then."
            )
        )
        self.offline_banner.show()

    def signed_in_again(self) -> None:
        """The new session works: syncing resumes (the runner was given the new tokens)."""
        self.sign_in_again.signed_in()

    def sign_in_again_failed(self, text: str) -> None:
        self.sign_in_again.show_failure(text)

    def _sync_progressed(self, progress: PullProgress) -> None:
        self.sync_status.show_progress(progress)
        self.initial_sync.show_progress(progress)

    def open_sync_list(self) -> None:
        """Show the queued, rejected and conflicting changes with their reasons."""
        if self._sync_list is None:
            self._sync_list = SyncListDialog(
                self._context.store, executors=self._context.executors, parent=self
            )
        self._sync_list.refresh()
        self._sync_list.show()
        self._sync_list.raise_()

    # -- leaving

    def request_sign_out(self) -> None:
        """Sign out, after a warning when changes made here have not reached the server yet: they would
        wait on this computer until this person signs in here again, and nobody else would see them."""
        store = self._context.store
        Op(self, store.counts).success(self._counted_for_sign_out).run_on(
            self._context.executors.store, executors=self._context.executors
        )

    def _counted_for_sign_out(self, counts: object) -> None:
        waiting = getattr(counts, "queued", 0)
        if not waiting:
            self.signOutRequested.emit()
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(self.tr("Changes not sent yet"))
        box.setText(
            QCoreApplication.translate(
                "MainWindow", "%n changes made here have not reached the server yet.", None, waiting
            )
        )
        box.setInformativeText(
            self.tr(
                "If you sign out now they stay on this computer and are sent only when you sign in here "
                "again: until then nobody else sees them. Stay signed in until the status bar shows "
                "nothing queued, or sign out anyway."
            )
        )
        stay = box.addButton(self.tr("Stay signed in"), QMessageBox.ButtonRole.RejectRole)
        leave = box.addButton(self.tr("Sign out anyway"), QMessageBox.ButtonRole.DestructiveRole)
        stay.setAccessibleName(self.tr("Stay signed in"))
        leave.setAccessibleName(self.tr("Sign out anyway"))
        box.setDefaultButton(stay)
        box.setEscapeButton(stay)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def chosen(button: object) -> None:
            self.sign_out_warning = None
            if button is leave:
                self.signOutRequested.emit()
            else:
                self._context.sync.wake()  # try again to send them now

        box.buttonClicked.connect(chosen)
        self.sign_out_warning = box
        box.open()

    def close_for_sign_out(self) -> None:
        """Close without asking the app to quit: the sign-in window comes next."""
        self._leaving = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.idle.stop()
        self._settings.window_geometry = self.saveGeometry()
        if self._sync_list is not None:
            self._sync_list.close()
        super().closeEvent(event)
        if not self._leaving:
            self.quitRequested.emit()
