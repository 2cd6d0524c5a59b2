"""Reading the cache as the screens see it: records with their pending changes included, the ticket list's
keys from a covering index, a doctor's appointments in a time range."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Row, case, select

from desktop.store import schema
from desktop.store.connection import CacheConnection
from desktop.store.rows import CachedRecord, TicketKey, row_of, table_of
from shared.protocol import Entity
from shared.tickets import PRIORITY_RANK


class CacheReads(CacheConnection):
    """The cached records, as the user should see them."""

    def record(self, entity: Entity, record_id: uuid.UUID) -> CachedRecord | None:
        """The record as the user should see it (pending changes included), or None."""
        with self._read() as conn:
            row = row_of(conn, entity, str(record_id))
        return None if row is None else self._cached(entity, row)

    def records(self, entity: Entity) -> list[CachedRecord]:
        table = table_of(entity)
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
