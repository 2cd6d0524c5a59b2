"""The outbox: every local change writes its optimistic rows and its outbox entry in one transaction, is
pushed in order, and keeps what became of it (applied, refused, in conflict) for its author to see and
decide on. Ticket drafts, which never leave the workstation until submitted, live here too."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Row, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from desktop.store import schema
from desktop.store.changes import note_drafts, note_outbox
from desktop.store.connection import writes
from desktop.store.effects import PendingChange, apply_effect
from desktop.store.errors import NotFound
from desktop.store.kinds import CREATIONS, PAYLOAD_MODELS, entity_of
from desktop.store.rebase import PENDING_STATES, Rebase, related_record_id, targets_of
from desktop.store.rows import now_utc, row_of, str_or_none
from shared.protocol import MAX_PUSH_BATCH, Entity, Mutation, MutationName, MutationStatus, PushResponse

KEEP_APPLIED = timedelta(days=7)


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
class OutboxCounts:
    queued: int  # queued or sent, not yet answered
    rejected: int
    conflicts: int


class Outbox(Rebase):
    """Drafts, queued changes, their push and their answers."""

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

    @writes
    def save_draft(
        self, *, data: dict[str, Any], ward_id: uuid.UUID | None = None, draft_id: uuid.UUID | None = None
    ) -> uuid.UUID:
        """Create or overwrite a ticket draft. `data` may be incomplete: it is checked when submitted."""
        draft_id = draft_id or uuid.uuid4()
        now = now_utc()
        values = {"ward_id": str_or_none(ward_id), "data": data, "updated_at": now}
        with self._write() as conn:
            note_drafts(conn)
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

    @writes
    def delete_draft(self, draft_id: uuid.UUID) -> None:
        with self._write() as conn:
            note_drafts(conn)
            conn.execute(delete(schema.drafts).where(schema.drafts.c.id == str(draft_id)))

    # ---- queueing local changes ----

    @writes
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
                note_drafts(conn)
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
        current = row_of(conn, entity, entity_id)
        base_version = None if name in CREATIONS or current is None else current.version
        now = now_utc()
        change = PendingChange(
            mutation_id=mutation_id,
            name=name,
            entity_id=entity_id,
            related_id=related_record_id(name, payload),
            payload=payload,
            made_at=now,
        )
        self._write_optimistic_rows(conn, entity, change)
        self._insert_outbox_entry(conn, change, entity=entity, base_version=base_version)
        return mutation_id

    def _write_optimistic_rows(self, conn: Connection, entity: Entity, change: PendingChange) -> None:
        for target in targets_of(change):
            row = row_of(conn, entity, target)
            visible = row.data if row is not None else None
            server_view, version = self._server_view(row)
            data = apply_effect(change, visible, target_id=target, lookup=self._lookup(conn, entity))
            self._put(conn, entity, target, data=data, base=server_view, version=version, pending=True)

    def _insert_outbox_entry(
        self, conn: Connection, change: PendingChange, *, entity: Entity, base_version: int | None
    ) -> None:
        note_outbox(conn, queued=True)
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

    @writes
    def keep_mine(self, mutation_id: int) -> OutboxEntry:
        """Send my change again, now based on the server's current version. Raises NotFound."""
        with self._write() as conn:
            entry = self._entry_in_state(conn, mutation_id, "conflict")
            conn.execute(delete(schema.outbox).where(schema.outbox.c.mutation_id == mutation_id))
            new_id = self._queue(conn, name=entry.name, entity_id=str(entry.entity_id), payload=entry.payload)
            row = conn.execute(select(schema.outbox).where(schema.outbox.c.mutation_id == new_id)).one()
        return self._entry(row)

    @writes
    def take_theirs(self, mutation_id: int) -> None:
        """Drop my conflicting change; the server's record stays. Raises NotFound."""
        with self._write() as conn:
            note_outbox(conn)
            self._entry_in_state(conn, mutation_id, "conflict")
            conn.execute(delete(schema.outbox).where(schema.outbox.c.mutation_id == mutation_id))

    @writes
    def dismiss_rejection(self, mutation_id: int) -> None:
        """The author has read why the server refused the change; forget it. Raises NotFound."""
        with self._write() as conn:
            note_outbox(conn)
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

    @writes
    def mark_sent(self, mutation_ids: Iterable[int]) -> None:
        """Recorded before the request goes out: the author sees that the change has left (or may have)."""
        ids = list(mutation_ids)
        with self._write() as conn:
            note_outbox(conn)
            conn.execute(
                update(schema.outbox)
                .where(schema.outbox.c.mutation_id.in_(ids), schema.outbox.c.state == "queued")
                .values(state="sent", updated_at=now_utc())
            )

    @writes
    def apply_push_results(self, response: PushResponse) -> None:
        """Settle the answered entries and rebase their rows, in one transaction.

        applied: kept as applied (pruned after a week), its effect folded into the row's base;
        rejected: kept with its code and reason, its optimistic effect rolled back;
        conflict: kept with the server's record for the user to decide, the row shows the server's record.
        """
        now = now_utc()
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
                note_outbox(conn)
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
                for target in targets_of(change):
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
