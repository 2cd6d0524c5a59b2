"""Updates in the background: check at start and daily, download with progress, install when allowed.

    updates = UpdateOps(updater, client_for=lambda: ReleaseClient(settings.server_url), executors=...)
    updates.readyChanged.connect(...)   # the UI shows the state (desktop/ui/shell/update_bar.py)
    updates.start()                     # a check now, then one a day

The network work runs on the network worker; signals come back on the UI thread. Whether a verified
update may be installed is `decide_install` (desktop/update/updater.py): never while changes are queued.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.ops.background import Executors, Op
from desktop.update import (
    InstallDecision,
    ReleaseClient,
    StagedUpdate,
    Updater,
    UpdateRefused,
    UpdateUnavailable,
    decide_install,
)
from shared.releases import DesktopRelease

log = logging.getLogger(__name__)

DAY_MS = 24 * 60 * 60 * 1000


class UpdatePhase(StrEnum):
    IDLE = "idle"  # nothing newer (or not checked yet)
    AVAILABLE = "available"  # newer, but this installation cannot install it itself (run from source)
    DOWNLOADING = "downloading"
    READY = "ready"  # downloaded and verified; waiting for the user or for the queue
    INSTALLING = "installing"
    REFUSED = "refused"  # tampered, wrongly signed or a downgrade: nothing was installed


@dataclass(frozen=True)
class UpdateState:
    phase: UpdatePhase = UpdatePhase.IDLE
    release: DesktopRelease | None = None
    required: bool = False  # this installation is older than the server still supports
    received: int = 0
    total: int = 0
    message: str = ""


class UpdateOps(QObject):
    """Signals: `changed(UpdateState)`; `installed()` after a successful install (restart WardDesk)."""

    changed = Signal(object)
    installed = Signal()
    _progress = Signal(int, int)  # from the network worker to the UI thread

    def __init__(
        self,
        updater: Updater,
        *,
        client_for: Callable[[], ReleaseClient],
        executors: Executors,
        interval_ms: int = DAY_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._updater = updater
        self._client_for = client_for
        self._executors = executors
        self.state = UpdateState()
        self.staged: StagedUpdate | None = None
        self._busy = False
        self._client: ReleaseClient | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._progress.connect(self._downloading)

    def start(self) -> None:
        """Check now, then once every interval (a day)."""
        self._timer.start()
        self.check()

    def stop(self) -> None:
        """No more checks; a download in progress ends at its next chunk (quitting never waits for it)."""
        self._timer.stop()
        if self._client is not None:
            self._client.cancel()

    def check(self) -> None:
        """Look for a newer release and, when this installation can install it, download and verify it."""
        if self._busy or self.state.phase in (UpdatePhase.READY, UpdatePhase.INSTALLING):
            return
        self._busy = True
        updater, client = self._updater, self._client_for()
        self._client = client

        def work() -> tuple[DesktopRelease | None, StagedUpdate | None]:
            release = updater.check(client)
            if release is None or not updater.installation.can_install_updates:
                return release, None
            return release, updater.download(client, release, progress=self._progress.emit)

        Op(self, work).success(self._checked).failure(self._failed).run_on(self._executors.network)

    def decision(self, *, queued_changes: int, update_required: bool = False) -> InstallDecision | None:
        """What may happen to the ready update now (None: nothing is ready)."""
        if self.staged is None:
            return None
        # Only a server that refuses to sync lets the update pass a non-empty queue (the queue cannot
        # empty then); an installation merely below `min_supported_version` still syncs first.
        return decide_install(queued_changes=queued_changes, at_start=False, update_required=update_required)

    def install(self, *, queued_changes: int, update_required: bool = False) -> bool:
        """Install the ready update if `decision` allows asking and the user has agreed (the caller asked).
        Returns False, doing nothing, while changes are queued."""
        if (
            self.decision(queued_changes=queued_changes, update_required=update_required)
            is not InstallDecision.ASK
        ):
            return False
        staged, updater = self.staged, self._updater
        assert staged is not None
        self._set(UpdateState(UpdatePhase.INSTALLING, staged.release, self.state.required))
        Op(self, lambda: updater.install(staged)).success(self._install_finished).failure(
            self._failed
        ).run_on(self._executors.network)
        return True

    # -- answers, on the UI thread

    def _downloading(self, received: int, total: int) -> None:
        self._set(
            UpdateState(UpdatePhase.DOWNLOADING, self.state.release, self.state.required, received, total)
        )

    def _checked(self, result: tuple[DesktopRelease | None, StagedUpdate | None]) -> None:
        self._busy = False
        release, staged = result
        if release is None:
            self._set(UpdateState())
            return
        required = self._updater.required(release)
        if staged is None:
            self._set(UpdateState(UpdatePhase.AVAILABLE, release, required))
            return
        self.staged = staged
        self._set(UpdateState(UpdatePhase.READY, release, required, release.size, release.size))

    def _install_finished(self, ok: bool) -> None:
        if ok:
            self.staged = None
            self.installed.emit()
            return
        self._set(
            UpdateState(
                UpdatePhase.READY if self.staged else UpdatePhase.IDLE,
                self.state.release,
                self.state.required,
                message=self.tr("The update could not be installed; WardDesk keeps running this version."),
            )
        )

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        if isinstance(error, UpdateRefused):
            self.staged = None
            self._set(
                UpdateState(UpdatePhase.REFUSED, self.state.release, self.state.required, message=str(error))
            )
        elif isinstance(error, UpdateUnavailable):
            log.info("update check: %s", error)  # offline or server away: the daily timer tries again
            self._set(UpdateState())
        else:
            log.error("update check failed", exc_info=error)
            self._set(UpdateState())

    def _set(self, state: UpdateState) -> None:
        self.state = state
        self.changed.emit(state)
