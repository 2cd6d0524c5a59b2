"""Recording a consumer's failed attempts (see MessageFailure). Never raises: it runs on error paths."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from sync_server.core.db import transaction
from sync_server.messaging.models import MessageFailure

log = logging.getLogger(__name__)
MAX_ERROR_CHARS = 2000


def _as_uuid(message_id: object) -> uuid.UUID | None:
    try:
        return message_id if isinstance(message_id, uuid.UUID) else uuid.UUID(str(message_id))
    except ValueError:
        return None


def record(
    session_factory: sessionmaker[Session],
    *,
    consumer: str,
    message_id: object,
    error: BaseException,
    dead: bool = False,
) -> int:
    """Count one more failure of `consumer` on `message_id`; returns the count (0 if it could not be
    recorded, e.g. the database is down or the id is not a UUID)."""
    key = _as_uuid(message_id)
    if key is None:
        return 0
    text = f"{type(error).__name__}: {error}"[:MAX_ERROR_CHARS]
    first = insert(MessageFailure).values(
        consumer=consumer,
        message_id=key,
        failures=1,
        last_error=text,
        dead_lettered_at=func.now() if dead else None,
    )
    statement = first.on_conflict_do_update(
        index_elements=[MessageFailure.consumer, MessageFailure.message_id],
        set_={
            "failures": MessageFailure.failures + 1,
            "last_error": text,
            "last_failed_at": func.now(),
            "dead_lettered_at": first.excluded.dead_lettered_at,
        },
    ).returning(MessageFailure.failures)
    try:
        with transaction(session_factory) as session:
            return int(session.execute(statement).scalar_one())
    except SQLAlchemyError as exc:
        log.warning("could not record the failure of %s on %s: %s", consumer, message_id, exc)
        return 0


def mark_dead(session_factory: sessionmaker[Session], *, consumer: str, message_id: uuid.UUID) -> None:
    """Dead-letter a message for one consumer (the in-process transport's dead-letter queue)."""
    try:
        with transaction(session_factory) as session:
            session.execute(
                update(MessageFailure)
                .where(MessageFailure.consumer == consumer, MessageFailure.message_id == message_id)
                .values(dead_lettered_at=func.now())
            )
    except SQLAlchemyError as exc:
        log.warning("could not dead-letter %s for %s: %s", message_id, consumer, exc)


def last_errors(session: Session, keys: list[tuple[str, uuid.UUID]]) -> dict[tuple[str, uuid.UUID], str]:
    if not keys:
        return {}
    rows = session.execute(
        select(MessageFailure.consumer, MessageFailure.message_id, MessageFailure.last_error).where(
            tuple_(MessageFailure.consumer, MessageFailure.message_id).in_(keys)
        )
    )
    return {(consumer, message_id): error for consumer, message_id, error in rows}
