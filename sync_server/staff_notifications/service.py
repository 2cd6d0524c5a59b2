"""Telling people what changed: write a notification and put it on its owner's change feed.

Every notification is a synced record (Entity.NOTIFICATION, scope "user:<id>"), so a desktop learns of
it on its next pull (or at once with a long poll), and a read mark made on one workstation reaches the
others.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.protocol import Entity
from sync_server.core.errors import NotFound
from sync_server.feed import scopes
from sync_server.feed.changes import record_change
from sync_server.staff_notifications.models import Notification

MAX_TITLE = 200
MAX_BODY = 1000


def notification_record(notification: Notification) -> dict[str, Any]:
    """The JSON `data` of a Change for Entity.NOTIFICATION (and the API's answer)."""
    return {
        "id": str(notification.id),
        "user_id": str(notification.user_id),
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "entity": notification.entity,
        "entity_id": str(notification.entity_id) if notification.entity_id else None,
        "created_at": notification.created_at.isoformat(),
        "read_at": notification.read_at.isoformat() if notification.read_at else None,
        "version": notification.version,
    }


def _publish(session: Session, notification: Notification) -> None:
    record_change(
        session,
        entity=Entity.NOTIFICATION,
        entity_id=notification.id,
        version=notification.version,
        scopes=[scopes.user(notification.user_id)],
        data=notification_record(notification),
    )


def notify(
    session: Session,
    *,
    user_id: uuid.UUID,
    kind: str,
    title: str,
    body: str = "",
    entity: Entity | None = None,
    entity_id: uuid.UUID | None = None,
) -> Notification:
    """Write one notification for `user_id` in the caller's transaction and record it on the feed.

    Over-long titles and bodies are shortened rather than refused: the change that caused the
    notification must not fail because of its wording.
    """
    notification = Notification(
        id=uuid.uuid4(),
        user_id=user_id,
        kind=kind,
        title=_shorten(title, MAX_TITLE),
        body=_shorten(body, MAX_BODY),
        entity=entity.value if entity else None,
        entity_id=entity_id,
        created_at=datetime.now(UTC),  # set here, not by the server: the record is complete without a flush
        version=1,
    )
    session.add(notification)
    _publish(session, notification)
    return notification


def notifications_of(
    session: Session, user_id: uuid.UUID, *, unread_only: bool, limit: int, offset: int
) -> list[Notification]:
    """A person's notifications, newest first."""
    query = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    query = query.order_by(Notification.created_at.desc(), Notification.id).limit(limit).offset(offset)
    return list(session.scalars(query))


def mark_read(session: Session, *, user_id: uuid.UUID, notification_id: uuid.UUID) -> Notification:
    """Mark the caller's own notification read (again is harmless: nothing changes).

    Raises NotFound when it does not exist or belongs to someone else (whose notifications are not
    the caller's business, not even their existence).
    """
    notification = session.get(Notification, notification_id, with_for_update=True)
    if notification is None or notification.user_id != user_id:
        raise NotFound("No such notification.")
    if notification.read_at is None:
        notification.read_at = datetime.now(UTC)
        notification.version += 1
        _publish(session, notification)
    return notification


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
