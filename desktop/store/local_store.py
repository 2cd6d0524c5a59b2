"""`LocalStore`: one signed-in user's cache of server records, their drafts and their outbox.

Rules it keeps (see shared/LESSONS.md, "Offline sync"):
- every local change writes its optimistic rows and its outbox entry in one transaction;
- pulled rows and the cursor that follows them are committed in one transaction, so a crash re-delivers
  the page instead of skipping it;
- server data never overwrites a row with pending changes: the server's record becomes the row's base and
  the pending mutations are replayed on it (Replicache's rebase). A mutation stops being replayed once it
  is settled: its push result came back, or a complete pull reported it as settled.
- what the server stops sending leaves the cache: a row a reset kept only for its pending changes goes
  with the last of them unless the fresh pull sends it again, and removed rows are zeroed on disk
  (secure_delete) and the WAL emptied after every write that removed any.

Every public method raises StorageUnavailable when the environment lets it down (disk full, locked,
corrupt, read-only); any other exception is a bug.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import orjson
from pydantic import BaseModel, ConfigDict
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Integer,
    Row,
    Table,
    Text,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from desktop.store import schema
from desktop.store.database import WRITE, make_engine, migrate, truncate_wal
from desktop.store.effects import PendingChange, Record, apply_effect
from desktop.store.errors import StorageUnavailable, environment_failure
from desktop.store.paths import cache_path
from shared import booking
from shared.booking import AppointmentStatus
from shared.documents import MarkEnteredInError, RegisterDocument
from shared.history import AddNote, AmendNote
from shared.payments import RecordPayment, RefundPayment
from shared.protocol import (
    MAX_PUSH_BATCH,
    Change,
    Entity,
    Mutation,
    MutationName,
    MutationStatus,
    PullResponse,
    PushResponse,
)
from shared.tickets import PAYLOADS, PRIORITY_RANK, TicketAction

log = logging.getLogger(__name__)

PENDING_STATES = ("queued", "sent")
KEEP_APPLIED = timedelta(days=7)
CREATIONS = frozenset({MutationName.TICKET_SUBMIT, MutationName.APPOINTMENT_BOOK})


class _NoPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")


PAYLOAD_MODELS: dict[MutationName, type[BaseModel]] = {
    **{MutationName(f"ticket.{action.value}"): model for action, model in PAYLOADS.items()},
    MutationName.APPOINTMENT_BOOK: booking.BookAppointment,
    MutationName.APPOINTMENT_RESCHEDULE: booking.RescheduleAppointment,
    MutationName.APPOINTMENT_CANCEL: booking.CancelAppointment,
    MutationName.APPOINTMENT_ATTENDANCE: booking.RecordAttendance,
    MutationName.NOTIFICATION_READ: _NoPayload,
    MutationName.DOCUMENT_REGISTER: RegisterDocument,
    MutationName.DOCUMENT_ENTERED_IN_ERROR: MarkEnteredInError,
    MutationName.HISTORY_NOTE_ADD: AddNote,
    MutationName.HISTORY_NOTE_AMEND: AmendNote,
    MutationName.PAYMENT_RECORD: RecordPayment,
    MutationName.PAYMENT_REFUND: RefundPayment,
}
assert set(PAYLOAD_MODELS) == set(MutationName), "every mutation needs a payload model"
assert set(PAYLOADS) == set(TicketAction)


def entity_of(name: MutationName) -> Entity:
    return Entity(name.value.split(".", 1)[0])


class NotFound(LookupError):
    """The draft or outbox entry the caller named is not in the cache (or not in the expected state)."""


@dataclass(frozen=True)
class CachedRecord:
    entity: Entity
    id: uuid.UUID
    version: int | None
    data: Record
    pending: bool


class TicketKey(NamedTuple):
    """A ticket's filter and sort columns (LocalStore.ticket_keys); times are naive-UTC ISO text."""

    id: str
    ward_id: str | None
    status: str | None
    priority: str | None
    needed_by: str | None
    submitted_at: str | None


@dataclass(frozen=True)
class OutboxEntry:
    """A queued change and what became of it; the author's status list shows these."""

    mutation_id: int
    idempotency_key: uuid.UUID
    name: MutationName
    entity: Entity
    entity_id: uuid.UUID
    base_version: int | None
    payload: dict[str, Any]
    made_at: datetime
    state: str
    code: str | None
    reason: str | None
    server_record: dict[str, Any] | None
    updated_at: datetime


@dataclass(frozen=True)
class Draft:
    id: uuid.UUID
    ward_id: uuid.UUID | None
    data: dict[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class PulledRows:
    """A pulled page sorted for writing (LocalStore.prepare_pull)."""

    latest: dict[tuple[Entity, str], Change]  # the last change of each record, in feed order
    rows: dict[Entity, list[tuple[str, tuple[Any, ...]]]]  # live records: (id, row for `_upsert_sql`)


@dataclass(frozen=True)
class SyncState:
    client_id: uuid.UUID
    server_url: str
    username: str
    cursor: str | None
    last_pull_at: datetime | None
    last_push_at: datetime | None
    next_mutation_id: int
    last_settled_mutation_id: int


@dataclass(frozen=True)
class OutboxCounts:
    queued: int  # queued or sent, not yet answered
    rejected: int
    conflicts: int


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: Any) -> datetime | None:
    if not value:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


# The columns the screens filter on, copied out of the record: (column, kind) per entity. "time" columns
# hold aware datetimes (ISO text in the record), the others text.
INDEXED: dict[Entity, tuple[tuple[str, str], ...]] = {
    Entity.TICKET: (
        ("ward_id", "text"),
        ("status", "text"),
        ("priority", "text"),
        ("needed_by", "time"),
        ("submitted_at", "time"),
    ),
    Entity.APPOINTMENT: (
        ("doctor_id", "text"),
        ("patient_id", "text"),
        ("starts_at", "time"),
        ("ends_at", "time"),
        ("status", "text"),
    ),
}


def _indexed_columns(entity: Entity, data: Record) -> dict[str, Any]:
    """The columns the screens filter on, copied out of the record."""
    return {
        name: _aware(data.get(name)) if kind == "time" else _str_or_none(data.get(name))
        for name, kind in INDEXED.get(entity, ())
    }


def _utc_text(value: Any) -> str | None:
    """An ISO time from a record as schema.UtcDateTime stores it (naive UTC, microseconds), quickly.

    The server writes UTC times ("2026-03-05T10:20:00+00:00", maybe with a fraction); those are reshaped
    as text. Anything else goes through datetime.
    """
    if not value:
        return None
    if isinstance(value, str) and len(value) >= 25 and value[10] == "T" and value.endswith("+00:00"):
        fraction = value[19:-6]
        if fraction == "":
            return f"{value[:10]} {value[11:19]}.000000"
        if fraction[0] == "." and len(fraction) <= 7 and fraction[1:].isdigit():
            return f"{value[:10]} {value[11:19]}{fraction.ljust(7, '0')}"
    aware = _aware(value)
    return None if aware is None else _sqlite_value(aware)


def _dumps(data: Record) -> str:
    return orjson.dumps(data).decode()


def _indexed_kinds(entity: Entity) -> tuple[list[str], list[str]]:
    """INDEXED[entity]'s text columns and its time columns."""
    indexed = INDEXED.get(entity, ())
    return [n for n, kind in indexed if kind == "text"], [n for n, kind in indexed if kind == "time"]


@functools.cache
def _row_layout(table: Table) -> list[str]:
    """The columns of `table` in the order `_row_maker` builds its rows: key, text, time, sync columns."""
    entity = {schema.tickets: Entity.TICKET, schema.appointments: Entity.APPOINTMENT}.get(table)
    texts, times = _indexed_kinds(entity) if entity is not None else ([], [])
    keys = [column.name for column in table.primary_key]
    layout = [*keys, *texts, *times, "version", "data", "base", "pending"]
    if sorted(layout) != sorted(_plain_columns(table)):
        raise AssertionError(f"no row layout for the columns of {table.name}")
    return layout


@functools.cache
def _row_maker(entity: Entity) -> Callable[[Change], tuple[Any, ...]]:
    """Change -> the row tuple for `_upsert_sql(_table(entity))` (`_row_layout` order): the initial sync's
    per-row work, kept to plain tuple building (no SQLAlchemy type processing, no datetime objects, no
    function call per column)."""
    table = _table(entity)
    _row_layout(table)  # checks that the layout covers the table
    dumps = orjson.dumps
    if table is schema.records:
        kind = entity.value

        def make_record(change: Change) -> tuple[Any, ...]:
            return (kind, str(change.id), change.version, dumps(change.data or {}).decode(), None, 0)

        return make_record

    texts, times = _indexed_kinds(entity)

    def make(change: Change) -> tuple[Any, ...]:
        data = change.data or {}
        get = data.get
        return (
            str(change.id),
            *[v if v is None or v.__class__ is str else str(v) for v in map(get, texts)],
            *[_utc_text(v) for v in map(get, times)],
            change.version,
            dumps(data).decode(),
            None,
            0,
        )

    return make


def _plain_columns(table: Table) -> list[str]:
    return [column.name for column in table.columns]


@functools.cache
def _upsert_sql(table: Table) -> str:
    """INSERT ... ON CONFLICT DO UPDATE, where a re-delivered older version never overwrites a newer one.
    Values in `_row_layout` order."""
    columns = _row_layout(table)
    keys = [column.name for column in table.primary_key]
    updates = ", ".join(f"{name} = excluded.{name}" for name in columns if name not in keys)
    return (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)}) "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates} "
        f"WHERE {table.name}.version IS NULL OR {table.name}.version <= excluded.version"
    )


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):  # as schema.UtcDateTime stores it: naive UTC, SQLAlchemy's text format
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return value


def _table(entity: Entity) -> Table:
    if entity is Entity.TICKET:
        return schema.tickets
    if entity is Entity.APPOINTMENT:
        return schema.appointments
    return schema.records


def _key(entity: Entity, record_id: str) -> dict[str, str]:
    return (
        {"entity": entity.value, "id": record_id} if _table(entity) is schema.records else {"id": record_id}
    )


def _where(entity: Entity, record_id: str) -> Any:
    table = _table(entity)
    return and_(*(table.c[name] == value for name, value in _key(entity, record_id).items()))


@functools.cache
def _select_one(entity: Entity) -> Any:
    """SELECT of one cached record by key, built once per kind (building it per call cost more than
    running it)."""
    table = _table(entity)
    return select(table).where(*(table.c[name] == bindparam(name) for name in _key(entity, "")))


def _row(conn: Connection, entity: Entity, record_id: str) -> Row[Any] | None:
    return conn.execute(_select_one(entity), _key(entity, record_id)).first()


@functools.cache
def _replace_sql(table: Table) -> str:
    """INSERT ... ON CONFLICT DO UPDATE of every column, unconditionally (the rebase's writes)."""
    columns = _plain_columns(table)
    keys = [column.name for column in table.primary_key]
    updates = ", ".join(f"{name} = excluded.{name}" for name in columns if name not in keys)
    return (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)}) "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    )


class _Unread:
    """Marks an argument the caller did not pass (None is a meaningful value there)."""


_UNREAD = _Unread()

_PENDING_ENTRY = and_(
    schema.outbox.c.state.in_(PENDING_STATES), schema.outbox.c.mutation_id > bindparam("settled")
)
# The unsettled entries replayed onto one record, in order (built once: building it per call cost more
# than running it).
_ENTRIES_OF_RECORD = (
    select(schema.outbox)
    .where(
        _PENDING_ENTRY,
        schema.outbox.c.entity == bindparam("entity"),
        or_(
            schema.outbox.c.entity_id == bindparam("record_id"),
            schema.outbox.c.related_id == bindparam("record_id"),
        ),
    )
    .order_by(schema.outbox.c.mutation_id)
)
# ... and onto any of several records (ids of any kind: the caller sorts them out).
_ENTRIES_OF_RECORDS = (
    select(schema.outbox)
    .where(
        _PENDING_ENTRY,
        or_(
            schema.outbox.c.entity_id.in_(bindparam("ids", expanding=True)),
            schema.outbox.c.related_id.in_(bindparam("ids", expanding=True)),
        ),
    )
    .order_by(schema.outbox.c.mutation_id)
)


# Rows kept through a reset with a server copy (a local creation the server has not got is not one).
_MARK_UNCONFIRMED = "INSERT OR IGNORE INTO unconfirmed_rows (entity, id) " + " UNION ALL ".join(
    f"SELECT {entity}, id FROM {table.name} WHERE pending AND (version IS NOT NULL OR base IS NOT NULL)"
    for entity, table in (
        ("entity", schema.records),
        (f"'{Entity.TICKET.value}'", schema.tickets),
        (f"'{Entity.APPOINTMENT.value}'", schema.appointments),
    )
)
_REMOVED = "warddesk.removed_rows"


def _note_removal(conn: Connection) -> None:
    """A write removed cached rows: once it commits, the WAL is emptied (LocalStore._write)."""
    conn.info[_REMOVED] = True


@contextmanager
def _storage_errors() -> Iterator[None]:
    try:
        yield
    except StorageUnavailable:
        raise
    except (DBAPIError, sqlite3.Error, OSError) as exc:
        failure = environment_failure(exc)
        if failure is None:
            raise
        raise failure from exc


class LocalStore:
    """The cache of one (server, user). Open it with `LocalStore.open(...)`; close it when signing out."""

    def __init__(self, engine: Engine, path: Path) -> None:
        self._engine = engine
        self.path = path

    # ---- opening ----

    @classmethod
    def open(cls, path: Path, *, server_url: str, username: str) -> LocalStore:
        """Open (creating and migrating as needed) the cache file at `path`.

        Raises StorageUnavailable (CacheFromNewerApp for a cache written by a newer WardDesk), and
        ValueError when the file belongs to another user or server.
        """
        with _storage_errors():
            path.parent.mkdir(parents=True, exist_ok=True)
            engine = make_engine(path)
            try:
                migrate(engine)
                store = cls(engine, path)
                store._claim(server_url=server_url, username=username)
                with engine.connect() as conn:  # a crash may have left removed rows in the WAL
                    store._truncate_wal(conn)
            except BaseException:
                engine.dispose()
                raise
        return store

    @classmethod
    def open_for_user(cls, *, server_url: str, username: str, data_dir: Path | None = None) -> LocalStore:
        """The user's own cache: `<data_dir>/users/<server-host>/<username>/cache.sqlite`."""
        return cls.open(
            cache_path(server_url=server_url, username=username, data_dir=data_dir),
            server_url=server_url,
            username=username,
        )

    def close(self) -> None:
        """Empty the WAL into the file (nothing removed stays readable in it) and close every connection."""
        try:
            with _storage_errors(), self._engine.connect() as conn:
                self._truncate_wal(conn)
        except StorageUnavailable as exc:
            log.warning("the cache's WAL could not be emptied on close: %s", exc)
        finally:
            self._engine.dispose()

    def _claim(self, *, server_url: str, username: str) -> None:
        with self._write() as conn:
            row = conn.execute(select(schema.sync_state)).first()
            if row is None:
                conn.execute(
                    insert(schema.sync_state).values(
                        id=1,
                        client_id=str(uuid.uuid4()),
                        server_url=server_url,
                        username=username,
                        next_mutation_id=1,
                        last_settled_mutation_id=0,
                    )
                )
            elif row.username != username:
                raise ValueError(f"{self.path} is {row.username}'s cache, not {username}'s")

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with _storage_errors(), self._engine.connect().execution_options(**WRITE) as conn:
            try:
                with conn.begin():
                    yield conn
                removed = conn.info.get(_REMOVED, False)
            finally:
                conn.info.pop(_REMOVED, None)
            if removed:
                # secure_delete zeroed the removed rows in the pages just written, but the WAL still
                # holds older images of those pages, with the rows readable in them.
                self._truncate_wal(conn)

    @staticmethod
    def _truncate_wal(conn: Connection) -> None:
        if not truncate_wal(conn):
            log.info("readers kept the WAL from being emptied; it is tried again at the next removal")

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with _storage_errors(), self._engine.connect() as conn, conn.begin():
            yield conn

    # ---- reading ----

    def sync_state(self) -> SyncState:
        with self._read() as conn:
            return self._state(conn)

    def _state(self, conn: Connection) -> SyncState:
        row = conn.execute(select(schema.sync_state)).one()
        return SyncState(
            client_id=uuid.UUID(row.client_id),
            server_url=row.server_url,
            username=row.username,
            cursor=row.cursor,
            last_pull_at=row.last_pull_at,
            last_push_at=row.last_push_at,
            next_mutation_id=row.next_mutation_id,
            last_settled_mutation_id=row.last_settled_mutation_id,
        )

    def record(self, entity: Entity, record_id: uuid.UUID) -> CachedRecord | None:
        """The record as the user should see it (pending changes included), or None."""
        with self._read() as conn:
            row = _row(conn, entity, str(record_id))
        return None if row is None else self._cached(entity, row)

    def records(self, entity: Entity) -> list[CachedRecord]:
        table = _table(entity)
        query = select(table)
        if table is schema.records:
            query = query.where(table.c.entity == entity.value)
        with self._read() as conn:
            return [self._cached(entity, row) for row in conn.execute(query)]

    def tickets(
        self, *, ward_ids: Iterable[uuid.UUID] | None = None, statuses: Iterable[str] | None = None
    ) -> list[CachedRecord]:
        """Tickets, most urgent first (stat, urgent, routine; then the earliest needed-by time)."""
        table = schema.tickets
        rank = case(
            {p.value: r for p, r in PRIORITY_RANK.items()}, value=table.c.priority, else_=len(PRIORITY_RANK)
        )
        query = select(table).order_by(rank, table.c.needed_by.is_(None), table.c.needed_by, table.c.id)
        if ward_ids is not None:
            query = query.where(table.c.ward_id.in_([str(w) for w in ward_ids]))
        if statuses is not None:
            query = query.where(table.c.status.in_(list(statuses)))
        with self._read() as conn:
            return [self._cached(Entity.TICKET, row) for row in conn.execute(query)]

    def ticket_keys(self, *, ward_ids: Iterable[uuid.UUID] | None = None) -> list[TicketKey]:
        """What list screens filter and sort on, for every ticket (of `ward_ids`), unordered.

        Read from one covering index (ix_tickets_list_keys), never from the records themselves, so 50,000
        tickets load in tens of milliseconds. Times are naive-UTC text, which sorts like the instants.
        """
        sql = "SELECT id, ward_id, status, priority, needed_by, submitted_at FROM tickets"
        parameters: tuple[str, ...] = ()
        if ward_ids is not None:
            parameters = tuple(str(w) for w in ward_ids)
            sql += f" WHERE ward_id IN ({', '.join('?' for _ in parameters)})" if parameters else " WHERE 0"
        with self._read() as conn:
            return [TicketKey(*row) for row in conn.exec_driver_sql(sql, parameters)]

    def tickets_by_ids(self, ids: Iterable[str | uuid.UUID]) -> list[CachedRecord]:
        """The cached tickets with these ids (missing ones left out), in no particular order."""
        wanted = [str(i) for i in ids]
        found: list[CachedRecord] = []
        with self._read() as conn:
            for start in range(0, len(wanted), 500):  # SQLite caps the number of bound parameters
                chunk = wanted[start : start + 500]
                rows = conn.execute(select(schema.tickets).where(schema.tickets.c.id.in_(chunk)))
                found.extend(self._cached(Entity.TICKET, row) for row in rows)
        return found

    def appointments(
        self,
        *,
        doctor_id: uuid.UUID | None = None,
        starts_from: datetime | None = None,
        starts_before: datetime | None = None,
    ) -> list[CachedRecord]:
        table = schema.appointments
        query = select(table).order_by(table.c.starts_at)
        if doctor_id is not None:
            query = query.where(table.c.doctor_id == str(doctor_id))
        if starts_from is not None:
            query = query.where(table.c.starts_at >= starts_from)
        if starts_before is not None:
            query = query.where(table.c.starts_at < starts_before)
        with self._read() as conn:
            return [self._cached(Entity.APPOINTMENT, row) for row in conn.execute(query)]

    @staticmethod
    def _cached(entity: Entity, row: Row[Any]) -> CachedRecord:
        return CachedRecord(entity, uuid.UUID(row.id), row.version, row.data, bool(row.pending))

    def outbox_entries(
        self, *, states: Iterable[str] | None = None, entity_id: uuid.UUID | None = None
    ) -> list[OutboxEntry]:
        """The author's status list: every change this cache made and what became of it, oldest first.

        With `entity_id`, only the changes of that record (a ticket's own sync state).
        """
        query = select(schema.outbox).order_by(schema.outbox.c.mutation_id)
        if states is not None:
            query = query.where(schema.outbox.c.state.in_(list(states)))
        if entity_id is not None:
            query = query.where(schema.outbox.c.entity_id == str(entity_id))
        with self._read() as conn:
            return [self._entry(row) for row in conn.execute(query)]

    def conflicts(self) -> list[OutboxEntry]:
        """Changes the server could not apply because someone changed the record first: the user decides."""
        return self.outbox_entries(states=["conflict"])

    def counts(self) -> OutboxCounts:
        table = schema.outbox
        with self._read() as conn:
            rows = conn.execute(select(table.c.state, func.count()).group_by(table.c.state)).all()
        by_state: dict[str, int] = {state: count for state, count in rows}
        return OutboxCounts(
            queued=by_state.get("queued", 0) + by_state.get("sent", 0),
            rejected=by_state.get("rejected", 0),
            conflicts=by_state.get("conflict", 0),
        )

    @staticmethod
    def _entry(row: Row[Any]) -> OutboxEntry:
        return OutboxEntry(
            mutation_id=row.mutation_id,
            idempotency_key=uuid.UUID(row.idempotency_key),
            name=MutationName(row.name),
            entity=Entity(row.entity),
            entity_id=uuid.UUID(row.entity_id),
            base_version=row.base_version,
            payload=row.payload,
            made_at=row.made_at,
            state=row.state,
            code=row.code,
            reason=row.reason,
            server_record=row.server_record,
            updated_at=row.updated_at,
        )

    # ---- drafts (never leave the workstation) ----

    def save_draft(
        self, *, data: dict[str, Any], ward_id: uuid.UUID | None = None, draft_id: uuid.UUID | None = None
    ) -> uuid.UUID:
        """Create or overwrite a ticket draft. `data` may be incomplete: it is checked when submitted."""
        draft_id = draft_id or uuid.uuid4()
        now = _now()
        values = {"ward_id": _str_or_none(ward_id), "data": data, "updated_at": now}
        with self._write() as conn:
            statement = sqlite_insert(schema.drafts).values(id=str(draft_id), created_at=now, **values)
            conn.execute(statement.on_conflict_do_update(index_elements=["id"], set_=values))
        return draft_id

    def drafts(self) -> list[Draft]:
        with self._read() as conn:
            rows = conn.execute(select(schema.drafts).order_by(schema.drafts.c.created_at)).all()
        return [
            Draft(
                uuid.UUID(r.id),
                uuid.UUID(r.ward_id) if r.ward_id else None,
                r.data,
                r.created_at,
                r.updated_at,
            )
            for r in rows
        ]

    def delete_draft(self, draft_id: uuid.UUID) -> None:
        with self._write() as conn:
            conn.execute(delete(schema.drafts).where(schema.drafts.c.id == str(draft_id)))

    # ---- queueing local changes ----

    def queue_mutation(
        self,
        *,
        name: MutationName,
        entity_id: uuid.UUID,
        payload: dict[str, Any] | BaseModel,
        consumes_draft: uuid.UUID | None = None,
    ) -> OutboxEntry:
        """Record a change: its optimistic effect on the cached rows and its outbox entry, in one transaction.

        The base version is the server version the user was looking at (None for creations). With
        `consumes_draft`, the draft is deleted in the same transaction (submitting it).
        Raises pydantic.ValidationError for a payload the server would refuse, NotFound for a missing
        draft, StorageUnavailable.
        """
        model = PAYLOAD_MODELS[name]
        checked = payload if isinstance(payload, model) else model.model_validate(payload)
        body = checked.model_dump(mode="json")
        with self._write() as conn:
            if consumes_draft is not None:
                gone = conn.execute(delete(schema.drafts).where(schema.drafts.c.id == str(consumes_draft)))
                if gone.rowcount != 1:
                    raise NotFound(f"draft {consumes_draft} is not on this workstation")
            mutation_id = self._queue(conn, name=name, entity_id=str(entity_id), payload=body)
            row = conn.execute(select(schema.outbox).where(schema.outbox.c.mutation_id == mutation_id)).one()
        return self._entry(row)

    def _queue(self, conn: Connection, *, name: MutationName, entity_id: str, payload: dict[str, Any]) -> int:
        entity = entity_of(name)
        state = self._state(conn)
        mutation_id = state.next_mutation_id
        conn.execute(update(schema.sync_state).values(next_mutation_id=mutation_id + 1))
        current = _row(conn, entity, entity_id)
        base_version = None if name in CREATIONS or current is None else current.version
        now = _now()
        change = PendingChange(
            mutation_id=mutation_id,
            name=name,
            entity_id=entity_id,
            related_id=_related_id(name, payload),
            payload=payload,
            made_at=now,
        )
        self._write_optimistic_rows(conn, entity, change)
        self._insert_outbox_entry(conn, change, entity=entity, base_version=base_version)
        return mutation_id

    def _write_optimistic_rows(self, conn: Connection, entity: Entity, change: PendingChange) -> None:
        for target in _targets(change):
            row = _row(conn, entity, target)
            visible = row.data if row is not None else None
            server_view, version = self._server_view(row)
            data = apply_effect(change, visible, target_id=target, lookup=self._lookup(conn, entity))
            self._put(conn, entity, target, data=data, base=server_view, version=version, pending=True)

    def _insert_outbox_entry(
        self, conn: Connection, change: PendingChange, *, entity: Entity, base_version: int | None
    ) -> None:
        conn.execute(
            insert(schema.outbox).values(
                mutation_id=change.mutation_id,
                idempotency_key=str(uuid.uuid4()),
                name=change.name.value,
                entity=entity.value,
                entity_id=change.entity_id,
                related_id=change.related_id,
                base_version=base_version,
                payload=change.payload,
                made_at=change.made_at,
                state="queued",
                updated_at=change.made_at,
            )
        )

    # ---- conflicts and rejections: the user's decisions ----

    def keep_mine(self, mutation_id: int) -> OutboxEntry:
        """Send my change again, now based on the server's current version. Raises NotFound."""
        with self._write() as conn:
            entry = self._entry_in_state(conn, mutation_id, "conflict")
            conn.execute(delete(schema.outbox).where(schema.outbox.c.mutation_id == mutation_id))
            new_id = self._queue(conn, name=entry.name, entity_id=str(entry.entity_id), payload=entry.payload)
            row = conn.execute(select(schema.outbox).where(schema.outbox.c.mutation_id == new_id)).one()
        return self._entry(row)

    def take_theirs(self, mutation_id: int) -> None:
        """Drop my conflicting change; the server's record stays. Raises NotFound."""
        with self._write() as conn:
            self._entry_in_state(conn, mutation_id, "conflict")
            conn.execute(delete(schema.outbox).where(schema.outbox.c.mutation_id == mutation_id))

    def dismiss_rejection(self, mutation_id: int) -> None:
        """The author has read why the server refused the change; forget it. Raises NotFound."""
        with self._write() as conn:
            self._entry_in_state(conn, mutation_id, "rejected")
            conn.execute(delete(schema.outbox).where(schema.outbox.c.mutation_id == mutation_id))

    def _entry_in_state(self, conn: Connection, mutation_id: int, state: str) -> OutboxEntry:
        row = conn.execute(select(schema.outbox).where(schema.outbox.c.mutation_id == mutation_id)).first()
        if row is None or row.state != state:
            raise NotFound(f"change #{mutation_id} is not a {state} change")
        return self._entry(row)

    # ---- push ----

    def mutations_to_push(self, *, limit: int = MAX_PUSH_BATCH) -> list[Mutation]:
        """The oldest unanswered changes (queued, or sent without an answer), in order."""
        with self._read() as conn:
            client_id = self._state(conn).client_id
            rows = conn.execute(
                select(schema.outbox)
                .where(schema.outbox.c.state.in_(PENDING_STATES))
                .order_by(schema.outbox.c.mutation_id)
                .limit(limit)
            ).all()
        return [
            Mutation(
                client_id=client_id,
                mutation_id=row.mutation_id,
                idempotency_key=uuid.UUID(row.idempotency_key),
                name=MutationName(row.name),
                entity_id=uuid.UUID(row.entity_id),
                base_version=row.base_version,
                payload=row.payload,
                made_at=row.made_at,
            )
            for row in rows
        ]

    def mark_sent(self, mutation_ids: Iterable[int]) -> None:
        """Recorded before the request goes out: the author sees that the change has left (or may have)."""
        ids = list(mutation_ids)
        with self._write() as conn:
            conn.execute(
                update(schema.outbox)
                .where(schema.outbox.c.mutation_id.in_(ids), schema.outbox.c.state == "queued")
                .values(state="sent", updated_at=_now())
            )

    def apply_push_results(self, response: PushResponse) -> None:
        """Settle the answered entries and rebase their rows, in one transaction.

        applied: kept as applied (pruned after a week), its effect folded into the row's base;
        rejected: kept with its code and reason, its optimistic effect rolled back;
        conflict: kept with the server's record for the user to decide, the row shows the server's record.
        """
        now = _now()
        outbox = schema.outbox
        with self._write() as conn:
            rows = {
                row.mutation_id: row
                for row in conn.execute(
                    select(outbox).where(outbox.c.mutation_id.in_([r.mutation_id for r in response.results]))
                )
            }
            # An answer we already have (a retried push) changes nothing.
            answered = [
                (result, rows[result.mutation_id])
                for result in response.results
                if result.mutation_id in rows and rows[result.mutation_id].state in PENDING_STATES
            ]
            if answered:
                conn.execute(
                    update(outbox)
                    .where(outbox.c.mutation_id == bindparam("answered_id"))
                    .values(
                        state=bindparam("new_state"),
                        code=bindparam("new_code"),
                        reason=bindparam("new_reason"),
                        server_record=bindparam("new_server_record", type_=outbox.c.server_record.type),
                        updated_at=now,
                    ),
                    [
                        {
                            "answered_id": result.mutation_id,
                            "new_state": result.status.value,
                            "new_code": result.code,
                            "new_reason": result.reason,
                            "new_server_record": result.server_record,
                        }
                        for result, _ in answered
                    ],
                )
            # Each answer moves the row's server view; the rows are rebuilt once all are in (a rebuild
            # depends only on the server view and the entries still pending, so once is enough).
            touched: dict[tuple[Entity, str], None] = {}
            for result, row in answered:
                entity = Entity(row.entity)
                change = self._change(row)
                if result.status is MutationStatus.APPLIED:
                    self._fold(conn, entity, change, new_version=result.new_version)
                elif result.status is MutationStatus.CONFLICT and result.server_record is not None:
                    version = result.server_record.get("version")
                    self._set_server_view(
                        conn,
                        entity,
                        change.entity_id,
                        result.server_record,
                        version if isinstance(version, int) else None,
                    )
                for target in _targets(change):
                    touched[(entity, target)] = None
            settled = self._state(conn).last_settled_mutation_id
            replayed = self._entries_replayed_on(conn, touched, settled=settled)
            for entity, target in touched:
                self._rebuild(
                    conn, entity, target, settled=settled, entries=replayed.get((entity, target), [])
                )
            self._settle_refused_bookings(
                conn,
                [
                    row.entity_id
                    for result, row in answered
                    if result.status is MutationStatus.APPLIED and row.name == MutationName.APPOINTMENT_BOOK
                ],
                now=now,
            )
            conn.execute(
                delete(outbox).where(outbox.c.state == "applied", outbox.c.updated_at < now - KEEP_APPLIED)
            )
            conn.execute(update(schema.sync_state).values(last_push_at=now))

    def _settle_refused_bookings(
        self, conn: Connection, appointment_ids: Sequence[str], *, now: datetime
    ) -> None:
        """Bookings made here that the server accepted and its booking saga then refused (the slot went
        meanwhile, the hold expired) become rejected changes, with the saga's reason: the author learns
        it where she learns of every refusal (her inbox, the counts), and dismisses it the same way.

        The refusal comes as the appointment's record (by pull, with the free times offered), before
        or after the push answer that applied the booking; each of the two checks the other.
        """
        outbox = schema.outbox
        for start in range(0, len(appointment_ids), 400):  # SQLite caps the number of bound parameters
            applied = conn.execute(
                select(outbox.c.mutation_id, outbox.c.entity_id).where(
                    outbox.c.name == MutationName.APPOINTMENT_BOOK.value,
                    outbox.c.state == "applied",
                    outbox.c.entity_id.in_(appointment_ids[start : start + 400]),
                )
            ).all()
            for mutation_id, appointment_id in applied:
                record, _ = self._server_view(_row(conn, Entity.APPOINTMENT, appointment_id))
                if record is None or record.get("status") != AppointmentStatus.REJECTED:
                    continue
                conn.execute(
                    update(outbox)
                    .where(outbox.c.mutation_id == mutation_id)
                    .values(
                        state="rejected",
                        code=_str_or_none(record.get("rejection_code")),
                        reason=_str_or_none(record.get("rejection_message")),
                        updated_at=now,
                    )
                )

    def _fold(
        self, conn: Connection, entity: Entity, change: PendingChange, *, new_version: int | None
    ) -> None:
        """Until the server's record is pulled, the applied change's guess becomes the row's base."""
        for target in _targets(change):
            row = _row(conn, entity, target)
            server_view, version = self._server_view(row)
            own_version = new_version if target == change.entity_id else None
            if version is not None and (own_version is None or version >= own_version):
                continue  # the pulled base already includes this change
            guess = apply_effect(change, server_view, target_id=target, lookup=self._lookup(conn, entity))
            self._set_server_view(conn, entity, target, guess, own_version, guard=False, row=row)

    # ---- pull ----

    @staticmethod
    def prepare_pull(response: PullResponse) -> PulledRows:
        """The page as `apply_pull` writes it: the last change of each record, and the rows of the live
        ones. Reads no database, so it can be built on another thread while the previous page is written.
        """
        latest: dict[tuple[Entity, str], Change] = {}
        for change in response.changes:  # the feed is ordered: the last change of a record wins
            latest[(change.entity, str(change.id))] = change
        rows: dict[Entity, list[tuple[str, tuple[Any, ...]]]] = {}
        makers: dict[Entity, Callable[[Change], tuple[Any, ...]]] = {}
        for (entity, record_id), change in latest.items():
            if change.deleted or change.data is None:
                continue
            make = makers.get(entity) or makers.setdefault(entity, _row_maker(entity))
            rows.setdefault(entity, []).append((record_id, make(change)))
        return PulledRows(latest, rows)

    def apply_pull(self, response: PullResponse, *, prepared: PulledRows | None = None) -> None:
        """Commit one pulled page and the cursor after it in ONE transaction (all or nothing).

        `prepared`: `prepare_pull(response)`, when the caller has built it already."""
        if prepared is None:
            prepared = self.prepare_pull(response)
        now = _now()
        with self._write() as conn:
            state = self._state(conn)
            settled = state.last_settled_mutation_id
            if response.reset_required:
                self._forget_server_rows(conn)
            if not response.has_more and response.last_mutation_id > settled:
                settled = response.last_mutation_id
            conn.execute(
                update(schema.sync_state).values(
                    cursor=response.cursor, last_pull_at=now, last_settled_mutation_id=settled
                )
            )
            self._apply_changes(conn, prepared)
            if settled > state.last_settled_mutation_id:
                # Entries the server has settled stop being replayed even if their push answer was lost.
                for entity, target in self._targets_of_entries(
                    conn, after=state.last_settled_mutation_id, up_to=settled
                ):
                    self._rebuild(conn, entity, target)
            self._settle_refused_bookings(
                conn,
                [
                    record_id
                    for (entity, record_id), change in prepared.latest.items()
                    if entity is Entity.APPOINTMENT
                    and change.data is not None
                    and change.data.get("status") == AppointmentStatus.REJECTED
                ],
                now=now,
            )

    def _apply_changes(self, conn: Connection, pulled: PulledRows) -> None:
        """Write pulled records: plain upserts for untouched rows, a rebase for rows with pending changes."""
        self._confirm(conn, pulled.latest)
        pending = self._pending_targets(conn)
        gone: dict[Entity, list[Change]] = {}
        for (entity, record_id), change in pulled.latest.items():
            if (entity, record_id) in pending:
                self._set_server_view(
                    conn, entity, record_id, None if change.deleted else change.data, change.version
                )
                self._rebuild(conn, entity, record_id)
            elif change.deleted or change.data is None:
                gone.setdefault(entity, []).append(change)
        for entity in dict.fromkeys([*gone, *pulled.rows]):
            rows = pulled.rows.get(entity, [])
            if pending:
                rows = [(record_id, row) for record_id, row in rows if (entity, record_id) not in pending]
            self._upsert_plain(conn, entity, gone.get(entity, []), [row for _, row in rows])

    def _upsert_plain(
        self, conn: Connection, entity: Entity, gone: list[Change], rows: list[tuple[Any, ...]]
    ) -> None:
        table = _table(entity)
        for change in gone:
            removed = conn.execute(
                delete(table).where(
                    _where(entity, str(change.id)),
                    or_(table.c.version.is_(None), table.c.version <= change.version),
                )
            ).rowcount
            if removed:
                _note_removal(conn)
        if rows:
            # The hot path of an initial sync (100,000s of rows): plain DB-API executemany with values
            # converted as the table's column types would (`_row_maker`), not SQLAlchemy's per-row work.
            conn.exec_driver_sql(_upsert_sql(table), rows)

    def _forget_server_rows(self, conn: Connection) -> None:
        """The server can no longer send changes since our cursor: drop what it will send again.

        Rows with pending changes stay, their changes replayed on the server copy they had. That copy
        may be of a record the user may no longer see (her wards changed) or that was deleted while this
        desk was away, so those rows are unconfirmed until the fresh pull sends them again (`_confirm`);
        one it never sends goes when its last pending change settles (`_rebuild`).
        """
        removed = 0
        for table in (schema.records, schema.tickets, schema.appointments):
            removed += conn.execute(delete(table).where(table.c.pending.is_(False))).rowcount
        conn.exec_driver_sql(_MARK_UNCONFIRMED)
        conn.execute(update(schema.sync_state).values(cursor=None))
        if removed:
            _note_removal(conn)

    @staticmethod
    def _confirm(conn: Connection, records: Iterable[tuple[Entity, str]]) -> None:
        """The server sent these records again: rows kept through a reset are still the user's to see."""
        if conn.exec_driver_sql("SELECT 1 FROM unconfirmed_rows LIMIT 1").first() is None:
            return  # the usual case: no reset is being caught up with
        keys = [(entity.value, record_id) for entity, record_id in records]
        if keys:
            conn.exec_driver_sql("DELETE FROM unconfirmed_rows WHERE entity = ? AND id = ?", keys)

    def _drop_if_unconfirmed(self, conn: Connection, entity: Entity, record_id: str) -> bool:
        """Drop a row kept through a reset that the server never sent again, now that no pending change
        holds it (the record left the user's scope, or was deleted while this desk was away)."""
        marked = conn.exec_driver_sql(
            "DELETE FROM unconfirmed_rows WHERE entity = ? AND id = ?", (entity.value, record_id)
        ).rowcount
        if marked:
            self._put(conn, entity, record_id, data=None, base=None, version=None, pending=False)
        return bool(marked)

    # ---- the rebase machinery ----

    @staticmethod
    def _server_view(row: Row[Any] | None) -> tuple[Record | None, int | None]:
        if row is None:
            return None, None
        return (row.base if row.pending else row.data), row.version

    def _lookup(self, conn: Connection, entity: Entity) -> Any:
        def lookup(record_id: str) -> Record | None:
            row = _row(conn, entity, record_id)
            return self._server_view(row)[0]

        return lookup

    def _set_server_view(
        self,
        conn: Connection,
        entity: Entity,
        record_id: str,
        data: Record | None,
        version: int | None,
        *,
        guard: bool = True,
        row: Row[Any] | None | _Unread = _UNREAD,
    ) -> None:
        """Make `data` the row's server record, keeping the visible data until the rebuild. `row`: the
        record's row as the caller has just read it (None: there is none), so as not to read it again."""
        if isinstance(row, _Unread):
            row = _row(conn, entity, record_id)
        if (
            guard
            and row is not None
            and row.version is not None
            and version is not None
            and version < row.version
        ):
            return  # older than what we have
        visible = row.data if row is not None else data
        if visible is None:
            return
        self._put(conn, entity, record_id, data=visible, base=data, version=version, pending=True)

    def _rebuild(
        self,
        conn: Connection,
        entity: Entity,
        record_id: str,
        *,
        settled: int | None = None,
        entries: Sequence[Row[Any]] | None = None,
    ) -> None:
        """The visible row = the server's record with the still-pending changes replayed in order.

        `entries`: those changes, when the caller has read them already (`_entries_replayed_on`)."""
        row = _row(conn, entity, record_id)
        server_view, version = self._server_view(row)
        if entries is None:
            if settled is None:
                settled = self._state(conn).last_settled_mutation_id
            entries = conn.execute(
                _ENTRIES_OF_RECORD, {"settled": settled, "entity": entity.value, "record_id": record_id}
            ).all()
        if not entries and self._drop_if_unconfirmed(conn, entity, record_id):
            return
        data = server_view
        lookup = self._lookup(conn, entity)
        for entry in entries:
            data = apply_effect(self._change(entry), data, target_id=record_id, lookup=lookup)
        self._put(
            conn, entity, record_id, data=data, base=server_view, version=version, pending=bool(entries)
        )

    def _put(
        self,
        conn: Connection,
        entity: Entity,
        record_id: str,
        *,
        data: Record | None,
        base: Record | None,
        version: int | None,
        pending: bool,
    ) -> None:
        table = _table(entity)
        if data is None:
            if pending and base is not None:
                data = base
            else:
                if conn.execute(delete(table).where(_where(entity, record_id))).rowcount:
                    _note_removal(conn)
                return
        values: dict[str, Any] = {
            **_key(entity, record_id),
            **_indexed_columns(entity, data),
            "version": version,
            "data": _dumps(data),
            "base": _dumps(base) if pending and base is not None else None,
            "pending": int(pending),
        }
        # Raw SQL with values converted as the column types would: the rebase writes a row per answered
        # change, and building an SQLAlchemy upsert each time cost more than the write itself.
        row = tuple(_sqlite_value(values[name]) for name in _plain_columns(table))
        conn.exec_driver_sql(_replace_sql(table), row)

    def _entries_replayed_on(
        self, conn: Connection, records: Iterable[tuple[Entity, str]], *, settled: int
    ) -> dict[tuple[Entity, str], list[Row[Any]]]:
        """What `_rebuild` replays on each of these records (the unsettled entries naming it, in order),
        read with one query per few hundred records instead of one per record."""
        wanted = set(records)
        ids = sorted({record_id for _, record_id in wanted})
        found: dict[tuple[Entity, str], dict[int, Row[Any]]] = {}
        for start in range(0, len(ids), 400):  # SQLite caps the number of bound parameters
            chunk = ids[start : start + 400]
            for entry in conn.execute(_ENTRIES_OF_RECORDS, {"settled": settled, "ids": chunk}):
                for target in (entry.entity_id, entry.related_id):
                    key = (Entity(entry.entity), target)
                    if key in wanted:
                        found.setdefault(key, {})[entry.mutation_id] = entry
        return {key: [by_id[n] for n in sorted(by_id)] for key, by_id in found.items()}

    def _pending_targets(self, conn: Connection) -> set[tuple[Entity, str]]:
        settled = self._state(conn).last_settled_mutation_id
        return set(self._targets_of_entries(conn, after=settled, up_to=None))

    def _targets_of_entries(
        self, conn: Connection, *, after: int, up_to: int | None
    ) -> list[tuple[Entity, str]]:
        outbox = schema.outbox
        query = select(outbox.c.entity, outbox.c.entity_id, outbox.c.related_id).where(
            outbox.c.state.in_(PENDING_STATES), outbox.c.mutation_id > after
        )
        if up_to is not None:
            query = query.where(outbox.c.mutation_id <= up_to)
        targets: list[tuple[Entity, str]] = []
        for entity, entity_id, related_id in conn.execute(query):
            targets.append((Entity(entity), entity_id))
            if related_id is not None:
                targets.append((Entity(entity), related_id))
        return targets

    @staticmethod
    def _change(row: Row[Any]) -> PendingChange:
        return PendingChange(
            mutation_id=row.mutation_id,
            name=MutationName(row.name),
            entity_id=row.entity_id,
            related_id=row.related_id,
            payload=row.payload,
            made_at=row.made_at,
        )

    # ---- a server restored from a backup (desktop/sync/engine.py finds it, these put things right) ----

    def server_epoch(self) -> str | None:
        """The epoch of the server's database this cache is in step with (None: not told one yet)."""
        with self._read() as conn:
            epoch: str | None = conn.execute(select(server_identity.c.server_epoch)).scalar()
        return epoch

    def remember_server_epoch(self, epoch: str | None) -> None:
        """The server told its epoch for the first time (a new cache, or a server that just learned to),
        or None: it tells none (a server of an older version)."""
        with self._write() as conn:
            self._set_server_identity(conn, server_epoch=epoch)

    def last_answered_mutation_id(self) -> int:
        """The highest mutation number the server has answered: every number before the oldest change
        still waiting (answers come in order), or every number made when none is waiting."""
        with self._read() as conn:
            return self._last_answered(conn)

    def _last_answered(self, conn: Connection) -> int:
        outbox = schema.outbox
        oldest = conn.execute(
            select(func.min(outbox.c.mutation_id)).where(outbox.c.state.in_(PENDING_STATES))
        ).scalar()
        return int(oldest if oldest is not None else self._state(conn).next_mutation_id) - 1

    def recover_from_server_restore(
        self, *, last_mutation_id: int, server_epoch: str | None
    ) -> ServerRestore:
        """The server went back to an older state and has this workstation's changes only up to
        `last_mutation_id`: the queue continues from there (one transaction).

        - Changes after it that the server had applied and that this cache still keeps are queued again,
          with the ones still waiting, renumbered from `last_mutation_id + 1` in the order they were made
          (the server refuses a gap); their rows show them until the server has them again.
        - Refused changes after it stay for their author to decide on, numbered out of the server's way
          (below every other number).
        - Numbers after it that this cache no longer keeps (applied changes pruned after KEEP_APPLIED, or
          refusals already dismissed) cannot be sent again: their count is reported as possibly lost.
        The cache is fetched afresh at the next pull (`cache_reset_pending`). Raises StorageUnavailable.
        """
        outbox = schema.outbox
        now = _now()
        with self._write() as conn:
            answered = self._last_answered(conn)
            after = conn.execute(
                select(outbox).where(outbox.c.mutation_id > last_mutation_id).order_by(outbox.c.mutation_id)
            ).all()
            to_send = [row for row in after if row.state in (*PENDING_STATES, "applied")]
            resent = [row for row in after if row.state == "applied"]
            refused = [row for row in after if row.state not in (*PENDING_STATES, "applied")]
            kept_here = sum(1 for row in after if row.mutation_id <= answered)
            lost = max(0, answered - last_mutation_id - kept_here)
            lowest = min(0, conn.execute(select(func.min(outbox.c.mutation_id))).scalar() or 0)
            numbers = {row.mutation_id: last_mutation_id + i for i, row in enumerate(to_send, 1)}
            numbers.update({row.mutation_id: lowest - len(refused) + i for i, row in enumerate(refused)})
            if after:
                # Out of the way first (above every number): the new numbers may be held by this range.
                shift = after[-1].mutation_id
                conn.execute(
                    update(outbox)
                    .where(outbox.c.mutation_id > last_mutation_id)
                    .values(mutation_id=outbox.c.mutation_id + shift)
                )
                conn.execute(
                    update(outbox)
                    .where(outbox.c.mutation_id == bindparam("shifted_id"))
                    .values(mutation_id=bindparam("new_id")),
                    [{"shifted_id": old + shift, "new_id": new} for old, new in numbers.items()],
                )
            if resent:
                conn.execute(  # one row at a time: SQLite caps the parameters of a statement
                    update(outbox)
                    .where(outbox.c.mutation_id == bindparam("resent_id"))
                    .values(state="queued", code=None, reason=None, server_record=null(), updated_at=now),
                    [{"resent_id": numbers[row.mutation_id]} for row in resent],
                )
            conn.execute(
                update(schema.sync_state).values(
                    next_mutation_id=last_mutation_id + len(to_send) + 1,
                    last_settled_mutation_id=last_mutation_id,
                )
            )
            for row in resent:
                entity = Entity(row.entity)
                for target in _targets(self._change(row)):
                    current = _row(conn, entity, target)
                    if current is None:
                        self._rebuild(conn, entity, target, settled=last_mutation_id)
                    elif not current.pending:
                        # As the user last saw it, with no server copy: the fresh pull brings the restored
                        # one (if any) and the change is replayed on it.
                        self._put(
                            conn, entity, target, data=current.data, base=None, version=None, pending=True
                        )
            notice = ServerRestore(restored_at=now, resent=len(resent), lost=lost)
            self._set_server_identity(
                conn,
                **({"server_epoch": server_epoch} if server_epoch is not None else {}),
                reset_pending=True,
                restored_at=now,
                resent=notice.resent,
                lost=notice.lost,
            )
        return notice

    def cache_reset_pending(self) -> bool:
        """A recovery from a server restore is waiting for `reset_cache_after_restore`."""
        with self._read() as conn:
            return bool(conn.execute(select(server_identity.c.reset_pending)).scalar())

    def reset_cache_after_restore(self) -> None:
        """Start the cache again from an empty cursor: drop what the server will send again, and forget the
        server copies of rows with changes waiting here. Those copies are from before the restore, newer than
        what the server now has, and would otherwise keep its older versions out. Raises StorageUnavailable.
        """
        with self._write() as conn:
            self._forget_server_rows(conn)
            for table in (schema.records, schema.tickets, schema.appointments):
                conn.execute(update(table).where(table.c.pending.is_(True)).values(base=null(), version=None))
            self._set_server_identity(conn, reset_pending=False)

    def server_restore(self) -> ServerRestore | None:
        """What this workstation did the last time it found the server restored (None: never)."""
        with self._read() as conn:
            row = conn.execute(select(server_identity)).first()
        if row is None or row.restored_at is None:
            return None
        return ServerRestore(restored_at=row.restored_at, resent=row.resent, lost=row.lost)

    @staticmethod
    def _set_server_identity(conn: Connection, **values: Any) -> None:
        statement = sqlite_insert(server_identity).values(id=1, **values)
        conn.execute(statement.on_conflict_do_update(index_elements=["id"], set_=values))


def _related_id(name: MutationName, payload: dict[str, Any]) -> str | None:
    if name is MutationName.APPOINTMENT_RESCHEDULE:
        return str(payload["new_appointment_id"])
    return None


def _targets(change: PendingChange) -> list[str]:
    return [change.entity_id] + ([change.related_id] if change.related_id else [])


# ---- a server restored from a backup: what this cache knows of the server's database ----

# One row: the server's epoch (shared/protocol.py) this cache is in step with, whether the cache still has
# to be fetched afresh after a recovery, and what the last recovery did (for its author to see).
server_identity = Table(
    "server_identity",
    schema.metadata,
    Column("id", Integer, primary_key=True),
    Column("server_epoch", Text, nullable=True),
    Column("reset_pending", Boolean, nullable=False, server_default="0"),
    Column("restored_at", schema.UtcDateTime, nullable=True),
    Column("resent", Integer, nullable=False, server_default="0"),
    Column("lost", Integer, nullable=False, server_default="0"),
    CheckConstraint("id = 1", name="ck_server_identity_single_row"),
)


@dataclass(frozen=True)
class ServerRestore:
    """The server was found restored from a backup and had lost changes made here."""

    restored_at: datetime  # when this workstation found out
    resent: int  # changes it had applied, sent again
    lost: int  # at most this many it had applied that this cache no longer keeps: they cannot be sent again
