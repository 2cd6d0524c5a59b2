"""The rebase (Replicache's): server data never overwrites a row with pending changes. The server's record
becomes the row's base and the still-pending mutations are replayed on it in order. Both the push answers
(desktop/store/outbox.py) and the pulls (desktop/store/pull.py) move a row's server view through here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, delete, or_, select, update
from sqlalchemy.engine import Connection

from desktop.store import schema
from desktop.store.changes import note_doctors, note_outbox, note_records
from desktop.store.connection import CacheConnection, note_removal
from desktop.store.effects import PendingChange, Record, apply_effect
from desktop.store.rows import (
    dumps_record,
    indexed_columns,
    key_of,
    plain_columns,
    replace_sql,
    row_of,
    sqlite_value,
    str_or_none,
    table_of,
    where_key,
)
from shared.booking import AppointmentStatus
from shared.protocol import Entity, MutationName

PENDING_STATES = ("queued", "sent")


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


def related_record_id(name: MutationName, payload: dict[str, Any]) -> str | None:
    if name is MutationName.APPOINTMENT_RESCHEDULE:
        return str(payload["new_appointment_id"])
    return None


def targets_of(change: PendingChange) -> list[str]:
    return [change.entity_id] + ([change.related_id] if change.related_id else [])


class Rebase(CacheConnection):
    """Rebuilding rows from their server view and the changes still pending on them."""

    # ---- the rebase machinery ----

    @staticmethod
    def _server_view(row: Row[Any] | None) -> tuple[Record | None, int | None]:
        if row is None:
            return None, None
        return (row.base if row.pending else row.data), row.version

    def _lookup(self, conn: Connection, entity: Entity) -> Any:
        def lookup(record_id: str) -> Record | None:
            row = row_of(conn, entity, record_id)
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
            row = row_of(conn, entity, record_id)
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
        row = row_of(conn, entity, record_id)
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
        table = table_of(entity)
        note_records(conn, entity, (record_id,))
        if data is None:
            if pending and base is not None:
                data = base
            else:
                if conn.execute(delete(table).where(where_key(entity, record_id))).rowcount:
                    note_removal(conn)
                return
        values: dict[str, Any] = {
            **key_of(entity, record_id),
            **indexed_columns(entity, data),
            "version": version,
            "data": dumps_record(data),
            "base": dumps_record(base) if pending and base is not None else None,
            "pending": int(pending),
        }
        if entity is Entity.APPOINTMENT:
            note_doctors(conn, (values["doctor_id"],))
        # Raw SQL with values converted as the column types would: the rebase writes a row per answered
        # change, and building an SQLAlchemy upsert each time cost more than the write itself.
        row = tuple(sqlite_value(values[name]) for name in plain_columns(table))
        conn.exec_driver_sql(replace_sql(table), row)

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
                record, _ = self._server_view(row_of(conn, Entity.APPOINTMENT, appointment_id))
                if record is None or record.get("status") != AppointmentStatus.REJECTED:
                    continue
                note_outbox(conn)
                conn.execute(
                    update(outbox)
                    .where(outbox.c.mutation_id == mutation_id)
                    .values(
                        state="rejected",
                        code=str_or_none(record.get("rejection_code")),
                        reason=str_or_none(record.get("rejection_message")),
                        updated_at=now,
                    )
                )

    def _fold(
        self, conn: Connection, entity: Entity, change: PendingChange, *, new_version: int | None
    ) -> None:
        """Until the server's record is pulled, the applied change's guess becomes the row's base."""
        for target in targets_of(change):
            row = row_of(conn, entity, target)
            server_view, version = self._server_view(row)
            own_version = new_version if target == change.entity_id else None
            if version is not None and (own_version is None or version >= own_version):
                continue  # the pulled base already includes this change
            guess = apply_effect(change, server_view, target_id=target, lookup=self._lookup(conn, entity))
            self._set_server_view(conn, entity, target, guess, own_version, guard=False, row=row)
