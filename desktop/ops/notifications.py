"""The signed-in person's notifications, as the notification centre and the tray read and mark them.

The server writes a notification whenever someone else changes one of my records (a ticket approved,
dispatched, a booking confirmed...) and puts it on my own feed ("user:<id>"), so each one arrives as an
Entity.NOTIFICATION record with a pull and stays in my cache: the centre works after a restart and
offline. A read mark is a queued change like any other (optimistic here, sent when the network allows),
so reading on one workstation reaches the others.

Everything here blocks: run it through `desktop.ops.background.Op` on the store worker. The functions
raise what the store raises (StorageUnavailable).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from desktop.store import CachedRecord, LocalStore
from desktop.store.mutations import queue_notification_read
from shared.protocol import Entity

SHOWN = 200  # the centre lists this many, newest first; older ones stay in the cache


@dataclass(frozen=True, slots=True)
class Notice:
    """One notification as the centre shows it."""

    id: uuid.UUID
    kind: str  # e.g. ticket.approved, appointment.confirmed: the desktop words it in the user's language
    title: str  # the server's English title, shown when the desktop does not know the kind
    body: str  # the server's specifics (who, what)
    entity: str | None  # what opening it shows: "ticket" or "appointment"
    entity_id: uuid.UUID | None
    created_at: datetime | None
    read: bool


@dataclass(frozen=True, slots=True)
class NoticeList:
    """The newest notifications and how many are unread in all."""

    notices: tuple[Notice, ...]
    unread: int


def _time(value: object) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def notice_of(record: CachedRecord) -> Notice:
    data = record.data
    about = data.get("entity_id")
    try:
        entity_id = uuid.UUID(str(about)) if about else None
    except ValueError:
        entity_id = None
    return Notice(
        id=record.id,
        kind=str(data.get("kind") or ""),
        title=str(data.get("title") or ""),
        body=str(data.get("body") or ""),
        entity=str(data["entity"]) if data.get("entity") else None,
        entity_id=entity_id,
        created_at=_time(data.get("created_at")),
        read=bool(data.get("read_at")),
    )


def _newest_first(record: CachedRecord) -> tuple[str, str]:
    return (str(record.data.get("created_at") or ""), str(record.id))


def recent_notifications(store: LocalStore, *, limit: int = SHOWN) -> NoticeList:
    """The newest `limit` notifications (newest first) and the number of unread ones."""
    records = store.records(Entity.NOTIFICATION)
    records.sort(key=_newest_first, reverse=True)
    unread = sum(1 for record in records if not record.data.get("read_at"))
    return NoticeList(tuple(notice_of(record) for record in records[:limit]), unread)


def unread_notifications(store: LocalStore) -> list[CachedRecord]:
    """The unread notifications (the server sends only mine), oldest first."""
    unread = [n for n in store.records(Entity.NOTIFICATION) if not n.data.get("read_at")]
    return sorted(unread, key=_newest_first)


def mark_notifications_read(store: LocalStore, notification_ids: Iterable[uuid.UUID]) -> int:
    """Queue a read mark for each; returns how many were queued. Already-read ones are skipped."""
    queued = 0
    for notification_id in notification_ids:
        record = store.record(Entity.NOTIFICATION, notification_id)
        if record is None or record.data.get("read_at"):
            continue
        queue_notification_read(store, notification_id=notification_id)
        queued += 1
    return queued


def mark_all_read(store: LocalStore) -> int:
    """Queue a read mark for every unread notification; returns how many."""
    return mark_notifications_read(store, [record.id for record in unread_notifications(store)])
