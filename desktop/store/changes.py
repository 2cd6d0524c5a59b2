"""What a write changed (Anki's `OpChanges`): every committed write of the store reports the records it
wrote or removed (kind and id), whether the outbox or the drafts moved, and whether the whole cache may
have changed (a reset). Screens refresh only when a report touches what they show; the sync engine wakes
when the outbox gains an entry. No Qt here.

Inside a write transaction the store notes what it touches on the connection (`note_*`); once the
transaction commits, the write's `OpChanges` goes to the store's subscribers (`ChangeListeners`).
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from sqlalchemy.engine import Connection

from shared.protocol import Entity

log = logging.getLogger(__name__)

_NOTES = "warddesk.changes"
_NOTHING: Mapping[Entity, frozenset[str]] = MappingProxyType({})


@dataclass(frozen=True)
class OpChanges:
    """What one committed write changed.

    `records`: the ids written or removed, per kind. `doctors`: the doctors whose appointments were
    written (a calendar shows a doctor's range, so a new appointment touches it by its doctor).
    `queued`: the outbox gained a change to send; `outbox`: an entry was added, answered or removed (the
    counts, the inbox); `drafts`: a ticket draft was saved or removed; `everything`: the cache was reset
    or put right after a server restore, so any record may have changed.
    """

    records: Mapping[Entity, frozenset[str]] = field(default_factory=lambda: _NOTHING)
    doctors: frozenset[str] = frozenset()
    queued: bool = False
    outbox: bool = False
    drafts: bool = False
    everything: bool = False

    @property
    def empty(self) -> bool:
        return not (self.records or self.queued or self.outbox or self.drafts or self.everything)

    def touches(self, *entities: Entity) -> bool:
        """Whether any record of these kinds may have changed."""
        return self.everything or any(entity in self.records for entity in entities)

    def ids(self, entity: Entity) -> frozenset[str]:
        """The ids of this kind that changed (meaningless when `everything`: check that first)."""
        return self.records.get(entity, frozenset())

    def touches_ids(self, entity: Entity, ids: Iterable[object]) -> bool:
        """Whether any of these records (ids as UUIDs or text) may have changed."""
        if self.everything:
            return True
        changed = self.records.get(entity)
        return bool(changed) and any(str(record_id) in changed for record_id in ids)  # type: ignore[arg-type]

    def merged(self, other: OpChanges) -> OpChanges:
        """Both reports as one (a screen that batches reports between two refreshes)."""
        records = {kind: ids | other.records.get(kind, frozenset()) for kind, ids in self.records.items()}
        for kind, ids in other.records.items():
            records.setdefault(kind, ids)
        return OpChanges(
            records=MappingProxyType(records),
            doctors=self.doctors | other.doctors,
            queued=self.queued or other.queued,
            outbox=self.outbox or other.outbox,
            drafts=self.drafts or other.drafts,
            everything=self.everything or other.everything,
        )


class _Notes:
    """What a transaction has touched so far (kept on its connection's `info`)."""

    def __init__(self) -> None:
        self.records: dict[Entity, set[str]] = {}
        self.doctors: set[str] = set()
        self.queued = self.outbox = self.drafts = self.everything = False

    def build(self) -> OpChanges:
        return OpChanges(
            records=MappingProxyType({kind: frozenset(ids) for kind, ids in self.records.items()}),
            doctors=frozenset(self.doctors),
            queued=self.queued,
            outbox=self.outbox,
            drafts=self.drafts,
            everything=self.everything,
        )


def _notes(conn: Connection) -> _Notes:
    notes = conn.info.get(_NOTES)
    if notes is None:
        notes = conn.info[_NOTES] = _Notes()
    return notes  # type: ignore[no-any-return]


def note_records(conn: Connection, entity: Entity, ids: Iterable[str]) -> None:
    _notes(conn).records.setdefault(entity, set()).update(ids)


def note_doctors(conn: Connection, doctor_ids: Iterable[Any]) -> None:
    _notes(conn).doctors.update(str(doctor) for doctor in doctor_ids if doctor)


def note_outbox(conn: Connection, *, queued: bool = False) -> None:
    notes = _notes(conn)
    notes.outbox = True
    notes.queued = notes.queued or queued


def note_drafts(conn: Connection) -> None:
    _notes(conn).drafts = True


def note_everything(conn: Connection) -> None:
    _notes(conn).everything = True


def take_notes(conn: Connection) -> OpChanges:
    """What the transaction on `conn` noted (nothing when it noted nothing); forgets them."""
    notes = conn.info.pop(_NOTES, None)
    return notes.build() if notes is not None else OpChanges()


Listener = Callable[[OpChanges], Any]


class ChangeListeners:
    """The store's subscribers. Each is called on the store's writer thread after a write commits: it must
    be quick (set an event, emit a queued Qt signal). A bound method is held weakly, so a subscriber that
    is gone (a replaced sync engine) stops being called without unsubscribing."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], Listener | None]] = []

    def subscribe(self, listener: Listener) -> None:
        reference: Callable[[], Listener | None]
        if hasattr(listener, "__self__") and hasattr(listener, "__func__"):
            reference = weakref.WeakMethod(listener)  # type: ignore[arg-type]
        else:
            reference = lambda: listener  # noqa: E731 - a plain function is held strongly
        with self._lock:
            self._listeners.append(reference)

    def unsubscribe(self, listener: Listener) -> None:
        with self._lock:
            self._listeners = [ref for ref in self._listeners if ref() not in (None, listener)]

    def clear(self) -> None:
        with self._lock:
            self._listeners.clear()

    def notify(self, changes: OpChanges) -> None:
        if changes.empty:
            return
        with self._lock:
            alive = [(ref, ref()) for ref in self._listeners]
            self._listeners = [ref for ref, listener in alive if listener is not None]
        for _ref, listener in alive:
            if listener is None:
                continue
            try:
                listener(changes)
            except Exception:  # a broken view must not break the write that has already committed
                log.exception("a store change listener failed")
