"""A patient's history timeline from the cache, without Qt: the pulled `history_entry` records, newest
first, a page at a time (tables of migration 0007), and the doctor's notes still waiting to sync.

Notes are written offline: `queue_note` and `queue_amendment` put a `history.note_add` or
`history.note_amend` in the outbox, and the timeline shows it at once, marked as waiting, from the outbox
itself. It stays there until the server's own entry for it is pulled (the server projects notes into the
history a moment after it accepts them), then that entry takes its place. Nothing is edited in place: an
amendment is a new entry naming the note it amends.
"""

from __future__ import annotations

import logging
import uuid
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Column, Index, String, Table, and_, select
from sqlalchemy.engine import Connection

from desktop.store import CachedRecord, LocalStore, OutboxEntry, schema
from shared.history import HISTORY_PAGE_MAX, AddNote, AmendNote, HistoryKind
from shared.protocol import Entity, MutationName

log = logging.getLogger(__name__)

history_entries = Table(
    "history_entries",
    schema.metadata,
    Column("id", String(36), primary_key=True),
    Column("patient_id", String(36), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("sort_key", String(80), nullable=False),
    Index("ix_history_entries_patient", "patient_id", "sort_key"),
    Index("ix_history_entries_patient_kind", "patient_id", "kind", "sort_key"),
)

NOTE_MUTATIONS = (MutationName.HISTORY_NOTE_ADD.value, MutationName.HISTORY_NOTE_AMEND.value)
# Outbox states in which a note is still shown from the outbox: not answered, refused (with its reason),
# or accepted but its history entry not pulled yet.
_SHOWN_STATES = ("queued", "sent", "rejected", "conflict", "applied")


class Waiting:
    """Where a note made here stands (None on an entry from the server)."""

    QUEUED = "queued"  # on this computer only
    SENT = "sent"  # the server accepted it; its history entry is on the way
    REFUSED = "refused"  # the server refused it: `refusal` says why


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the timeline: a pulled history entry, or a note of this workstation waiting to sync."""

    key: str  # the server's sort key; "~local~<mutation id>" for a waiting note (sorts above every time)
    kind: HistoryKind
    occurred_at: datetime
    title: str
    summary: str = ""
    event_type: str = ""
    subject_id: str | None = None
    author_name: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    waiting: str | None = None  # a Waiting value for a note made here
    refusal: str | None = None
    mutation_id: int | None = None

    @property
    def note_id(self) -> uuid.UUID | None:
        """The note this entry is (or amends): what an amendment names."""
        if self.kind is not HistoryKind.NOTE:
            return None
        named = self.details.get("amends") or self.subject_id
        try:
            return uuid.UUID(str(named)) if named else None
        except ValueError:
            return None

    @property
    def is_amendment(self) -> bool:
        return bool(self.details.get("amends"))


@dataclass(frozen=True)
class TimelinePage:
    entries: list[TimelineEntry]
    next_before: str | None  # pass as `before` for the next (older) page; None: no more


def _aware(value: Any) -> datetime:
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _pulled(data: dict[str, Any]) -> TimelineEntry | None:
    """A pulled record as a timeline entry; None (and a log line) for one the desktop cannot read."""
    try:
        details = data.get("details") or {}
        return TimelineEntry(
            key=str(data["sort_key"]),
            kind=HistoryKind(data["kind"]),
            occurred_at=_aware(data["occurred_at"]),
            title=str(data.get("title") or ""),
            summary=str(data.get("summary") or ""),
            event_type=str(data.get("event_type") or ""),
            subject_id=None if data.get("subject_id") is None else str(data["subject_id"]),
            author_name=None if data.get("author_name") is None else str(data["author_name"]),
            details=details if isinstance(details, dict) else {},
        )
    except (KeyError, ValueError, TypeError):
        log.warning("a history entry the desktop cannot read was skipped: %r", data.get("sort_key"))
        return None


class PatientHistory:
    """Reads a patient's timeline from the cache. Raises StorageUnavailable like the store."""

    def __init__(self, store: LocalStore) -> None:
        self._store = store

    def _read(self) -> AbstractContextManager[Connection]:
        """The store's reads: its connection pool, its storage errors (StorageUnavailable)."""
        return self._store._read()  # noqa: SLF001

    def page(
        self,
        patient_id: uuid.UUID,
        *,
        kind: HistoryKind | None = None,
        before: str | None = None,
        limit: int = 50,
    ) -> TimelinePage:
        """Entries older than `before` (None: the newest, with the notes waiting to sync on top), newest
        first, at most `limit` pulled ones."""
        limit = max(1, min(limit, HISTORY_PAGE_MAX))
        h, records = history_entries, schema.records
        query = (
            select(records.c.data)
            .select_from(
                h.join(records, and_(records.c.entity == Entity.HISTORY_ENTRY.value, records.c.id == h.c.id))
            )
            .where(h.c.patient_id == str(patient_id))
            .order_by(h.c.sort_key.desc())
            .limit(limit + 1)
        )
        if kind is not None:
            query = query.where(h.c.kind == kind.value)
        if before is not None:
            query = query.where(h.c.sort_key < before)
        with self._read() as conn:
            rows = conn.execute(query).all()
            waiting = self._waiting(conn, patient_id) if before is None else []
        more = len(rows) > limit
        entries = [entry for (data,) in rows[:limit] if (entry := _pulled(data)) is not None]
        if kind is not None:
            waiting = [entry for entry in waiting if entry.kind is kind]
        next_before = entries[-1].key if more and entries else None
        return TimelinePage(entries=waiting + entries, next_before=next_before)

    def appointments(self, patient_id: uuid.UUID) -> list[CachedRecord]:
        """The patient's cached appointments, newest first."""
        table = schema.appointments
        query = select(table).where(table.c.patient_id == str(patient_id)).order_by(table.c.starts_at.desc())
        with self._read() as conn:
            return [
                CachedRecord(Entity.APPOINTMENT, uuid.UUID(row.id), row.version, row.data, bool(row.pending))
                for row in conn.execute(query)
            ]

    def _waiting(self, conn: Connection, patient_id: uuid.UUID) -> list[TimelineEntry]:
        """This workstation's notes for the patient that the pulled history does not show yet, newest
        first."""
        outbox = schema.outbox
        rows = conn.execute(
            select(outbox)
            .where(outbox.c.name.in_(NOTE_MUTATIONS), outbox.c.state.in_(_SHOWN_STATES))
            .order_by(outbox.c.mutation_id)
        ).all()
        if not rows:
            return []
        pulled_notes = self._pulled_notes(conn, patient_id)
        own_ids = {note for note, _ in pulled_notes if note}
        shown: list[TimelineEntry] = []
        for row in rows:
            payload = row.payload or {}
            note_id = str(row.entity_id)
            if row.name == MutationName.HISTORY_NOTE_ADD.value:
                if payload.get("patient_id") != str(patient_id):
                    continue
                own_ids.add(note_id)
                arrived = any(subject == note_id and not amends for subject, (amends, _) in pulled_notes)
            else:
                if note_id not in own_ids:
                    continue  # an amendment of another patient's note
                arrived = any(
                    amends == note_id and text == payload.get("text") for _, (amends, text) in pulled_notes
                )
            if arrived:
                continue
            shown.append(_waiting_entry(row))
        return list(reversed(shown))

    def _pulled_notes(self, conn: Connection, patient_id: uuid.UUID) -> list[tuple[str, tuple[str, Any]]]:
        """(subject id, (amended note id, text)) of the patient's pulled notes."""
        h, records = history_entries, schema.records
        rows = conn.execute(
            select(records.c.data)
            .select_from(
                h.join(records, and_(records.c.entity == Entity.HISTORY_ENTRY.value, records.c.id == h.c.id))
            )
            .where(h.c.patient_id == str(patient_id), h.c.kind == HistoryKind.NOTE.value)
        ).all()
        notes = []
        for (data,) in rows:
            details = data.get("details") or {}
            details = details if isinstance(details, dict) else {}
            amends = str(details["amends"]) if details.get("amends") else ""
            notes.append((str(data.get("subject_id") or ""), (amends, details.get("text"))))
        return notes


def _waiting_entry(row: Any) -> TimelineEntry:
    payload = row.payload or {}
    adding = row.name == MutationName.HISTORY_NOTE_ADD.value
    state = {"queued": Waiting.QUEUED, "sent": Waiting.QUEUED, "applied": Waiting.SENT}.get(
        row.state, Waiting.REFUSED
    )
    details: dict[str, Any] = {"text": payload.get("text", "")}
    if adding:
        details["noted_on"] = payload.get("noted_on")
    else:
        details["amends"] = str(row.entity_id)
        details["reason"] = payload.get("reason", "")
    return TimelineEntry(
        key=f"~local~{row.mutation_id:012d}",
        kind=HistoryKind.NOTE,
        occurred_at=row.made_at,
        title="",
        summary=str(payload.get("text", "")),
        event_type="note.added" if adding else "note.amended",
        subject_id=str(row.entity_id),
        details=details,
        waiting=state,
        refusal=row.reason if state == Waiting.REFUSED else None,
        mutation_id=row.mutation_id,
    )


def queue_note(
    store: LocalStore, *, patient_id: uuid.UUID, noted_on: date, text: str, note_id: uuid.UUID | None = None
) -> OutboxEntry:
    """A doctor's dated note, queued for the server (shown at once as waiting).

    Raises pydantic.ValidationError (empty or too long), StorageUnavailable."""
    payload = AddNote(patient_id=patient_id, noted_on=noted_on, text=text.strip())
    return store.queue_mutation(
        name=MutationName.HISTORY_NOTE_ADD, entity_id=note_id or uuid.uuid4(), payload=payload
    )


def queue_amendment(store: LocalStore, *, note_id: uuid.UUID, text: str, reason: str) -> OutboxEntry:
    """An amendment of a note (the note stays as written). Raises pydantic.ValidationError (empty text, a
    reason under 3 characters), StorageUnavailable."""
    payload = AmendNote(text=text.strip(), reason=reason.strip())
    return store.queue_mutation(name=MutationName.HISTORY_NOTE_AMEND, entity_id=note_id, payload=payload)
