"""The update's place in the main window's status bar: download progress, then "Install update…".

The install button is offered only when nothing is queued (or the server already refuses this version);
otherwise the text says the update waits for the queued changes, or the next start. Installing asks
first: WardDesk restarts.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QWidget,
)

from desktop.ops.session import SyncRunner
from desktop.ops.update import UpdateOps, UpdatePhase, UpdateState
from desktop.sync import Connection, SyncStatus
from desktop.update import InstallDecision


class UpdateStatus(QWidget):
    def __init__(
        self,
        updates: UpdateOps,
        *,
        queued_changes: Callable[[], int],
        update_required: Callable[[], bool] = lambda: False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._updates = updates
        self._queued = queued_changes
        self._update_required = update_required
        self.label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setMaximumWidth(140)
        self.bar.setTextVisible(False)
        self.bar.setAccessibleName(self.tr("Update download"))
        self.install_button = QPushButton(self.tr("Install update…"), self)
        self.install_button.clicked.connect(self.confirm_install)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.install_button)
        updates.changed.connect(self.show_state)
        self.show_state(updates.state)

    def refresh(self) -> None:
        """Look again (the queue may have emptied)."""
        self.show_state(self._updates.state)

    def show_state(self, state: UpdateState) -> None:
        version = state.release.version if state.release is not None else ""
        self.bar.setVisible(state.phase is UpdatePhase.DOWNLOADING)
        self.install_button.setVisible(False)
        self.setVisible(state.phase is not UpdatePhase.IDLE)
        if state.phase is UpdatePhase.DOWNLOADING:
            self.bar.setRange(0, max(state.total, 1))
            self.bar.setValue(state.received)
            self.label.setText(self.tr("Downloading WardDesk {version}…").format(version=version))
        elif state.phase is UpdatePhase.AVAILABLE:
            self.label.setText(
                self.tr("WardDesk {version} is available: ask IT to install it.").format(version=version)
            )
        elif state.phase is UpdatePhase.INSTALLING:
            self.label.setText(self.tr("Installing WardDesk {version}…").format(version=version))
        elif state.phase is UpdatePhase.REFUSED:
            self.label.setText(self.tr("Update refused: {reason}").format(reason=state.message))
        elif state.phase is UpdatePhase.READY:
            decision = self._updates.decision(
                queued_changes=self._queued(), update_required=self._update_required()
            )
            if decision is InstallDecision.ASK and (state.required or self._update_required()):
                self.label.setText(
                    self.tr(
                        "WardDesk {version} is required: this version is no longer supported. Your changes "
                        "are kept and sent after the update."
                    ).format(version=version)
                )
                self.install_button.setVisible(True)
            elif decision is InstallDecision.ASK:
                self.label.setText(self.tr("WardDesk {version} is ready.").format(version=version))
                self.install_button.setVisible(True)
            else:
                self.label.setText(
                    self.tr(
                        "WardDesk {version} is ready; it installs once your changes are sent, "
                        "or at the next start."
                    ).format(version=version)
                )
        self.setToolTip(state.message)

    def confirm_install(self) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Install the update"))
        box.setText(
            self.tr("Install the update now? WardDesk closes and starts again; nothing you saved is lost.")
        )
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.accepted.connect(self.install)
        box.finished.connect(box.deleteLater)
        box.open()

    def install(self) -> None:
        self._updates.install(queued_changes=self._queued(), update_required=self._update_required())


def attach_update_status(window: QMainWindow, *, runner: SyncRunner, updates: UpdateOps) -> UpdateStatus:
    """Put the update's status in `window`'s status bar; it follows the queue through `runner`."""
    status = UpdateStatus(
        updates,
        queued_changes=lambda: runner.status.queued,
        update_required=lambda: runner.status.state is Connection.UPDATE_REQUIRED,
        parent=window,
    )
    window.statusBar().addPermanentWidget(status)

    def sync_reported(sync: SyncStatus) -> None:
        if sync.state is Connection.UPDATE_REQUIRED and updates.state.phase is UpdatePhase.IDLE:
            updates.check()  # the server refuses this version: look for the update now, not tomorrow
        status.refresh()

    runner.statusChanged.connect(sync_reported)
    return status
