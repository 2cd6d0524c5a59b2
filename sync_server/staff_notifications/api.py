"""A signed-in person's own notifications: list them, mark one read."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from sync_server.audit import service as audit
from sync_server.auth.deps import CurrentActor
from sync_server.core.context import Client, DbSession
from sync_server.core.openapi import AUTHED, errors
from sync_server.staff_notifications import service

router = APIRouter(tags=["notifications"])


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    title: str
    body: str
    entity: str | None
    entity_id: uuid.UUID | None
    created_at: datetime
    read_at: datetime | None
    version: int


@router.get(
    "/me/notifications",
    response_model=list[NotificationOut],
    responses=errors(*AUTHED),
    summary="The caller's notifications, newest first",
)
def my_notifications(
    session: DbSession,
    actor: CurrentActor,
    unread_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[NotificationOut]:
    found = service.notifications_of(
        session, actor.user_id, unread_only=unread_only, limit=limit, offset=offset
    )
    return [NotificationOut.model_validate(n) for n in found]


@router.post(
    "/me/notifications/{notification_id}/read",
    response_model=NotificationOut,
    responses=errors(*AUTHED, 404),
    summary="Mark one of the caller's notifications read",
)
def mark_read(
    session: DbSession, actor: CurrentActor, client: Client, notification_id: uuid.UUID
) -> NotificationOut:
    """404 when the notification does not exist or is someone else's."""
    notification = service.mark_read(session, user_id=actor.user_id, notification_id=notification_id)
    audit.record(
        session,
        actor=actor,
        client=client,
        action="notification.read",
        entity="notification",
        entity_id=notification.id,
    )
    return NotificationOut.model_validate(notification)
