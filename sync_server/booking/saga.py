"""The booking saga, orchestrated: each step is one transaction that writes its effects, the saga's
next state (guarded by its version) and its outbox rows together.

    book:        hold -> confirm -> done
    reschedule:  hold -> confirm -> cancel_old -> done      (new slot clear of the old one)
                 swap -> done                               (new slot overlaps the old one)

Failures follow ADR 007. A permanent one (slot taken, outside hours, patient double booked, hold
expired) is compensated: the new appointment is marked rejected, which releases its hold, and
appointment.rejected says why and offers alternatives; an old appointment being rescheduled stays as
it was. A temporary one (connection lost, deadlock with nobody in the way, serialization failure,
lock timeout) is a continuation: the step is retried with backoff, up to a limit, then compensated.

WARDDESK_CRASH_AT=<kind>:<step>:<before|after> kills the process with SIGKILL at that step boundary,
so the crash tests can prove that recovery (recovery.py) finishes every saga.
"""

from __future__ import annotations

import enum
import logging
import os
import signal
import socket
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from shared.events import EventType
from sync_server.booking import repository
from sync_server.booking import service as rules
from sync_server.booking.models import (
    UNFINISHED,
    Appointment,
    AppointmentStatus,
    BookingSaga,
    SagaKind,
    SagaStatus,
)
from sync_server.core.config import Settings
from sync_server.core.errors import AppError, Invalid
from sync_server.core.logs import saga_id as saga_log_id
from sync_server.core.retry import backoff_seconds
from sync_server.feed.changes import deferred_changes

log = logging.getLogger(__name__)

CRASH_ENV = "WARDDESK_CRASH_AT"
S = AppointmentStatus


class Refused(Exception):
    """A step cannot succeed, now or later: the saga must compensate."""

    def __init__(self, error: AppError) -> None:
        super().__init__(error.message)
        self.error = error


class Progress(enum.Enum):
    ADVANCED = "advanced"  # a step or the compensation committed
    DEFERRED = "deferred"  # a temporary failure: retry at next_attempt_at
    LOST = "lost"  # another executor moved the saga first: stop driving it


def utcnow() -> datetime:
    return datetime.now(UTC)


def _when(payload: dict[str, Any], key: str) -> datetime:
    return datetime.fromisoformat(payload[key])


def _uuid(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


# --- the steps: effects only; the engine writes the saga's own state ---------------------------------

StepFn = Callable[["SagaEngine", Session, BookingSaga, datetime], None]


# Session.info key: the appointment row the last committed step wrote (see `written_appointment`).
_WRITTEN = "booking_saga_written_appointment"
_STARTING = repository.STARTING_SAGA


def written_appointment(session: Session, appointment_id: uuid.UUID) -> Row[Any] | None:
    """The row of this appointment as the saga step that just committed in this session wrote it, so
    the booking's answer needs no SELECT; None if no step of this session wrote it last."""
    row: Row[Any] | None = session.info.get(_WRITTEN)
    return row if row is not None and row.id == appointment_id else None


def _appointment_values(saga: BookingSaga, status: str) -> dict[str, Any]:
    """The new appointment's columns, from what the saga captured when it started."""
    p = saga.payload
    return {
        "id": saga.appointment_id,
        "doctor_id": uuid.UUID(p["doctor_id"]),
        "patient_id": uuid.UUID(p["patient_id"]),
        "room_id": _uuid(p["room_id"]),
        "starts_at": _when(p, "starts_at"),
        "ends_at": _when(p, "ends_at"),
        "status": status,
        "reason": p["reason"],
        "notes": p["notes"],
        "overbooked": p["overbooked"],
        "overbook_reason": p["overbook_reason"],
        "rescheduled_from_id": _uuid(p.get("previous_appointment_id")),
        "booked_by": _uuid(p["booked_by"]),
        "client_request_id": p["client_request_id"],
        "saga_id": saga.id,
    }


def _new_appointment(saga: BookingSaga, status: str) -> Appointment:
    return Appointment(**_appointment_values(saga, status))


def _forget(session: Session, appointment_id: uuid.UUID) -> None:
    """After a write that bypassed the ORM: a copy of the row the session holds must be read again."""
    held = session.identity_map.get(session.identity_key(Appointment, appointment_id))
    if held is not None:
        session.expire(held)


def _previous_still_confirmed(session: Session, saga: BookingSaga) -> Appointment | None:
    previous_id = _uuid(saga.payload.get("previous_appointment_id"))
    if previous_id is None:
        return None
    previous = session.get(Appointment, previous_id)
    if previous is None or previous.status != S.CONFIRMED:
        raise Refused(
            rules.InvalidTransition(
                "the appointment being rescheduled is no longer confirmed",
                details={"appointment_id": str(previous_id), "status": previous.status if previous else None},
            )
        )
    return previous


# The two steps every booking takes are plain statements (no ORM unit of work): they are the hot path.


def _hold(engine: SagaEngine, session: Session, saga: BookingSaga, now: datetime) -> None:
    _previous_still_confirmed(session, saga)
    values = _appointment_values(saga, S.HELD)
    values["hold_expires_at"] = now + timedelta(seconds=engine.settings.booking_hold_seconds)
    values["version"] = 1
    held = repository.insert_appointment(session, values)  # the exclusion constraints speak here (23P01)
    rules.emit_event(session, EventType.APPOINTMENT_REQUESTED, held, saga.payload["people"])


def _confirm(engine: SagaEngine, session: Session, saga: BookingSaga, now: datetime) -> None:
    """Held and not expired -> confirmed, checked and written by one guarded UPDATE."""
    _previous_still_confirmed(session, saga)
    confirmed = repository.confirm_held(session, saga.appointment_id, now=now)
    _forget(session, saga.appointment_id)
    if confirmed is None:
        current = repository.appointment_status(session, saga.appointment_id)
        assert current is not None, "confirm follows hold"
        if current.status == S.HELD:
            raise Refused(
                rules.HoldExpired(
                    "the hold on this slot expired before the booking could be confirmed",
                    details={"hold_expired_at": rules.iso(current.hold_expires_at)},
                )
            )
        raise rules.InvalidTransition(
            f"an appointment that is {current.status} cannot become {S.CONFIRMED}",
            details={"appointment_id": str(saga.appointment_id), "status": current.status, "to": S.CONFIRMED},
        )
    rules.emit_event(session, EventType.APPOINTMENT_CONFIRMED, confirmed, saga.payload["people"])
    session.info[_WRITTEN] = confirmed


def _cancel_previous(session: Session, saga: BookingSaga) -> None:
    previous_id = uuid.UUID(saga.payload["previous_appointment_id"])
    previous = session.get(Appointment, previous_id)
    assert previous is not None
    if previous.status == S.CONFIRMED:
        rules.move(previous, S.CANCELLED)
        previous.cancel_reason = "rescheduled"
    elif previous.status != S.CANCELLED:  # attended or missed meanwhile: the move makes no sense any more
        raise Refused(
            rules.InvalidTransition(
                f"the appointment being rescheduled became {previous.status} meanwhile",
                details={"appointment_id": str(previous_id), "status": previous.status},
            )
        )
    session.flush()  # the old slot is free before the new one may need it (swap)


def _link_and_announce(session: Session, saga: BookingSaga, new: Appointment) -> None:
    previous = session.get(Appointment, uuid.UUID(saga.payload["previous_appointment_id"]))
    assert previous is not None
    previous.rescheduled_to_id = new.id
    session.flush()
    rules.emit_event(
        session,
        EventType.APPOINTMENT_RESCHEDULED,
        new,
        saga.payload["people"],
        previous_appointment_id=str(previous.id),
    )


def _cancel_old(engine: SagaEngine, session: Session, saga: BookingSaga, now: datetime) -> None:
    new = session.get(Appointment, saga.appointment_id)
    assert new is not None
    _cancel_previous(session, saga)
    _link_and_announce(session, saga, new)


def _swap(engine: SagaEngine, session: Session, saga: BookingSaga, now: datetime) -> None:
    _previous_still_confirmed(session, saga)
    new = _new_appointment(saga, S.CONFIRMED)
    _cancel_previous(session, saga)
    session.add(new)
    session.flush()
    rules.emit_event(session, EventType.APPOINTMENT_CONFIRMED, new, saga.payload["people"])
    _link_and_announce(session, saga, new)


def _book(engine: SagaEngine, session: Session, saga: BookingSaga, now: datetime) -> None:
    """Hold and confirm fused: nothing outside PostgreSQL sits between them, so the slot is written
    confirmed at once (the exclusion constraints speak here, 23P01)."""
    values = _appointment_values(saga, S.CONFIRMED)
    values["version"] = 1
    confirmed = repository.insert_appointment(session, values)
    rules.emit_event(session, EventType.APPOINTMENT_CONFIRMED, confirmed, saga.payload["people"])
    session.info[_WRITTEN] = confirmed


# A fresh saga's one local step: what used to be hold -> confirm (-> cancel_old), now one transaction.
FUSED = {SagaKind.BOOK: "book", SagaKind.RESCHEDULE: "move"}
# The steps a fused step stands for, kept in the saga's outcome as its history.
FUSED_HISTORY = {
    SagaKind.BOOK: ["validate", "hold", "confirm"],
    SagaKind.RESCHEDULE: ["validate", "hold", "confirm", "cancel_old"],
}

# (kind, step) -> (effects, next step or None when the saga is then done). hold, confirm, cancel_old and
# swap are the steps of sagas started by earlier versions, still resumed after an upgrade.
STEPS: dict[tuple[str, str], tuple[StepFn, str | None]] = {
    (SagaKind.BOOK, "book"): (_book, None),
    (SagaKind.RESCHEDULE, "move"): (_swap, None),
    (SagaKind.BOOK, "hold"): (_hold, "confirm"),
    (SagaKind.BOOK, "confirm"): (_confirm, None),
    (SagaKind.RESCHEDULE, "hold"): (_hold, "confirm"),
    (SagaKind.RESCHEDULE, "confirm"): (_confirm, "cancel_old"),
    (SagaKind.RESCHEDULE, "cancel_old"): (_cancel_old, None),
    (SagaKind.RESCHEDULE, "swap"): (_swap, None),
}
RELEASE = "release"  # the compensation step of every saga kind


def _classify(exc: DBAPIError) -> tuple[str, str | None]:
    """('overlap', constraint) | ('deadlock', None) | ('integrity', constraint) | ('temporary', None)."""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    if sqlstate == "23P01":
        return "overlap", constraint
    if sqlstate == "40P01":
        return "deadlock", None
    if isinstance(exc, IntegrityError):
        return "integrity", constraint
    return "temporary", None


class SagaEngine:
    """Runs booking sagas step by step. One per process; used by the request threads (inline) and by
    the recovery runner alike. `owner` names this executor in the sagas' leases."""

    def __init__(self, settings: Settings, *, owner: str | None = None, crash_at: str | None = None) -> None:
        self.settings = settings
        self.owner = owner or f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.crash_at = crash_at if crash_at is not None else os.environ.get(CRASH_ENV)

    # --- starting -------------------------------------------------------------------------------

    def begin(
        self,
        session: Session,
        *,
        kind: SagaKind,
        payload: dict[str, Any],
        started_by: uuid.UUID | None,
        client_request_id: str | None,
        refusal: AppError | None = None,
        step: str | None = None,
    ) -> BookingSaga:
        """Add a new saga, leased to this executor, to the caller's transaction. With a `refusal` found
        while validating, the saga is compensated at once in that same transaction."""
        saga = self._new(
            kind=kind, payload=payload, started_by=started_by, client_request_id=client_request_id
        )
        if step is not None:
            saga.step = step
        session.add(saga)
        if refusal is not None:
            self._release(session, saga, refusal, utcnow())
        return saga

    def _new(
        self,
        *,
        kind: SagaKind,
        payload: dict[str, Any],
        started_by: uuid.UUID | None,
        client_request_id: str | None,
    ) -> BookingSaga:
        """A saga object leased to this executor, not yet in any session."""
        now = utcnow()
        first = "swap" if payload.get("swap") else "hold"
        saga = BookingSaga(
            id=uuid.uuid4(),
            kind=kind.value,
            status=SagaStatus.RUNNING.value,
            step=first,
            attempts=0,
            next_attempt_at=now,
            lease_owner=self.owner,
            lease_expires_at=now + timedelta(seconds=self.settings.booking_saga_lease_seconds),
            appointment_id=uuid.UUID(payload["appointment_id"]),
            started_by=started_by,
            client_request_id=client_request_id,
            payload=payload,
            version=1,
        )
        return saga

    def start(
        self,
        session: Session,
        *,
        kind: SagaKind,
        payload: dict[str, Any],
        started_by: uuid.UUID | None,
        client_request_id: str | None,
        refusal: AppError | None = None,
        deadline: float | None = None,
        alone: bool = False,
    ) -> BookingSaga:
        """Start a saga and run it to its end in the caller's transaction, which the caller commits
        (a request's, or a sync push's). Its local steps run as one: a refusal (slot taken, outside
        hours...) compensates in the same transaction; a temporary failure is retried here until
        `deadline` (time.monotonic()), then left running for the recovery runner.

        `alone`: the transaction has written nothing yet and holds nothing the caller needs after a
        rollback (an HTTP booking: only its reads), so a failed step rolls the whole transaction back
        instead of a savepoint: two statements fewer on the way of every booking. The feed records the
        step writes go in as one statement at its end.

        Raises IntegrityError when the caller already started a saga with this client_request_id (the
        caller answers with that one)."""
        saga = self._new(
            kind=kind, payload=payload, started_by=started_by, client_request_id=client_request_id
        )
        saga_log_id.set(str(saga.id))  # this request's log lines name the saga (core/logs.py)
        saga.step = FUSED[kind]
        if refusal is not None:
            session.add(saga)
            self._release(session, saga, refusal, utcnow())
            return saga
        step = saga.step
        fn, _ = STEPS[(saga.kind, step)]
        # The saga's row is written once, in the state it ends in (one INSERT; it is added to the session
        # only then). Until then the steps find it here (the booker's notification needs it).
        session.info[_STARTING] = saga
        try:
            while True:
                self._crash_point(saga.kind, step, "before")
                now = utcnow()
                savepoint = None if alone else session.begin_nested()
                try:
                    with deferred_changes(session):
                        fn(self, session, saga, now)
                    if savepoint is not None:
                        savepoint.commit()
                except Refused as refused:
                    _undo(session, savepoint)
                    self._release(session, saga, refused.error, now)
                    return saga
                except DBAPIError as exc:
                    _undo(session, savepoint)
                    session.info.pop(_WRITTEN, None)
                    if self._refused_at_once(session, saga, exc):
                        return saga
                    if not self._retry_inline(saga, exc, deadline):
                        session.add(saga)
                        session.flush()  # left running: the recovery runner takes it from here
                        return saga
                    continue
                saga.status = SagaStatus.SUCCEEDED.value
                saga.step = "done"
                saga.outcome = {
                    "result": "succeeded",
                    "appointment_id": str(saga.appointment_id),
                    "steps": FUSED_HISTORY[SagaKind(saga.kind)],
                }
                saga.lease_owner = saga.lease_expires_at = None
                # One plain INSERT (no unit of work); a replay of the same client_request_id fails here.
                written = repository.insert_saga(
                    session, {c: getattr(saga, c) for c in repository.SAGA_COLUMNS}
                )
                saga.created_at = saga.updated_at = written.created_at
                self._crash_point(saga.kind, step, "after")
                log.info("booking saga %s %s succeeded", saga.id, saga.kind)
                return saga
        finally:
            session.info.pop(_STARTING, None)

    def _refused_at_once(self, session: Session, saga: BookingSaga, exc: DBAPIError) -> bool:
        """A permanent failure of a fused step: compensate in the caller's transaction (True)."""
        kind, constraint = _classify(exc)
        if kind == "integrity":
            error: AppError = Invalid(
                "the booking refers to something that no longer exists or is a duplicate",
                details={"constraint": constraint},
            )
            self._release(session, saga, error, utcnow(), keep_row=False)
            return True
        if kind == "overlap" or kind == "deadlock":
            refusal = rules.overlap_refusal(session, saga.payload, constraint=constraint, now=utcnow())
            if refusal is not None:
                self._refuse_new(session, saga, refusal)
                return True
        return False

    def _refuse_new(self, session: Session, saga: BookingSaga, error: AppError) -> None:
        """`_release` for a saga being started whose step was undone (the slot was taken: its new
        appointment was never written): the saga and the rejected request written with one plain INSERT
        each, no unit of work. The refusal path of a busy slot is as hot as the booking itself."""
        outcome = _rejection(error)
        saga.status = SagaStatus.COMPENSATED.value
        saga.step = "released"
        saga.outcome = outcome
        saga.error = error.message[:1000]
        saga.lease_owner = saga.lease_expires_at = None
        written = repository.insert_saga(session, {c: getattr(saga, c) for c in repository.SAGA_COLUMNS})
        saga.created_at = saga.updated_at = written.created_at
        values = _appointment_values(saga, S.REJECTED)
        values.update(
            version=1,
            hold_expires_at=None,
            rejection_code=outcome["reason_code"],
            rejection_message=outcome["reason"][:500],
        )
        with deferred_changes(session):
            rejected = repository.insert_appointment(session, values)
            extra: dict[str, Any] = {}
            if saga.payload.get("previous_appointment_id"):
                extra["previous_appointment_id"] = saga.payload["previous_appointment_id"]
            rules.emit_event(
                session,
                EventType.APPOINTMENT_REJECTED,
                rejected,
                saga.payload["people"],
                reason_code=outcome["reason_code"],
                reason=outcome["reason"],
                alternatives=outcome["details"].get("alternatives", []),
                **extra,
            )

    def _retry_inline(self, saga: BookingSaga, exc: BaseException, deadline: float | None) -> bool:
        """Count a temporary failure; True to try again now, False when the saga is left due for the
        recovery runner (past the deadline, or out of attempts: the runner then compensates)."""
        saga.attempts += 1
        saga.error = f"{type(exc).__name__}: {exc}"[:1000]
        wait = backoff_seconds(saga.attempts)
        saga.next_attempt_at = utcnow() + timedelta(seconds=wait)
        saga.lease_owner = None
        saga.lease_expires_at = None
        if saga.attempts >= self.settings.booking_saga_max_attempts:
            return False
        if deadline is None or time.monotonic() + wait >= deadline:
            return False
        time.sleep(wait)
        return True

    def claim(self, session: Session, saga: BookingSaga) -> bool:
        """Take the lease of an unfinished saga that no live executor holds (commits)."""
        claimed = repository.claim_saga(
            session, saga_id=saga.id, owner=self.owner, lease_seconds=self.settings.booking_saga_lease_seconds
        )
        session.commit()
        if claimed:
            session.refresh(saga)
        return claimed

    # --- driving --------------------------------------------------------------------------------

    def drive(self, session: Session, saga: BookingSaga, *, deadline: float | None = None) -> BookingSaga:
        """Advance the saga until it ends, another executor takes it, or it must wait for a retry.

        With a `deadline` (time.monotonic()), retries due before it are waited for here; without
        one, a retry is left to the recovery runner.
        """
        saga_log_id.set(str(saga.id))  # this thread's log lines name the saga (logs.py)
        while saga.status in UNFINISHED:
            progress = self.advance(session, saga)
            if progress is Progress.LOST:
                _reload(session, saga)
                break
            if progress is Progress.DEFERRED:
                wait = (saga.next_attempt_at - utcnow()).total_seconds()
                if deadline is None or time.monotonic() + max(wait, 0) >= deadline:
                    break
                time.sleep(max(wait, 0))
                try:
                    if not self.claim(session, saga):
                        break
                except DBAPIError:
                    session.rollback()
                    break
        return saga

    def advance(self, session: Session, saga: BookingSaga) -> Progress:
        """Run the saga's next step (or its compensation) in one transaction, which this commits."""
        if saga.status == SagaStatus.COMPENSATING:
            return self._compensate(session, saga, self._stored_refusal(saga))
        fn, following = STEPS[(saga.kind, saga.step)]
        kind, step = saga.kind, saga.step
        self._crash_point(kind, step, "before")
        session.info.pop(_WRITTEN, None)  # kept only if this step commits
        now = utcnow()
        try:
            # The saga's own row goes first: its version check makes a second executor wait, then lose.
            state = {name: getattr(saga, name) for name in repository.SAGA_STATE}
            if following is None:
                state.update(
                    status=SagaStatus.SUCCEEDED.value,
                    step="done",
                    outcome={"result": "succeeded", "appointment_id": str(saga.appointment_id)},
                    lease_owner=None,
                    lease_expires_at=None,
                )
            else:
                state.update(
                    step=following,
                    lease_expires_at=now + timedelta(seconds=self.settings.booking_saga_lease_seconds),
                )
            state.update(attempts=0, error=None, next_attempt_at=now)
            _save_state(session, saga, state)
            fn(self, session, saga, now)
            session.commit()
        except StaleDataError:
            session.rollback()
            session.info.pop(_WRITTEN, None)
            return Progress.LOST
        except Refused as refused:
            session.rollback()
            session.info.pop(_WRITTEN, None)
            return self._compensate(session, saga, refused.error)
        except DBAPIError as exc:
            session.rollback()
            session.info.pop(_WRITTEN, None)
            return self._after_database_error(session, saga, exc)
        except Exception as exc:  # a bug: retried like a temporary failure, so the saga still ends
            log.exception("booking saga %s failed in step %s", saga.id, step)
            session.rollback()
            session.info.pop(_WRITTEN, None)
            return self._retry_later(session, saga, exc)
        self._crash_point(kind, step, "after")
        return Progress.ADVANCED

    # --- failures -------------------------------------------------------------------------------

    def _after_database_error(self, session: Session, saga: BookingSaga, exc: DBAPIError) -> Progress:
        kind, constraint = _classify(exc)
        if kind == "temporary":
            return self._retry_later(session, saga, exc)
        if kind == "integrity":
            error: AppError = Invalid(
                "the booking refers to something that no longer exists or is a duplicate",
                details={"constraint": constraint},
            )
            return self._compensate(session, saga, error, keep_row=False)
        # The lookup of who is in the way and the compensation share one transaction.
        try:
            refusal = rules.overlap_refusal(session, saga.payload, constraint=constraint, now=utcnow())
            if refusal is None:  # a deadlock whose other side was rolled back: the slot may well be free
                session.rollback()
                return self._retry_later(session, saga, exc)
            self._release(session, saga, refusal, utcnow())
            session.commit()
        except StaleDataError:
            session.rollback()
            return Progress.LOST
        except DBAPIError as failed:
            session.rollback()
            return self._retry_later(session, saga, failed)
        return Progress.ADVANCED

    def _retry_later(self, session: Session, saga: BookingSaga, exc: BaseException) -> Progress:
        """Continuation: count the attempt and schedule the step again, or give up and compensate."""
        attempts = saga.attempts + 1
        reason = f"{type(exc).__name__}: {exc}"[:1000]
        if attempts >= self.settings.booking_saga_max_attempts:
            error = rules.BookingUnavailable(
                f"the booking could not be completed after {attempts} attempts; try again later",
                details={"last_error": reason[:200]},
            )
            return self._compensate(session, saga, error)
        now = utcnow()
        try:
            saga.attempts = attempts
            saga.error = reason
            saga.next_attempt_at = now + timedelta(seconds=backoff_seconds(attempts))
            # This executor keeps the lease until just after the retry is due: a request thread about to
            # retry inline is not overtaken by a runner's batch (which would queue it behind up to 50
            # others); if this executor is gone by then, any runner takes the saga over.
            saga.lease_owner = self.owner
            saga.lease_expires_at = saga.next_attempt_at + timedelta(seconds=1)
            session.commit()
        except StaleDataError:
            session.rollback()
            return Progress.LOST
        except DBAPIError:
            # The database is unreachable: the saga stays due, and a runner retries it later.
            session.rollback()
            return Progress.LOST
        return Progress.DEFERRED

    def _stored_refusal(self, saga: BookingSaga) -> AppError:
        outcome = saga.outcome or {}
        cls = rules.REFUSALS.get(outcome.get("reason_code", ""), rules.BookingUnavailable)
        return cls(outcome.get("reason", "the booking was refused"), details=outcome.get("details", {}))

    def _compensate(
        self, session: Session, saga: BookingSaga, error: AppError, *, keep_row: bool = True
    ) -> Progress:
        """Release what the saga holds in one transaction; if that fails, leave it marked compensating
        so a runner finishes the compensation later."""
        try:
            self._release(session, saga, error, utcnow(), keep_row=keep_row)
            session.commit()
            return Progress.ADVANCED
        except StaleDataError:
            session.rollback()
            return Progress.LOST
        except DBAPIError as exc:
            session.rollback()
            try:
                saga.status = SagaStatus.COMPENSATING.value
                saga.step = RELEASE
                saga.outcome = _rejection(error)
                saga.error = f"{type(exc).__name__}: {exc}"[:1000]
                saga.next_attempt_at = utcnow() + timedelta(seconds=1)
                saga.lease_owner = saga.lease_expires_at = None
                session.commit()
            except DBAPIError:
                session.rollback()
            return Progress.LOST

    def _release(
        self, session: Session, saga: BookingSaga, error: AppError, now: datetime, *, keep_row: bool = True
    ) -> None:
        """The compensation's effects: the new appointment ends rejected (or cancelled, if it had been
        confirmed), the old appointment of a reschedule is left as it is, and the event says why."""
        outcome = _rejection(error)
        session.add(saga)  # a saga being started is written only now
        saga.status = SagaStatus.COMPENSATED.value
        saga.step = "released"
        saga.outcome = outcome
        saga.error = error.message[:1000]
        saga.lease_owner = saga.lease_expires_at = None
        session.flush()
        appointment = session.get(Appointment, saga.appointment_id)
        if appointment is None:
            if not keep_row:
                return
            # Nothing was held: the rejected request is still recorded, so its author sees the outcome.
            appointment = _new_appointment(saga, S.REJECTED)
            session.add(appointment)
        elif appointment.status == S.CONFIRMED:
            rules.move(appointment, S.CANCELLED)
            appointment.cancel_reason = error.message[:500]
        elif appointment.status in (S.HELD, S.REQUESTED):
            rules.move(appointment, S.REJECTED)
        appointment.hold_expires_at = None
        if appointment.status == S.REJECTED:
            appointment.rejection_code = outcome["reason_code"]
            appointment.rejection_message = outcome["reason"][:500]
        session.flush()
        extra: dict[str, Any] = {}
        if saga.payload.get("previous_appointment_id"):
            extra["previous_appointment_id"] = saga.payload["previous_appointment_id"]
        if appointment.status == S.CANCELLED:
            rules.emit_event(
                session,
                EventType.APPOINTMENT_CANCELLED,
                appointment,
                saga.payload["people"],
                reason=appointment.cancel_reason,
                **extra,
            )
        else:
            rules.emit_event(
                session,
                EventType.APPOINTMENT_REJECTED,
                appointment,
                saga.payload["people"],
                reason_code=outcome["reason_code"],
                reason=outcome["reason"],
                alternatives=outcome["details"].get("alternatives", []),
                **extra,
            )

    def _crash_point(self, kind: str, step: str, when: str) -> None:
        if self.crash_at and self.crash_at == f"{kind}:{step}:{when}":
            log.warning("WARDDESK_CRASH_AT=%s: killing this process", self.crash_at)
            os.kill(os.getpid(), signal.SIGKILL)


def _undo(session: Session, savepoint: Any) -> None:
    """Undo a failed step: its savepoint, or the whole transaction when the step ran alone in it."""
    if savepoint is None:
        session.rollback()
    else:
        savepoint.rollback()


def _save_state(session: Session, saga: BookingSaga, state: dict[str, Any]) -> None:
    """Write the saga's next state with one guarded UPDATE (no unit of work) and tell the ORM object.
    Raises StaleDataError when another executor moved the saga first."""
    written = repository.save_saga_state(session, saga_id=saga.id, expected_version=saga.version, state=state)
    if written is None:
        raise StaleDataError(f"booking saga {saga.id} was moved by another executor")
    # Committed values: the ORM's own later writes (compensation, retries) check this version. A
    # rollback expires the object, so it is read again if this transaction does not commit.
    for name, value in state.items():
        set_committed_value(saga, name, value)
    set_committed_value(saga, "version", written.version)
    set_committed_value(saga, "updated_at", written.updated_at)


def _reload(session: Session, saga: BookingSaga) -> None:
    try:
        session.refresh(saga)
        session.commit()
    except DBAPIError:
        session.rollback()


def _rejection(error: AppError) -> dict[str, Any]:
    return {
        "result": "rejected",
        "reason_code": error.code.value,
        "reason": error.message,
        "details": error.details,
    }
