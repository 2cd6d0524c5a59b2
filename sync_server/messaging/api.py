"""Admin view of dead letters: messages a consumer gave up on, and putting them back once fixed."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from shared.errors import ErrorCode
from shared.events import EventEnvelope
from shared.roles import Role
from sync_server.audit.service import record as audit
from sync_server.auth.deps import Allowed
from sync_server.core.clock import Now
from sync_server.core.config import Settings
from sync_server.core.context import Client, DbSession, SettingsDep
from sync_server.core.errors import AppError
from sync_server.core.openapi import AUTHED, WITH_BODY, errors
from sync_server.core.outbox import OutboxMessage
from sync_server.messaging import dead_letters, failures
from sync_server.messaging.consumers import Consumer
from sync_server.messaging.models import MessageFailure
from sync_server.messaging.rabbitmq import BrokerUnavailable, list_dead_letters, replay_dead_letters
from sync_server.messaging.runner import topology_of

router = APIRouter(prefix="/admin/dead-letters", tags=["admin"])


class BrokerUnreachable(AppError):
    status_code = 503
    code = ErrorCode.SERVICE_UNAVAILABLE


class DeadLetterOut(BaseModel):
    consumer: str
    message_id: str
    event_type: str
    aggregate_type: str | None = None
    aggregate_id: str | None = None
    reason: str = Field(description="Why it was dead-lettered: delivery_limit, rejected...")
    death_count: int = Field(description="How many times the broker dead-lettered it")
    dead_since: datetime | None = None
    last_error: str | None = Field(default=None, description="The consumer's last failure")
    attempts: int | None = Field(default=None, description="Failed deliveries to this consumer")
    first_failed_at: datetime | None = None
    last_failed_at: datetime | None = None


class DeadLetterList(BaseModel):
    transport: Literal["rabbitmq", "in-process"]
    dead_letters: list[DeadLetterOut]


class ReplayRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=1000, description="Only these messages; all dead letters when omitted."
    )


class Replayed(BaseModel):
    consumer: str
    message_id: str


class ReplayResult(BaseModel):
    replayed: list[Replayed]


def _consumers(request: Request, settings: Settings) -> list[Consumer]:
    """The consumers the composition root wired into this app."""
    consumers: list[Consumer] = request.app.state.consumers
    return consumers


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


@router.get("", response_model=DeadLetterList, responses=errors(*AUTHED, 503))
def list_dead_letter_messages(
    request: Request,
    session: DbSession,
    settings: SettingsDep,
    client: Client,
    actor: Allowed(Role.ADMIN),  # type: ignore[valid-type]
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> DeadLetterList:
    """Messages every consumer gave up on, with why. Reading them does not remove them."""
    names = [consumer.name for consumer in _consumers(request, settings)]
    if settings.amqp_url is None:
        letters = _in_process_dead_letters(session, names, limit)
        transport: Literal["rabbitmq", "in-process"] = "in-process"
    else:
        try:
            found = list_dead_letters(
                settings.amqp_url, topology=topology_of(settings), consumers=names, limit=limit
            )
        except BrokerUnavailable as exc:
            raise BrokerUnreachable(f"The message broker is not reachable: {exc}") from exc
        keys = [(dead.consumer, key) for dead in found if (key := _as_uuid(dead.message_id))]
        errors_by_key = failures.last_errors(session, keys)
        recorded = {
            (letter.consumer, letter.message_id): letter
            for letter in dead_letters.dead_letters(session, consumers=names, limit=10_000)
        }
        letters = []
        for dead in found:
            envelope = _envelope(dead.body)
            key = _as_uuid(dead.message_id)
            known = recorded.get((dead.consumer, key)) if key else None
            last_error = errors_by_key.get((dead.consumer, key)) if key else None
            letters.append(
                DeadLetterOut(
                    consumer=dead.consumer,
                    message_id=dead.message_id,
                    event_type=dead.event_type,
                    aggregate_type=envelope.aggregate_type if envelope else None,
                    aggregate_id=envelope.aggregate_id if envelope else None,
                    reason=dead.reason,
                    death_count=dead.death_count,
                    dead_since=dead.dead_since,
                    last_error=dead_letters.redact_error(last_error) if last_error else None,
                    attempts=known.attempts if known else None,
                    first_failed_at=known.first_failed_at if known else None,
                    last_failed_at=known.last_failed_at if known else None,
                )
            )
        transport = "rabbitmq"
    audit(
        session,
        actor=actor,
        client=client,
        action="dead_letters.read",
        entity="dead_letter",
        details={"count": len(letters)},
    )
    return DeadLetterList(transport=transport, dead_letters=letters)


@router.post("/replay", response_model=ReplayResult, responses=errors(*WITH_BODY, 503))
def replay_dead_letter_messages(
    request: Request,
    body: ReplayRequest,
    session: DbSession,
    settings: SettingsDep,
    client: Client,
    now: Now,
    actor: Allowed(Role.ADMIN),  # type: ignore[valid-type]
) -> ReplayResult:
    """Give dead letters back to their consumer (after the cause is fixed). Consumers are idempotent, so
    replaying a message that was in fact handled does nothing twice."""
    consumers = _consumers(request, settings)
    wanted = frozenset(str(m) for m in body.message_ids) if body.message_ids is not None else None
    if settings.amqp_url is None:
        replayed = _replay_in_process(session, consumers, wanted)
    else:
        try:
            moved = replay_dead_letters(
                settings.amqp_url,
                topology=topology_of(settings),
                consumers=[consumer.name for consumer in consumers],
                message_ids=wanted,
            )
        except BrokerUnavailable as exc:
            raise BrokerUnreachable(f"The message broker is not reachable: {exc}") from exc
        replayed = [Replayed(consumer=consumer, message_id=message_id) for consumer, message_id in moved]
        dead_letters.mark_replayed(session, moved, admin=actor.username, at=now)
    audit(
        session,
        actor=actor,
        client=client,
        action="dead_letters.replay",
        entity="dead_letter",
        details={"replayed": [r.model_dump() for r in replayed][:100], "count": len(replayed)},
    )
    return ReplayResult(replayed=replayed)


def _envelope(body: bytes) -> EventEnvelope | None:
    try:
        return EventEnvelope.model_validate(json.loads(body))
    except ValueError:
        return None


def _in_process_dead_letters(session: DbSession, names: list[str], limit: int) -> list[DeadLetterOut]:
    rows = session.execute(
        select(MessageFailure, OutboxMessage)
        .join(OutboxMessage, OutboxMessage.message_id == MessageFailure.message_id)
        .where(MessageFailure.dead_lettered_at.is_not(None), MessageFailure.consumer.in_(names))
        .order_by(MessageFailure.dead_lettered_at)
        .limit(limit)
    )
    return [
        DeadLetterOut(
            consumer=failure.consumer,
            message_id=str(failure.message_id),
            event_type=message.event_type,
            aggregate_type=message.aggregate_type,
            aggregate_id=message.aggregate_id,
            reason="delivery_limit" if failure.failures > 1 else "rejected",
            death_count=1,
            dead_since=failure.dead_lettered_at,
            last_error=dead_letters.redact_error(failure.last_error),
            attempts=failure.failures,
            first_failed_at=failure.first_failed_at,
            last_failed_at=failure.last_failed_at,
        )
        for failure, message in rows
    ]


def _replay_in_process(
    session: DbSession, consumers: list[Consumer], wanted: frozenset[str] | None
) -> list[Replayed]:
    """Reset the consumer's failures and mark the outbox row unpublished: the in-process relay delivers
    it again (consumers that already handled it skip it)."""
    query = (
        select(MessageFailure, OutboxMessage)
        .join(OutboxMessage, OutboxMessage.message_id == MessageFailure.message_id)
        .where(
            MessageFailure.dead_lettered_at.is_not(None),
            MessageFailure.consumer.in_([consumer.name for consumer in consumers]),
        )
        .order_by(OutboxMessage.id)
        .with_for_update()
    )
    replayed: list[Replayed] = []
    for failure, message in session.execute(query).all():
        if wanted is not None and str(failure.message_id) not in wanted:
            continue
        failure.dead_lettered_at = None
        failure.failures = 0  # a fresh start: the full delivery limit again
        failure.resolution = "replayed"
        message.published_at = None
        replayed.append(Replayed(consumer=failure.consumer, message_id=str(failure.message_id)))
    session.flush()
    return replayed


# -- one dead letter: inspect, replay, discard --------------------------------------------------------


class DeadLetterDetailOut(BaseModel):
    consumer: str
    message_id: uuid.UUID
    event_type: str | None
    aggregate_type: str | None
    aggregate_id: str | None
    error: str = Field(description="The consumer's last failure (e-mail addresses redacted)")
    attempts: int
    first_failed_at: datetime
    last_failed_at: datetime
    dead_since: datetime | None = Field(description="None once replayed or discarded")
    resolution: Literal["replayed", "discarded"] | None
    resolved_at: datetime | None
    resolved_by: str | None
    resolution_reason: str | None
    occurred_at: datetime | None = None
    payload: Any = Field(
        default=None, description="What the event carried; every text but ids, times and states «redacted»"
    )


class DeadLetterOutcome(BaseModel):
    done_now: bool = Field(description="False when it had been replayed (or discarded) already")
    dead_letter: DeadLetterDetailOut


class DiscardRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=500, description="Why it is set aside, for the audit log")


def _detail_out(
    letter: dead_letters.DeadLetter, *, payload: Any = None, occurred_at: datetime | None = None
) -> DeadLetterDetailOut:
    return DeadLetterDetailOut(**vars(letter), payload=payload, occurred_at=occurred_at)


_ONE = "/{consumer}/{message_id}"
_CONSUMER = Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9][a-z0-9.-]*$")]


@router.get(_ONE, response_model=DeadLetterDetailOut, responses=errors(*AUTHED, 404, 503))
def inspect_dead_letter(
    consumer: _CONSUMER,
    message_id: uuid.UUID,
    session: DbSession,
    settings: SettingsDep,
    client: Client,
    actor: Allowed(Role.ADMIN),  # type: ignore[valid-type]
) -> DeadLetterDetailOut:
    """One dead letter with its redacted payload (also one already replayed or discarded)."""
    try:
        found = dead_letters.detail(
            session,
            consumer=consumer,
            message_id=message_id,
            amqp_url=settings.amqp_url,
            topology=topology_of(settings),
        )
    except BrokerUnavailable as exc:
        raise BrokerUnreachable(f"The message broker is not reachable: {exc}") from exc
    audit(
        session,
        actor=actor,
        client=client,
        action="dead_letters.inspect",
        entity="dead_letter",
        entity_id=message_id,
        details={"consumer": consumer},
    )
    return _detail_out(found.letter, payload=found.payload, occurred_at=found.occurred_at)


@router.post(_ONE + "/replay", response_model=DeadLetterOutcome, responses=errors(*AUTHED, 404, 409, 503))
def replay_dead_letter(
    consumer: _CONSUMER,
    message_id: uuid.UUID,
    session: DbSession,
    settings: SettingsDep,
    client: Client,
    now: Now,
    actor: Allowed(Role.ADMIN),  # type: ignore[valid-type]
) -> DeadLetterOutcome:
    """Give one dead letter back to its consumer. Repeating it is safe: a replayed one answers
    `done_now: false` and nothing is sent again. 409 for a discarded one."""
    try:
        letter, moved = dead_letters.replay(
            session,
            consumer=consumer,
            message_id=message_id,
            admin=actor.username,
            at=now,
            amqp_url=settings.amqp_url,
            topology=topology_of(settings),
        )
    except BrokerUnavailable as exc:
        raise BrokerUnreachable(f"The message broker is not reachable: {exc}") from exc
    if moved:
        audit(
            session,
            actor=actor,
            client=client,
            action="dead_letters.replay",
            entity="dead_letter",
            entity_id=message_id,
            details={"consumer": consumer},
        )
    return DeadLetterOutcome(done_now=moved, dead_letter=_detail_out(letter))


@router.post(_ONE + "/discard", response_model=DeadLetterOutcome, responses=errors(*WITH_BODY, 404, 409, 503))
def discard_dead_letter(
    consumer: _CONSUMER,
    message_id: uuid.UUID,
    body: DiscardRequest,
    session: DbSession,
    settings: SettingsDep,
    client: Client,
    now: Now,
    actor: Allowed(Role.ADMIN),  # type: ignore[valid-type]
) -> DeadLetterOutcome:
    """Set one dead letter aside for good, with the reason (audited). Repeating it answers `done_now:
    false`; 409 for one already replayed."""
    try:
        letter, discarded = dead_letters.discard(
            session,
            consumer=consumer,
            message_id=message_id,
            reason=body.reason.strip(),
            admin=actor.username,
            at=now,
            amqp_url=settings.amqp_url,
            topology=topology_of(settings),
        )
    except BrokerUnavailable as exc:
        raise BrokerUnreachable(f"The message broker is not reachable: {exc}") from exc
    if discarded:
        audit(
            session,
            actor=actor,
            client=client,
            action="dead_letters.discard",
            entity="dead_letter",
            entity_id=message_id,
            details={"consumer": consumer, "reason": body.reason.strip()},
        )
    return DeadLetterOutcome(done_now=discarded, dead_letter=_detail_out(letter))
