"""The shell's flow: sign-in window -> main window (sync running) -> sign out / switch user -> sign-in.

`ShellFlow` owns the signed-in session and its sync; `desktop/app.py:main()` builds it with the
settings, the keyring vault and the workers, and quits when it emits `finished`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path

import httpx
from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.ops.background import Executors, Op
from desktop.ops.session import (
    DesktopContext,
    DesktopSession,
    SyncRunner,
    TokenVault,
    renew_sign_in,
    sign_in,
    sign_out,
)
from desktop.settings import DesktopSettings
from desktop.sync import SessionTokens
from desktop.ui.shell.main_window import MainWindow
from desktop.ui.shell.screens import Screen, default_screens
from desktop.ui.shell.sign_in import SignInWindow

log = logging.getLogger(__name__)


def show_unhandled(parent: QWidget | None, error: BaseException) -> QMessageBox:
    """A background operation failed in a way nobody expected: say so, never freeze."""
    log.error("unhandled background failure", exc_info=error)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(QCoreApplication.translate("Shell", "WardDesk: something went wrong"))
    box.setText(
        QCoreApplication.translate(
            "Shell",
            "A background task failed. Your saved work is safe; try again, and if this keeps happening "
            "tell IT what you were doing.",
        )
    )
    box.setDetailedText(f"{type(error).__name__}: {error}")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def warm_up() -> None:
    """The screens' modules, imported while the person types (off the UI thread): importing them after
    PySide6 is slow, since its import hook reads each module's source. (Not Alembic: only a new cache
    needs it, and the sign-in opens the cache while the server checks the password.)"""
    import desktop.ui.calendar.screen  # noqa: F401
    import desktop.ui.inbox.screen  # noqa: F401
    import desktop.ui.tickets.screens  # noqa: F401


def _log_failure(done: Future[None]) -> None:
    if not done.cancelled() and done.exception() is not None:
        log.warning("warm-up failed", exc_info=done.exception())


class ShellFlow(QObject):
    """Signals: `finished()` when the user quits; `mainWindowShown(MainWindow)` after each sign-in."""

    finished = Signal()
    mainWindowShown = Signal(object)

    def __init__(
        self,
        *,
        settings: DesktopSettings,
        vault: TokenVault,
        executors: Executors,
        data_dir: Path | None = None,
        server_url: str | None = None,
        screens: Sequence[Screen] | None = None,
        transport: httpx.BaseTransport | None = None,
        idle_lock_ms: int | None = None,
        long_poll_seconds: float = 20.0,
    ) -> None:
        super().__init__()
        self._settings = settings
        self._vault = vault
        self._executors = executors
        self._data_dir = data_dir
        self._server_url = server_url or settings.server_url
        self._screens = list(screens) if screens is not None else default_screens()
        self._transport = transport
        self._idle_lock_ms = idle_lock_ms
        self._long_poll_seconds = long_poll_seconds
        self.sign_in_window: SignInWindow | None = None
        self.main_window: MainWindow | None = None
        self.session: DesktopSession | None = None
        self.runner: SyncRunner | None = None
        self._retired: list[QWidget] = []
        self._warming: Future[None] | None = None
        executors.on_unhandled = lambda error: show_unhandled(self._active_window(), error)

    def _active_window(self) -> QWidget | None:
        return self.main_window if self.main_window is not None else self.sign_in_window

    # -- signing in

    def show_sign_in(self, *, username: str | None = None) -> SignInWindow:
        if self._warming is None:
            self._warming = self._executors.store.submit(warm_up)
            self._warming.add_done_callback(_log_failure)
        window = SignInWindow(
            attempt=self._attempt,
            executors=self._executors,
            server_url=self._server_url,
            username=self._settings.last_username if username is None else username,
        )
        window.signedIn.connect(self._signed_in)
        window.server.setReadOnly(self._settings.locked("server_url"))  # IT locked the address
        self.sign_in_window = window
        vault = self._vault
        Op(window, lambda: vault.available).success(window.show_keyring_state).run_on(
            self._executors.network, executors=self._executors
        )
        window.show()
        return window

    def _attempt(self, server_url: str, username: str, password: str) -> DesktopSession:
        return sign_in(
            server_url=server_url,
            username=username,
            password=password,
            vault=self._vault,
            data_dir=self._data_dir,
            transport=self._transport,
        )

    def _signed_in(self, session: DesktopSession) -> None:
        self._server_url = session.server_url
        self._settings.server_url = session.server_url
        self._settings.last_username = session.user.username
        self.session = session
        self.runner = SyncRunner(
            session,
            executors=self._executors,
            transport=self._transport,
            long_poll_seconds=self._long_poll_seconds,
            parent=self,
        )
        context = DesktopContext(
            store=session.store,
            executors=self._executors,
            sync=self.runner,
            user=session.user,
            server_url=session.server_url,
            offline=session.offline,
        )
        window = MainWindow(
            context,
            session=session,
            screens=self._screens,
            settings=self._settings,
            idle_lock_ms=self._idle_lock_ms,
        )
        window.signOutRequested.connect(lambda: self.sign_out(switch_user=False))
        window.signInAgainRequested.connect(self._sign_in_again)
        window.switchUserRequested.connect(lambda: self.sign_out(switch_user=True))
        window.quitRequested.connect(self.quit)
        self.main_window = window
        window.show()
        self.mainWindowShown.emit(window)
        self.runner.start()
        if self.sign_in_window is not None:
            self.sign_in_window.close()
            self._retire(self.sign_in_window)
            self.sign_in_window = None

    def _sign_in_again(self, password: str) -> None:
        """The server ended the session: sign the same person in again and resume syncing in place."""
        session, runner, window = self.session, self.runner, self.main_window
        if session is None or runner is None or window is None:
            return
        vault, transport = self._vault, self._transport

        def renewed(tokens: SessionTokens) -> None:
            if self.runner is runner:
                runner.resume(tokens)
                window.signed_in_again()

        Op(
            window, lambda: renew_sign_in(session, password=password, vault=vault, transport=transport)
        ).success(renewed).failure(lambda error: window.sign_in_again_failed(str(error))).run_on(
            self._executors.network, executors=self._executors
        )

    def _retire(self, widget: QWidget) -> None:
        """Delete a window later. We are usually inside one of its children's signals: dropping the last
        Python reference now would delete it under their feet, so the reference is kept for a moment."""
        self._retired.append(widget)
        widget.deleteLater()
        QTimer.singleShot(0, self._retired.clear)

    # -- leaving

    def sign_out(self, *, switch_user: bool) -> None:
        """End this user's session (server, keyring, cache), then show the sign-in window.

        Switching user leaves the user name empty; a plain sign-out keeps it for the same person.
        """
        session, runner, window = self.session, self.runner, self.main_window
        if session is None or runner is None or window is None:
            return
        self.session = self.runner = self.main_window = None
        next_window = self.show_sign_in(username="" if switch_user else session.user.username)
        window.close_for_sign_out()
        self._retire(window)
        vault, transport = self._vault, self._transport
        runner.setParent(None)  # it outlives this flow if the app quits while the sign-out finishes

        def leave() -> None:
            runner.stop()
            sign_out(session, vault=vault, transport=transport)

        Op(next_window, leave).success(lambda _: runner.deleteLater()).run_on(
            self._executors.network, executors=self._executors
        )

    def quit(self) -> None:
        """Stop syncing and close the cache (the keyring keeps the token for the next start)."""
        if self.runner is not None:
            self.runner.stop()
            self.runner = None
        if self.session is not None:
            self.session.close()
            self.session = None
        if self.main_window is not None:
            self._retire(self.main_window)
            self.main_window = None
        self.finished.emit()
