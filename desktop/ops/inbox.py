"""The conflict and rejection inbox: changes made here that the server did not apply (someone changed the
record first, or the rules refused it), with what the author needs to decide: keep mine, take theirs,
edit and resend, or book one of the times offered instead of a refused booking.

Everything here blocks: run it through `desktop.ops.background.Op` on the store worker. The functions
raise what the store raises (StorageUnavailable, NotFound), as their docstrings say.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from desktop.ops.booking import BookingDesk, CalendarRights, offered_slots
from desktop.ops.calendar_query import Slot, StoreCalendarQuery
from desktop.store import LocalStore, NotFound, OutboxEntry
from shared.protocol import MutationName


@dataclass(frozen=True)
class InboxItem:
    """A change the server did not apply, with what the user needs to decide about it."""

    entry: OutboxEntry
    current: dict[str, Any] | None  # the record as the server has it now (conflict) or as cached

    @property
    def is_conflict(self) -> bool:
        return self.entry.state == "conflict"

    @property
    def alternatives(self) -> tuple[Slot, ...]:
        """For a refused booking (by the server at once, or by its booking saga later), the free times
        the server offered instead; none for any other change."""
        if self.entry.name is not MutationName.APPOINTMENT_BOOK or self.current is None:
            return ()
        return offered_slots(self.current)


def inbox_items(store: LocalStore) -> list[InboxItem]:
    """Conflicts and rejections, newest first. Blocking.

    A booking made here that the server accepted and its saga then refused is a rejection too (the
    store settles it so when the refused appointment arrives): only its author's cache holds it.
    """
    items = []
    for entry in store.outbox_entries(states=["conflict", "rejected"]):
        current = entry.server_record
        if current is None:
            cached = store.record(entry.entity, entry.entity_id)
            current = cached.data if cached is not None else None
        items.append(InboxItem(entry, current))
    return sorted(items, key=lambda item: item.entry.updated_at, reverse=True)


def keep_mine(store: LocalStore, mutation_id: int) -> OutboxEntry:
    """Send my change again on the server's current version. Raises NotFound."""
    return store.keep_mine(mutation_id)


def take_theirs(store: LocalStore, mutation_id: int) -> None:
    store.take_theirs(mutation_id)


def _waiting(store: LocalStore, mutation_id: int) -> OutboxEntry:
    for entry in store.outbox_entries(states=["conflict", "rejected"]):
        if entry.mutation_id == mutation_id:
            return entry
    raise NotFound(f"change #{mutation_id} is not waiting for a decision")


def dismiss(store: LocalStore, mutation_id: int) -> None:
    """Forget a change: a rejection once read, a conflict by taking the server's version."""
    entry = _waiting(store, mutation_id)
    if entry.state == "conflict":
        store.take_theirs(mutation_id)
    else:
        store.dismiss_rejection(mutation_id)


def edit_and_resend(store: LocalStore, mutation_id: int) -> tuple[str, uuid.UUID]:
    """Take a refused change back for editing.

    A refused submission becomes a draft again (a new id: the server may know the old one) and the
    answer is ("draft", draft id); any other change is dropped in favour of the server's record and the
    answer is ("ticket", ticket id), to redo the action on the ticket as it is now. Raises NotFound.
    """
    entry = _waiting(store, mutation_id)
    if entry.name is MutationName.TICKET_SUBMIT:
        payload = dict(entry.payload)
        ward = payload.pop("ward_id", None)
        draft_id = store.save_draft(data=payload, ward_id=uuid.UUID(str(ward)) if ward else None)
        dismiss(store, mutation_id)
        return "draft", draft_id
    dismiss(store, mutation_id)
    return "ticket", entry.entity_id


def book_offered_time(
    store: LocalStore, *, rights: CalendarRights, mutation_id: int, starts_at: datetime
) -> uuid.UUID:
    """Book one of the times offered for a refused booking instead (same doctor, patient, length, room
    and reason), and dismiss the refusal; returns the new appointment's id. Blocking.

    Raises NotFound (no such refusal), BookingRefused (not allowed, the time has passed...),
    StorageUnavailable. Wake the sync engine afterwards.
    """
    entry = _waiting(store, mutation_id)
    if entry.name is not MutationName.APPOINTMENT_BOOK:
        raise NotFound(f"change #{mutation_id} is not a booking")
    desk = BookingDesk(StoreCalendarQuery(store), rights)
    return desk.book_instead(appointment_id=entry.entity_id, starts_at=starts_at)
