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
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from shared.errors import ErrorCode
from shared.protocol import Mutation, MutationName, MutationResult, MutationStatus, PushRequest, PushResponse
from sync_server.auth.deps import Actor
from sync_server.core.bulk import insert_rows
from sync_server.core.context import ClientInfo
from sync_server.core.errors import AppError, Conflict, Invalid, PermissionDenied
from sync_server.feed import changes as feed
from sync_server.sync import identity
from sync_server.sync.models import SyncClient, SyncMutationResult
from sync_server.tickets import mutations as ticket_mutations
from sync_server.tickets.models import RefillTicket
from sync_server.tickets.service import VersionConflict

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 1.0


class MutationGap(Conflict):
    code = ErrorCode.MUTATION_GAP


class ServerRestored(Conflict):
    code = ErrorCode.SERVER_RESTORED


class ServiceUnavailable(AppError):
    status_code = 503
    code = ErrorCode.SERVICE_UNAVAILABLE


# What a domain registers for a mutation name: it applies the change in the caller's transaction and
# answers the record's new version (None: not known yet), or a result of its own (a refusal whose effects
# must stay, such as a booking the saga refused), or raises a typed refusal (AppError).
MutationHandler = Callable[[Session, Actor, ClientInfo, Mutation], "int | None | MutationResult"]
MutationHandlers = Mapping[MutationName, MutationHandler]


class _Temporary(Exception):
    """The database said "not now": stop the batch, leave this mutation for a retry."""


def push(
    session: Session,
    *,
    actor: Actor,
    client: ClientInfo,
    request: PushRequest,
    handlers: MutationHandlers,
) -> PushResponse:
    """Apply a batch in the caller's transaction (which the caller commits), each mutation through the
    handler its domain registered for its name.

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
    response = PushResponse(results=[], last_mutation_id=last, server_epoch=epoch)
    fresh = [m for m in request.mutations if m.mutation_id > last]
    if fresh and fresh[0].mutation_id != last + 1:
        raise MutationGap(
            f"Mutation {fresh[0].mutation_id} came before {last + 1}; send the queue from {last + 1}.",
            details={"last_mutation_id": last, "expected": last + 1},
        )
    seen = [m.mutation_id for m in request.mutations if m.mutation_id <= last]
    stored = _stored_results(session, client_id=request.client_id, mutation_ids=seen)
    applier = _Applier(session, actor=actor, client=client, handlers=handlers)
    settled: list[dict[str, Any]] = []
    together = _apply_together(session, applier, fresh)
    for mutation in request.mutations:
        if mutation.mutation_id <= last:
            response.results.append(_answered_before(mutation, stored.get(mutation.mutation_id)))
            continue
        if together is not None:
            result = together[mutation.mutation_id]
            response.results.append(result)
            settled.append(_stored(mutation, result))
            last = mutation.mutation_id
            continue
        try:
            result = _apply_one(session, applier, mutation)
        except _Temporary:
            response.stopped_early = True
            response.retry_after_seconds = RETRY_AFTER_SECONDS
            break
        response.results.append(result)
        settled.append(_stored(mutation, result))
        last = mutation.mutation_id
    # Written once for the batch (one INSERT); the commit makes them durable with the effects.
    insert_rows(session, SyncMutationResult, settled)
    state.last_mutation_id = last
    state.last_push_at = datetime.now(UTC)
    session.flush()
    response.last_mutation_id = last
    return response


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
) -> dict[int, tuple[MutationResult, uuid.UUID, str]]:
    """Settled mutations' answers, with the idempotency key and name each was settled under."""
    if not mutation_ids:
        return {}
    rows = session.execute(
        select(
            SyncMutationResult.mutation_id,
            SyncMutationResult.result,
            SyncMutationResult.idempotency_key,
            SyncMutationResult.name,
        ).where(SyncMutationResult.client_id == client_id, SyncMutationResult.mutation_id.in_(mutation_ids))
    )
    return {
        mutation_id: (MutationResult.model_validate(result), key, name)
        for mutation_id, result, key, name in rows
    }


def _answered_before(
    mutation: Mutation, stored: tuple[MutationResult, uuid.UUID, str] | None
) -> MutationResult:
    """A number already settled: its stored answer, if it is the same change sent again; a refusal if
    the number now carries another change (its key stands for the first one)."""
    if stored is None:
        # Results are kept; this only answers if one was removed by hand. The mutation was settled.
        return MutationResult(
            mutation_id=mutation.mutation_id, status=MutationStatus.APPLIED, entity_id=mutation.entity_id
        )
    result, key, name = stored
    if key != mutation.idempotency_key or name != mutation.name.value:
        return MutationResult(
            mutation_id=mutation.mutation_id,
            status=MutationStatus.REJECTED,
            entity_id=mutation.entity_id,
            code=ErrorCode.IDEMPOTENCY_KEY_REUSED.value,
            reason=f"Change number {mutation.mutation_id} was already used for another change.",
        )
    return result


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
            ticket_mutations.submit_all(
                session, applier.actor, applier.client, [(m.entity_id, m.payload) for m in mutations]
            )
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
        ticket_mutations.forget_service(session)
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
    """Turns one mutation into a call of the handler its domain registered for its name."""

    def __init__(
        self, session: Session, *, actor: Actor, client: ClientInfo, handlers: MutationHandlers
    ) -> None:
        self.session = session
        self.actor = actor
        self.client = client
        self.handlers = handlers

    def apply(self, mutation: Mutation) -> MutationResult:
        handler = self.handlers.get(mutation.name)
        if handler is None:
            raise Invalid(f"The server does not know the change {mutation.name.value!r}.")
        answer = handler(self.session, self.actor, self.client, mutation)
        if isinstance(answer, MutationResult):
            return answer
        return self._applied(mutation, answer)

    @staticmethod
    def _applied(mutation: Mutation, version: int | None) -> MutationResult:
        return MutationResult(
            mutation_id=mutation.mutation_id,
            status=MutationStatus.APPLIED,
            entity_id=mutation.entity_id,
            new_version=version,
        )
