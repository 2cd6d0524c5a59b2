"""The staff-notification change a desktop queues: "read" (the handler the sync push applies)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shared.protocol import Mutation, MutationName
from sync_server.auth.deps import Actor
from sync_server.core.context import ClientInfo
from sync_server.staff_notifications import service


def mark_read(session: Session, actor: Actor, client: ClientInfo, mutation: Mutation) -> int:
    notification = service.mark_read(session, user_id=actor.user_id, notification_id=mutation.entity_id)
    return notification.version


HANDLERS = {MutationName.NOTIFICATION_READ: mark_read}
