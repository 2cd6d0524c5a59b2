"""Crash recovery: any replica finishes the sagas that a dead or slow executor left behind.

`SagaRunner.run_once()` leases due, unfinished sagas (`FOR UPDATE SKIP LOCKED`, so replicas never
wait on each other), drives each as far as it goes, and releases held appointments whose hold expired
with no saga left to release them. The app runs it at start and then periodically in a thread
(`start_saga_runner`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from shared.events import EventType
from sync_server.booking import repository
from sync_server.booking import service as rules
from sync_server.booking.models import AppointmentStatus
from sync_server.booking.saga import SagaEngine, utcnow
from sync_server.core.db import transaction

log = logging.getLogger(__name__)


class SagaRunner:
    """Advances unfinished booking sagas. Safe to run in several processes at once."""

    def __init__(self, factory: sessionmaker[Session], engine: SagaEngine, *, batch: int = 50) -> None:
        self.factory = factory
        self.engine = engine
        self.batch = batch

    def run_once(self) -> int:
        """One pass: returns how many sagas were claimed. Database errors are logged, never raised."""
        try:
            with transaction(self.factory) as session:
                claimed = repository.claim_due_sagas(
                    session,
                    owner=self.engine.owner,
                    lease_seconds=self.engine.settings.booking_saga_lease_seconds,
                    limit=self.batch,
                )
            for saga_id in claimed:
                session = self.factory()
                try:
                    saga = repository.saga(session, saga_id)
                    if saga is not None:
                        self.engine.drive(session, saga)
                finally:
                    session.close()
            self.release_orphaned_holds()
        except DBAPIError:
            log.warning("booking saga runner: database unavailable, will retry", exc_info=True)
            return 0
        return len(claimed)

    def release_orphaned_holds(self) -> int:
        """Reject held appointments past their expiry that no unfinished saga will release (a safety
        net: a hold is only ever written by a saga step, together with the saga's state)."""
        with transaction(self.factory) as session:
            held = repository.orphaned_holds(session, now=utcnow())
            for appointment in held:
                rules.move(appointment, AppointmentStatus.REJECTED)
                appointment.hold_expires_at = None
                appointment.rejection_code = rules.HoldExpired.code.value
                appointment.rejection_message = "the hold on this slot expired"
                session.flush()
                rules.emit_event(
                    session,
                    EventType.APPOINTMENT_REJECTED,
                    appointment,
                    rules.people_of(session, appointment),
                    reason_code=appointment.rejection_code,
                    reason=appointment.rejection_message,
                    alternatives=[],
                )
        return len(held)

    def run_until_idle(self, *, max_passes: int = 100) -> None:
        """Pass after pass until nothing is due (for tests and tools)."""
        for _ in range(max_passes):
            if self.run_once() == 0:
                return


def start_saga_runner(app_state: Any) -> Callable[[], None]:
    """Run a SagaRunner at once and then every `booking_runner_interval_seconds` in a daemon thread.

    Uses app_state.settings, app_state.session_factory and app_state.saga_engine. Returns the function
    that stops the thread and waits for it.
    """
    settings = app_state.settings
    if not settings.booking_runner_enabled:
        return lambda: None
    runner = SagaRunner(app_state.session_factory, app_state.saga_engine)
    stopping = threading.Event()

    def loop() -> None:
        while not stopping.is_set():
            try:
                runner.run_once()
            except Exception:  # the loop must outlive any single bad saga
                log.exception("booking saga runner pass failed")
            stopping.wait(settings.booking_runner_interval_seconds)

    thread = threading.Thread(target=loop, name="booking-saga-runner", daemon=True)
    thread.start()

    def stop() -> None:
        stopping.set()
        thread.join(timeout=10)

    return stop
