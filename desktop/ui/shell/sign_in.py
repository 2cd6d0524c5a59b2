"""The sign-in window: server address, user name, password. Signing in runs on a worker.

It also says, before anyone types a password, when this computer has no keyring service: then the user
stays signed in only while WardDesk is open.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ops.background import Executors, Op
from desktop.ops.session import DesktopSession, SignInFailed

SignInAttempt = Callable[[str, str, str], DesktopSession]  # (server_url, username, password)

_ERROR_STYLE = "color: #B3261E;"
_NOTICE_STYLE = (
    "background: #FFF4E5; color: #5C3B00; border: 1px solid #F0C27B; border-radius: 4px; padding: 8px;"
)


class SignInWindow(QWidget):
    """Emits `signedIn(DesktopSession)` after a successful online or offline sign-in."""

    signedIn = Signal(object)

    def __init__(
        self,
        *,
        attempt: SignInAttempt,
        executors: Executors,
        server_url: str,
        username: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._attempt = attempt
        self._executors = executors
        self.setWindowTitle(self.tr("WardDesk: sign in"))
        self.setAccessibleName(self.tr("Sign in to WardDesk"))

        title = QLabel(self.tr("WardDesk"), self)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 2)
        font.setBold(True)
        title.setFont(font)
        subtitle = QLabel(self.tr("Sign in with your hospital account."), self)

        self.server = QLineEdit(server_url, self)
        self.server.setAccessibleName(self.tr("Server address"))
        self.server.setPlaceholderText("https://warddesk.hospital.example")
        self.username = QLineEdit(username, self)
        self.username.setAccessibleName(self.tr("User name"))
        self.username.setMaxLength(150)
        self.password = QLineEdit(self)
        self.password.setAccessibleName(self.tr("Password"))
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setMaxLength(200)

        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName(self.tr("Sign-in message"))
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        self.keyring_notice = QLabel(self)
        self.keyring_notice.setWordWrap(True)
        self.keyring_notice.setStyleSheet(_NOTICE_STYLE)
        self.keyring_notice.setContentsMargins(10, 8, 10, 8)
        self.keyring_notice.setAccessibleName(self.tr("Keyring notice"))
        self.keyring_notice.hide()
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)  # busy: no known end
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(6)
        self.busy.setAccessibleName(self.tr("Signing in"))
        self.busy.hide()
        self.sign_in_button = QPushButton(self.tr("&Sign in"), self)
        self.sign_in_button.setDefault(True)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.tr("Ser&ver:"), self.server)
        form.addRow(self.tr("&User name:"), self.username)
        form.addRow(self.tr("&Password:"), self.password)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.sign_in_button)

        card = QFrame(self)
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(32, 28, 32, 28)
        card_layout.setSpacing(12)
        card_layout.addWidget(title)
        card_layout.addWidget(subtitle)
        card_layout.addSpacing(8)
        card_layout.addLayout(form)
        card_layout.addWidget(self.busy)
        card_layout.addWidget(self.message)
        card_layout.addWidget(self.keyring_notice)
        card_layout.addLayout(buttons)
        card.setMinimumWidth(480)
        card.setMaximumWidth(560)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(1)
        self.resize(560, 440)

        self.sign_in_button.clicked.connect(self.submit)
        for field in (self.server, self.username, self.password):
            field.returnPressed.connect(self.submit)
        (self.password if username else self.username).setFocus()

    def show_keyring_state(self, available: bool) -> None:
        """Tell the user, before they sign in, that their session will not survive closing the app."""
        self.keyring_notice.setVisible(not available)
        if not available:
            self.keyring_notice.setText(
                self.tr(
                    "This computer has no keyring service to keep your sign-in safely, so you will stay "
                    "signed in only while WardDesk is open. Nothing secret is written to disk."
                )
            )

    def fill(self, *, username: str, password: str) -> None:
        self.username.setText(username)
        self.password.setText(password)

    def submit(self) -> None:
        """Start signing in with what the form holds (ignored while an attempt is running)."""
        if self.busy.isVisible():
            return
        server, username, password = (
            self.server.text().strip(),
            self.username.text().strip(),
            self.password.text(),
        )
        if not server or "://" not in server:
            self._fail(self.tr("Enter the server address, for example https://warddesk.hospital.example."))
            self.server.setFocus()
            return
        if not username or not password:
            self._fail(self.tr("Enter your user name and password."))
            (self.username if not username else self.password).setFocus()
            return
        self._set_busy(True)
        self.message.hide()
        attempt = self._attempt
        Op(self, lambda: attempt(server, username, password)).success(self._succeeded).failure(
            self._failed
        ).run_on(self._executors.network, executors=self._executors)

    def _succeeded(self, session: DesktopSession) -> None:
        self._set_busy(False)
        self.password.clear()
        self.signedIn.emit(session)

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if not isinstance(error, SignInFailed):
            self._executors.on_unhandled(error)
            self._fail(self.tr("Signing in failed unexpectedly. Try again; if it keeps failing, call IT."))
            return
        self._fail(str(error))
        self.password.selectAll()
        self.password.setFocus()

    def _fail(self, text: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(_ERROR_STYLE)
        self.message.show()

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        for widget in (self.server, self.username, self.password, self.sign_in_button):
            widget.setEnabled(not busy)
