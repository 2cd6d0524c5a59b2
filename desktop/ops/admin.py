"""The admin screen's use cases: load sync health and the dead letters, inspect one, replay or discard it.

All of it needs the server (nothing here is cached): each request runs on the network worker through the
signed-in session's SyncClient, and every failure comes back as an `AdminProblem` the screen shows (no
server, the server busy, a refusal, an answer this desktop cannot read), never as an exception.
"""

from __future__ import annotations

import enum
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from PySide6.QtCore import QObject, Signal

from desktop.ops.background import Executors, Op
from desktop.sync.admin import (
    AdminClient,
    DeadLetter,
    DeadLetterOutcome,
    JsonRequests,
    SyncHealth,
    WorkstationHealth,
)
from desktop.sync.client import Offline, RequestRefused, ServerUnavailable, SignInRequired, SyncError

log = logging.getLogger(__name__)

# A workstation that has not synced for this long is shown as stale: switched off, unplugged, or stuck.
STALE_AFTER = timedelta(hours=24)


def is_stale(workstation: WorkstationHealth, *, now: datetime, after: timedelta = STALE_AFTER) -> bool:
    return workstation.last_sync is None or now - workstation.last_sync > after


class Problem(enum.StrEnum):
    OFFLINE = "offline"  # the server cannot be reached: the screen says it needs the server
    UNAVAILABLE = "unavailable"  # 5xx / 429 after retries, or the broker is down (503)
    SIGN_IN = "sign_in"
    REFUSED = "refused"  # 4xx: e.g. 403 for a role that lost admin rights, 409 for a discarded letter
    UNREADABLE = "unreadable"  # an answer this desktop cannot read


@dataclass(frozen=True)
class AdminProblem:
    kind: Problem
    message: str
    status: int | None = None


@dataclass(frozen=True)
class AdminSnapshot:
    health: SyncHealth
    dead_letters: list[DeadLetter]


class Action(enum.StrEnum):
    REPLAY = "replay"
    DISCARD = "discard"


@dataclass(frozen=True)
class ActionDone:
    action: Action
    outcome: DeadLetterOutcome


def problem_of(error: BaseException) -> AdminProblem:
    """What went wrong, for the screen; a bug (not a SyncError) is logged and reported as unreadable."""
    if isinstance(error, Offline):
        return AdminProblem(Problem.OFFLINE, str(error))
    if isinstance(error, ServerUnavailable):
        return AdminProblem(Problem.UNAVAILABLE, str(error))
    if isinstance(error, SignInRequired):
        return AdminProblem(Problem.SIGN_IN, str(error))
    if isinstance(error, RequestRefused):
        if error.code == "unreadable_answer":
            return AdminProblem(Problem.UNREADABLE, str(error), error.status)
        if error.status == 503:
            return AdminProblem(Problem.UNAVAILABLE, str(error), error.status)
        return AdminProblem(Problem.REFUSED, str(error), error.status)
    if not isinstance(error, SyncError):
        log.error("the admin screen's request failed", exc_info=error)
    return AdminProblem(Problem.UNREADABLE, str(error))


class AdminOps(QObject):
    """Signals (on the UI thread): `loaded(AdminSnapshot)`, `inspected(DeadLetterDetail)`,
    `acted(ActionDone)`, `failed(AdminProblem)`; `busyChanged(bool)` while a request runs."""

    loaded = Signal(object)
    inspected = Signal(object)
    acted = Signal(object)
    failed = Signal(object)
    busyChanged = Signal(bool)

    def __init__(
        self, *, client_for: Callable[[], JsonRequests], executors: Executors, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._client_for = client_for  # the session's current SyncClient (a new one after signing in again)
        self._executors = executors
        self._running = 0

    def _client(self) -> AdminClient:
        return AdminClient(self._client_for())

    def _run(self, work: Callable[[], object], done: Callable[[object], None]) -> None:
        self._running += 1
        if self._running == 1:
            self.busyChanged.emit(True)

        def finished() -> None:
            self._running -= 1
            if self._running == 0:
                self.busyChanged.emit(False)

        def succeeded(result: object) -> None:
            finished()
            done(result)

        def failed(error: BaseException) -> None:
            finished()
            self.failed.emit(problem_of(error))

        Op(self, work).success(succeeded).failure(failed).run_on(self._executors.network)

    @property
    def busy(self) -> bool:
        return self._running > 0

    def refresh(self) -> None:
        """Sync health and the dead letters, together."""
        client = self._client()

        def work() -> AdminSnapshot:
            return AdminSnapshot(health=client.sync_health(), dead_letters=client.dead_letters())

        self._run(work, self.loaded.emit)

    def inspect(self, consumer: str, message_id: uuid.UUID) -> None:
        client = self._client()
        self._run(lambda: client.dead_letter(consumer, message_id), self.inspected.emit)

    def replay(self, consumer: str, message_id: uuid.UUID) -> None:
        client = self._client()
        self._run(lambda: ActionDone(Action.REPLAY, client.replay(consumer, message_id)), self.acted.emit)

    def discard(self, consumer: str, message_id: uuid.UUID, *, reason: str) -> None:
        client = self._client()
        self._run(
            lambda: ActionDone(Action.DISCARD, client.discard(consumer, message_id, reason=reason)),
            self.acted.emit,
        )
