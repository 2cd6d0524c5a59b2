"""The banner that asks the same person to sign in again, in place, when the server ended the session.

The session can end on the server (an admin revoked it, the account changed, it expired) while the
window is open. Syncing stops then, but the work does not: the cache and its queued changes stay, and
typing the password here resumes the sync with a new session; nothing is lost and no screen closes.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

_STYLE = "SignInAgainBanner { background: #FDECEC; border-bottom: 1px solid #E8A3A3; }"


class SignInAgainBanner(QFrame):
    """Signals: `passwordEntered(password)` when the person asks to sign in again."""

    passwordEntered = Signal(str)

    def __init__(self, *, username: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(_STYLE)
        self.setAccessibleName(self.tr("Sign in again"))
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setStyleSheet("color: #6B1111;")
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("Password of {username}").format(username=username))
        self.password.setAccessibleName(self.tr("Password, to sign in again"))
        self.password.setMaximumWidth(260)
        self.password.returnPressed.connect(self.submit)
        self.button = QPushButton(self.tr("Sign in again"), self)
        self.button.setAccessibleName(self.tr("Sign in again and resume syncing"))
        self.button.clicked.connect(self.submit)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #A4161A;")
        self.message.hide()
        row = QHBoxLayout()
        row.addWidget(self.password)
        row.addWidget(self.button)
        row.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(12, 8, 12, 8)
        column.addWidget(self.label)
        column.addLayout(row)
        column.addWidget(self.message)
        self.hide()

    def show_required(self, *, queued: int) -> None:
        """The server asks for a new sign-in: say so, and what happens to the queued changes."""
        text = self.tr(
            "The server ended your session (it was signed out elsewhere, revoked or expired), so nothing "
            "is being sent or received. Type your password to sign in again; you keep working meanwhile."
        )
        if queued:
            text += " " + QCoreApplication.translate(
                "SignInAgainBanner", "%n changes made here are kept and will be sent then.", None, queued
            )
        self.label.setText(text)
        if not self.isVisible():
            self.message.hide()
            self.password.clear()
        self.setEnabled(True)
        self.show()

    def submit(self) -> None:
        password = self.password.text()
        if not password:
            self.show_failure(self.tr("Type your password."))
            return
        self.message.hide()
        self.button.setEnabled(False)
        self.password.setEnabled(False)
        self.passwordEntered.emit(password)

    def show_failure(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
        self.button.setEnabled(True)
        self.password.setEnabled(True)
        self.password.selectAll()
        self.password.setFocus(Qt.FocusReason.OtherFocusReason)

    def signed_in(self) -> None:
        self.password.clear()
        self.button.setEnabled(True)
        self.password.setEnabled(True)
        self.hide()
