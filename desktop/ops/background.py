"""Work off the UI thread, results back on it (the pattern of Anki's CollectionOp).

    Op(parent, lambda: store.tickets(ward_ids=...)).success(model.reset_rows).run_on(executors.store)

All SQLite writes go through the single store worker (so they never contend); network work has its own
worker. `success` and `failure` run on the thread that owns `parent` (the UI thread). An unhandled
failure goes to `Executors.on_unhandled`, which the shell turns into a dialog: never a frozen window.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal

T = TypeVar("T")
log = logging.getLogger(__name__)


class _Bridge(QObject):
    """Lives on the UI thread; its signal carries a finished future back there (queued connection)."""

    finished = Signal(object)


class Executors:
    """The two background workers of a signed-in session."""

    def __init__(self) -> None:
        self.store = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warddesk-store")
        self.network = ThreadPoolExecutor(max_workers=2, thread_name_prefix="warddesk-network")
        self.on_unhandled: Callable[[BaseException], None] = lambda exc: log.error(
            "background operation failed", exc_info=exc
        )

    def shutdown(self) -> None:
        self.store.shutdown(wait=True, cancel_futures=True)
        self.network.shutdown(wait=True, cancel_futures=True)


class Op(Generic[T]):
    def __init__(self, parent: QObject, work: Callable[[], T]) -> None:
        self._parent = parent
        self._work = work
        self._success: Callable[[T], Any] | None = None
        self._failure: Callable[[BaseException], Any] | None = None

    def success(self, callback: Callable[[T], Any]) -> Op[T]:
        self._success = callback
        return self

    def failure(self, callback: Callable[[BaseException], Any]) -> Op[T]:
        self._failure = callback
        return self

    def run_on(self, executor: ThreadPoolExecutor, *, executors: Executors | None = None) -> Future[T]:
        """Start the work on `executor`; callbacks run on the UI thread after `run_on` has returned,
        and only while `parent` is still alive (a closed dialog's late answer is dropped)."""
        bridge = _Bridge()
        app = QCoreApplication.instance()
        if app is not None:
            bridge.moveToThread(app.thread())
        _IN_FLIGHT.add(bridge)  # kept alive by us, not by the parent, which may be deleted meanwhile

        def _deliver(future: Future[T]) -> None:
            _IN_FLIGHT.discard(bridge)
            bridge.deleteLater()
            if future.cancelled() or not shiboken6.isValid(self._parent):
                return
            error = future.exception()
            if error is None:
                if self._success is not None:
                    self._success(future.result())
            elif self._failure is not None:
                self._failure(error)
            elif executors is not None:
                executors.on_unhandled(error)
            else:
                log.error("background operation failed", exc_info=error)

        # Queued even when the work is already done, so callers can connect signals after run_on().
        bridge.finished.connect(_deliver, Qt.ConnectionType.QueuedConnection)
        future = executor.submit(self._work)
        future.add_done_callback(bridge.finished.emit)
        return future


_IN_FLIGHT: set[_Bridge] = set()
