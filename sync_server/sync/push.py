"""Push: apply one desktop's queued mutations in order, each exactly once, and say how each ended.

The rules (Replicache's, proven elsewhere):
- The client's row (`sync_clients`) is locked for the whole batch, so two pushes of one client queue up.
- Each mutation runs in its own savepoint, so a refused one leaves no trace; its stored answer and the
  client's new `last_mutation_id` are written in the same transaction, which commits them all at once.
- A number already settled is answered from its stored result (a resent batch after a lost answer).
- A gap (the first new number is not last + 1) is refused: the client lost track and must resend.
- A batch numbered for another epoch of the database (sync/identity.py: it was restored from a backup
  since) is refused whole, with the client's last settled number: the desktop sends again what the
  restored database does not have, renumbered from there.
- A temporary failure (deadlock, serialization failure, lost connection) stops the batch; that mutation
  stays unapplied and the client retries later.
- A permanent refusal (bad payload, no permission, invalid transition) is recorded as `rejected` with a
  reason for the person; a stale edit as `conflict` with the server's record. The queue moves on.

Speed: a batch of new tickets only (the offline burst) is first tried all together, in one savepoint with
one flush and the feed changes written at the end; if anything in it fails, that savepoint is rolled back
and the batch is applied one by one as above, so every verdict is the same either way.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from shared.booking import BookAppointment, CancelAppointment, RecordAttendance, RescheduleAppointment
from shared.errors import ErrorCode
from shared.protocol import Mutation, MutationName, MutationResult, MutationStatus, PushRequest, PushResponse
from shared.tickets import TicketAction
from sync_server.alerts import service as alerts
from sync_server.audit import service as audit
from sync_server.auth.deps import Actor
from sync_server.booking import repository as booking_repository
from sync_server.booking import service as booking
from sync_server.booking.models import Appointment, SagaKind
from sync_server.booking.saga import SagaEngine
from sync_server.booking.schemas import BookingRequest, RescheduleRequest
from sync_server.core.bulk import insert_rows
from sync_server.core.context import ClientInfo
from sync_server.core.errors import AppError, Conflict, Invalid, NotFound, PermissionDenied
from sync_server.sync import feed, identity
from sync_server.sync.appointments import SYNC_ORIGIN
from sync_server.sync.models import SyncClient, SyncMutationResult
from sync_server.tickets.models import RefillTicket
from sync_server.tickets.service import TicketService, VersionConflict

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 1.0


class MutationGap(Conflict):
    code = ErrorCode.MUTATION_GAP


class ServerRestored(Conflict):
    code = ErrorCode.SERVER_RESTORED


class ServiceUnavailable(AppError):
    status_code = 503
    code = ErrorCode.SERVICE_UNAVAILABLE


@dataclass
class PushOutcome:
    response: PushResponse
    started_sagas: list[uuid.UUID] = field(default_factory=list)


class _Temporary(Exception):
    """The database said "not now": stop the batch, leave this mutation for a retry."""


def push(
    session: Session,
    *,
    actor: Actor,
    client: ClientInfo,
    request: PushRequest,
    saga_engine: SagaEngine,
) -> PushOutcome:
    """Apply a batch in the caller's transaction (which the caller commits, then drives the sagas).

    Raises Invalid (mutations of another client, or not numbered one by one), PermissionDenied (the
    client id belongs to another user), ServerRestored (409: the batch was numbered for another epoch
    of the database), MutationGap (409: numbers missing before this batch).
    """
    _check_batch(request)
    epoch = identity.current(session).token
    if request.server_epoch is not None and request.server_epoch != epoch:
        known = last_mutation_id(session, client_id=request.client_id, user_id=actor.user_id)
        raise ServerRestored(
            "The server's database was restored from a backup since this workstation last synced: send "
            f"again the changes it no longer has, numbered from {known + 1}, and fetch the records again.",
            details={"server_epoch": epoch, "last_mutation_id": known, "expected": known + 1},
        )
    state = _lock_client(session, client_id=request.client_id, user_id=actor.user_id)
    last = state.last_mutation_id
    outcome = PushOutcome(PushResponse(results=[], last_mutation_id=last, server_epoch=epoch))
    fresh = [m for m in request.mutations if m.mutation_id > last]
    if fresh and fresh[0].mutation_id != last + 1:
        raise MutationGap(
            f"Mutation {fresh[0].mutation_id} came before {last + 1}; send the queue from {last + 1}.",
            details={"last_mutation_id": last, "expected": last + 1},
        )
    seen = [m.mutation_id for m in request.mutations if m.mutation_id <= last]
    stored = _stored_results(session, client_id=request.client_id, mutation_ids=seen)
    applier = _Applier(session, actor=actor, client=client, saga_engine=saga_engine)
    settled: list[dict[str, Any]] = []
    together = _apply_together(session, applier, fresh)
    for mutation in request.mutations:
        if mutation.mutation_id <= last:
            outcome.response.results.append(stored.get(mutation.mutation_id) or _settled_long_ago(mutation))
            continue
        if together is not None:
            result = together[mutation.mutation_id]
            outcome.response.results.append(result)
            settled.append(_stored(mutation, result))
            last = mutation.mutation_id
            continue
        try:
            result = _apply_one(session, applier, mutation)
        except _Temporary:
            outcome.response.stopped_early = True
            outcome.response.retry_after_seconds = RETRY_AFTER_SECONDS
            break
        outcome.response.results.append(result)
        settled.append(_stored(mutation, result))
        last = mutation.mutation_id
    # Written once for the batch (one INSERT); the commit makes them durable with the effects.
    insert_rows(session, SyncMutationResult, settled)
    state.last_mutation_id = last
    state.last_push_at = datetime.now(UTC)
    session.flush()
    outcome.response.last_mutation_id = last
    outcome.started_sagas = applier.started_sagas
    return outcome


def last_mutation_id(session: Session, *, client_id: uuid.UUID, user_id: uuid.UUID) -> int:
    """The client's highest settled number (0 for a client the server has not met, or another user's)."""
    found = session.execute(
        select(SyncClient.last_mutation_id).where(
            SyncClient.client_id == client_id, SyncClient.user_id == user_id
        )
    ).scalar_one_or_none()
    return int(found or 0)


def _check_batch(request: PushRequest) -> None:
    previous: int | None = None
    for mutation in request.mutations:
        if mutation.client_id != request.client_id:
            raise Invalid(
                "Every mutation in a push must come from the pushing client.",
                details={"mutation_id": mutation.mutation_id},
            )
        if previous is not None and mutation.mutation_id != previous + 1:
            raise Invalid(
                "Mutations in a push must be numbered one by one, in order.",
                details={"mutation_id": mutation.mutation_id, "expected": previous + 1},
            )
        previous = mutation.mutation_id


def _lock_client(session: Session, *, client_id: uuid.UUID, user_id: uuid.UUID) -> SyncClient:
    session.execute(
        pg_insert(SyncClient)
        .values(client_id=client_id, user_id=user_id, last_mutation_id=0)
        .on_conflict_do_nothing(index_elements=["client_id"])
    )
    state = session.execute(
        select(SyncClient)
        .where(SyncClient.client_id == client_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    if state.user_id != user_id:
        raise PermissionDenied("This workstation's sync queue belongs to another person; sign in as them.")
    return state


def _stored_results(
    session: Session, *, client_id: uuid.UUID, mutation_ids: list[int]
) -> dict[int, MutationResult]:
    if not mutation_ids:
        return {}
    rows = session.execute(
        select(SyncMutationResult.mutation_id, SyncMutationResult.result).where(
            SyncMutationResult.client_id == client_id, SyncMutationResult.mutation_id.in_(mutation_ids)
        )
    )
    return {mutation_id: MutationResult.model_validate(result) for mutation_id, result in rows}


def _settled_long_ago(mutation: Mutation) -> MutationResult:
    # Results are kept; this only answers if one was removed by hand. The mutation was settled.
    return MutationResult(
        mutation_id=mutation.mutation_id, status=MutationStatus.APPLIED, entity_id=mutation.entity_id
    )


def _apply_together(
    session: Session, applier: _Applier, mutations: list[Mutation]
) -> dict[int, MutationResult] | None:
    """The fast path for the common offline burst, new tickets only: every submission in one savepoint,
    checked as one by one would, then written with one INSERT per table (TicketService.submit_new). All
    or nothing: if any mutation fails, the savepoint is rolled back and None tells the caller to apply
    them one by one, which gives each its own verdict. Results by mutation id."""
    ids = [m.entity_id for m in mutations]
    if (
        len(mutations) < 2
        or any(m.name is not MutationName.TICKET_SUBMIT for m in mutations)
        or len(set(ids)) != len(ids)
        or session.scalar(select(exists().where(RefillTicket.id.in_(ids))))
    ):
        return None
    savepoint = session.begin_nested()
    try:
        with session.no_autoflush, feed.deferred_changes(session):
            applier.tickets.submit_new([(m.entity_id, m.payload) for m in mutations])
        savepoint.commit()
        return {
            m.mutation_id: _Applier._applied(m, 1)  # a new ticket's first version
            for m in mutations
        }
    except Exception:
        # Any verdict at all (a refusal, a duplicate made meanwhile, a temporary failure) is left to the
        # one-by-one path, which decides it as it always has.
        log.debug("push: the batch did not apply together; applying one by one", exc_info=True)
        _roll_back(savepoint)
        applier.reset_tickets()
        return None


def _apply_one(session: Session, applier: _Applier, mutation: Mutation) -> MutationResult:
    """The mutation's effects in a savepoint: kept when applied, undone when refused or failed."""
    savepoint = session.begin_nested()
    try:
        result = applier.apply(mutation)
        savepoint.commit()
        return result
    except OperationalError as exc:
        # Deadlock, serialization failure, lock timeout, lost connection: worth a retry, not a verdict.
        log.info("push stopped at mutation %s: %s", mutation.mutation_id, exc.orig)
        _roll_back(savepoint)
        raise _Temporary from exc
    except Exception as exc:
        _roll_back(savepoint)
        refusal = _refusal(exc)
        if refusal is None:
            log.exception("push: mutation %s (%s) failed unexpectedly", mutation.mutation_id, mutation.name)
            raise _Temporary from exc
        return _refused(mutation, refusal)


def _roll_back(savepoint: Any) -> None:
    try:
        savepoint.rollback()
    except OperationalError as exc:
        # The connection itself is gone: nothing of this push can be committed.
        raise ServiceUnavailable(
            "The database connection was lost; push again shortly.",
            headers={"Retry-After": str(int(RETRY_AFTER_SECONDS))},
        ) from exc


def _refusal(exc: Exception) -> AppError | None:
    """The permanent verdict an exception stands for, or None when it is not one (a bug: retry)."""
    if isinstance(exc, AppError) and 400 <= exc.status_code < 500:
        return exc
    if isinstance(exc, ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" if e["loc"] else str(e["msg"])
            for e in exc.errors()[:5]
        )
        return Invalid(f"The change is not valid: {problems}")
    if isinstance(exc, IntegrityError):
        return Conflict("The change refers to something that no longer exists, or duplicates a record.")
    if isinstance(exc, DataError):
        return Invalid(
            "A value in the change cannot be stored: it contains a NUL character or is out of range."
        )
    return None


def _refused(mutation: Mutation, error: AppError) -> MutationResult:
    if isinstance(error, VersionConflict):
        return MutationResult(
            mutation_id=mutation.mutation_id,
            status=MutationStatus.CONFLICT,
            entity_id=mutation.entity_id,
            code=error.code.value,
            reason=error.message,
            server_record=error.details.get("server_record"),
        )
    return MutationResult(
        mutation_id=mutation.mutation_id,
        status=MutationStatus.REJECTED,
        entity_id=mutation.entity_id,
        code=error.code.value,
        reason=error.message,
    )


def _stored(mutation: Mutation, result: MutationResult) -> dict[str, Any]:
    """The sync_mutation_results row that answers this mutation again if it is resent."""
    return {
        "client_id": mutation.client_id,
        "mutation_id": mutation.mutation_id,
        "idempotency_key": mutation.idempotency_key,
        "name": mutation.name.value,
        "result": result.model_dump(mode="json"),
    }


class _Applier:
    """Turns one mutation into a call of the service that owns the record."""

    def __init__(
        self, session: Session, *, actor: Actor, client: ClientInfo, saga_engine: SagaEngine
    ) -> None:
        self.session = session
        self.actor = actor
        self.client = client
        self.saga_engine = saga_engine
        self.started_sagas: list[uuid.UUID] = []
        self.reset_tickets()

    def reset_tickets(self) -> None:
        """A fresh ticket service (its formulary cache and expected ids forgotten)."""
        self.tickets = TicketService(self.session, actor=self.actor, client=self.client)

    def apply(self, mutation: Mutation) -> MutationResult:
        name = mutation.name
        if name.value.startswith("ticket."):
            action = TicketAction(name.value.removeprefix("ticket."))
            ticket = self.tickets.apply(
                action, mutation.entity_id, base_version=mutation.base_version, payload=mutation.payload
            )
            return self._applied(mutation, ticket.version)
        if name is MutationName.APPOINTMENT_BOOK:
            return self._book(mutation)
        if name is MutationName.APPOINTMENT_RESCHEDULE:
            return self._reschedule(mutation)
        if name is MutationName.APPOINTMENT_CANCEL:
            return self._cancel(mutation)
        if name is MutationName.APPOINTMENT_ATTENDANCE:
            return self._attendance(mutation)
        if name is MutationName.NOTIFICATION_READ:
            notification = alerts.mark_read(
                self.session, user_id=self.actor.user_id, notification_id=mutation.entity_id
            )
            return self._applied(mutation, notification.version)
        raise Invalid(f"The server does not know the change {name.value!r}.")

    @staticmethod
    def _applied(mutation: Mutation, version: int | None) -> MutationResult:
        return MutationResult(
            mutation_id=mutation.mutation_id,
            status=MutationStatus.APPLIED,
            entity_id=mutation.entity_id,
            new_version=version,
        )

    def _check_booker(self) -> None:
        if self.actor.role not in booking.BOOKERS:
            raise PermissionDenied(f"A {self.actor.role.value} cannot book or change appointments.")

    def _book(self, mutation: Mutation) -> MutationResult:
        self._check_booker()
        body = BookAppointment.model_validate(mutation.payload)
        if self.session.get(Appointment, mutation.entity_id) is not None:
            raise Conflict("An appointment with this id already exists.")
        request = BookingRequest(
            doctor_id=body.doctor_id,
            patient_id=body.patient_id,
            starts_at=body.starts_at,
            duration_minutes=body.duration_minutes,
            room_id=body.room_id,
            reason=body.reason,
            client_request_id=str(mutation.idempotency_key),
        )
        plan = booking.plan_booking(self.session, actor=self.actor, body=request, now=datetime.now(UTC))
        return self._start(mutation, kind=SagaKind.BOOK, plan=plan, appointment_id=mutation.entity_id)

    def _reschedule(self, mutation: Mutation) -> MutationResult:
        self._check_booker()
        body = RescheduleAppointment.model_validate(mutation.payload)
        old = booking_repository.appointment(self.session, mutation.entity_id)
        if old is None:
            raise NotFound("The appointment to move no longer exists.")
        if self.session.get(Appointment, body.new_appointment_id) is not None:
            raise Conflict("An appointment with the new id already exists.")
        request = RescheduleRequest(
            starts_at=body.starts_at,
            duration_minutes=body.duration_minutes,
            room_id=body.room_id,
            client_request_id=str(mutation.idempotency_key),
        )
        plan = booking.plan_reschedule(
            self.session, actor=self.actor, old=old, body=request, now=datetime.now(UTC)
        )
        return self._start(
            mutation, kind=SagaKind.RESCHEDULE, plan=plan, appointment_id=body.new_appointment_id
        )

    def _start(
        self,
        mutation: Mutation,
        *,
        kind: SagaKind,
        plan: tuple[dict[str, Any], AppError | None],
        appointment_id: uuid.UUID,
    ) -> MutationResult:
        """Start the booking saga as the HTTP API does, with the desktop's ids. The saga runs after the
        push commits; its outcome reaches the booker as the appointment's change and a notification."""
        payload, refusal = plan
        payload["appointment_id"] = str(appointment_id)
        payload["origin"] = SYNC_ORIGIN
        key = payload["client_request_id"]
        if booking_repository.saga_by_request(
            self.session, started_by=self.actor.user_id, client_request_id=key
        ):
            # The same request queued again under a new number: it is already under way.
            return self._applied(mutation, None)
        saga = self.saga_engine.begin(
            self.session,
            kind=kind,
            payload=payload,
            started_by=self.actor.user_id,
            client_request_id=key,
            refusal=refusal,
        )
        audit.record(
            self.session,
            actor=self.actor,
            client=self.client,
            action=f"appointment.{kind.value}",
            entity="appointment",
            entity_id=appointment_id,
            details={"saga_id": str(saga.id), "via": "sync", "mutation_id": mutation.mutation_id},
        )
        self.session.flush()
        if refusal is not None:
            # Known at once (outside the doctor's hours): a final answer; the rejected appointment and its
            # alternatives still arrive by pull.
            return _refused(mutation, refusal)
        self.started_sagas.append(saga.id)
        return self._applied(mutation, None)

    def _cancel(self, mutation: Mutation) -> MutationResult:
        self._check_booker()
        body = CancelAppointment.model_validate(mutation.payload)
        appointment = booking.cancel(
            self.session,
            actor=self.actor,
            client=self.client,
            appointment_id=mutation.entity_id,
            reason=body.reason,
        )
        return self._applied(mutation, appointment.version)

    def _attendance(self, mutation: Mutation) -> MutationResult:
        self._check_booker()
        body = RecordAttendance.model_validate(mutation.payload)
        appointment = booking.record_attendance(
            self.session,
            actor=self.actor,
            client=self.client,
            appointment_id=mutation.entity_id,
            status=body.status.value,
            now=datetime.now(UTC),
        )
        return self._applied(mutation, appointment.version)
