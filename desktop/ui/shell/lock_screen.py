"""Shared ward PCs: lock after a period without input, unlock with the same password or switch user.

`IdleWatcher` is an event filter on the QApplication: any key, click, wheel or mouse move restarts its
timer; when the timer runs out it emits `idle`. `LockScreen` hides the user's work behind a password
prompt; the password is checked against the offline verifier on a worker (it is slow by design).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ops.background import Executors, Op

_ACTIVITY = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


class IdleWatcher(QObject):
    """Emits `idle` after `timeout_ms` without user input anywhere in the application."""

    idle = Signal()

    def __init__(self, *, timeout_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(timeout_ms)
        self._timer.timeout.connect(self.idle)
        self._installed = False

    def start(self) -> None:
        app = QApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            self._installed = True
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        app = QApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
            self._installed = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY and self._timer.isActive():
            self._timer.start()  # restart: the person is still there
        return False


class LockScreen(QWidget):
    """Covers the main window while locked. Signals: `unlocked()`, `switchUserRequested()`."""

    unlocked = Signal()
    switchUserRequested = Signal()

    def __init__(
        self,
        *,
        full_name: str,
        username: str,
        check_password: Callable[[str], bool],
        executors: Executors,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._check_password = check_password
        self._executors = executors
        self.setAccessibleName(self.tr("Locked"))

        card = QFrame(self)
        card.setObjectName("lockCard")
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card.setMaximumWidth(440)
        title = QLabel(self.tr("WardDesk is locked"), card)
        title.setObjectName("lockTitle")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        title.setFont(font)
        who = QLabel(
            self.tr("Signed in as {name} ({username}).").format(name=full_name, username=username), card
        )
        who.setWordWrap(True)
        self.password = QLineEdit(card)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(self.tr("Password"))
        self.message = QLabel(card)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #B3261E;")
        self.message.setAccessibleName(self.tr("Unlock message"))
        self.unlock_button = QPushButton(self.tr("Unlock"), card)
        self.unlock_button.setDefault(True)
        self.switch_button = QPushButton(self.tr("Switch user"), card)
        self.switch_button.setAccessibleDescription(self.tr("Sign out and let someone else sign in"))

        form = QFormLayout()
        form.addRow(self.tr("&Password:"), self.password)
        buttons = QHBoxLayout()
        buttons.addWidget(self.switch_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(24, 24, 24, 24)
        card_layout.setSpacing(12)
        card_layout.addWidget(title)
        card_layout.addWidget(who)
        card_layout.addLayout(form)
        card_layout.addWidget(self.message)
        card_layout.addLayout(buttons)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)

        self.unlock_button.clicked.connect(self.try_unlock)
        self.password.returnPressed.connect(self.try_unlock)
        self.switch_button.clicked.connect(self.switchUserRequested)

    def reset(self) -> None:
        self.password.clear()
        self.message.clear()
        self.unlock_button.setEnabled(True)
        self.password.setFocus()

    def try_unlock(self) -> None:
        password = self.password.text()
        if not password:
            self.message.setText(self.tr("Enter your password to unlock."))
            return
        self.unlock_button.setEnabled(False)
        check = self._check_password
        Op(self, lambda: check(password)).success(self._checked).run_on(
            self._executors.network, executors=self._executors
        )

    def _checked(self, matches: bool) -> None:
        self.unlock_button.setEnabled(True)
        if matches:
            self.password.clear()
            self.message.clear()
            self.unlocked.emit()
        else:
            self.password.selectAll()
            self.message.setText(self.tr("That is not your password. Try again, or switch user."))
