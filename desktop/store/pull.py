"""Pulling: each pulled page and the cursor after it are committed in one transaction, so a crash
re-delivers the page instead of skipping it. Untouched rows take plain upserts (the initial sync's hot
path); rows with pending changes are rebased (desktop/store/rebase.py). A reset drops what the server will
send again, keeping rows with pending changes until the fresh pull confirms them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, update
from sqlalchemy.engine import Connection

from desktop.store import schema
from desktop.store.changes import note_doctors, note_everything, note_records
from desktop.store.connection import note_removal, writes
from desktop.store.rebase import Rebase
from desktop.store.rows import now_utc, row_maker, table_of, upsert_sql, where_key
from shared.booking import AppointmentStatus
from shared.protocol import Change, Entity, PullResponse


@dataclass(frozen=True)
class PulledRows:
    """A pulled page sorted for writing (LocalStore.prepare_pull)."""

    latest: dict[tuple[Entity, str], Change]  # the last change of each record, in feed order
    rows: dict[Entity, list[tuple[str, tuple[Any, ...]]]]  # live records: (id, row for `upsert_sql`)


# Rows kept through a reset with a server copy (a local creation the server has not got is not one).
_MARK_UNCONFIRMED = "INSERT OR IGNORE INTO unconfirmed_rows (entity, id) " + " UNION ALL ".join(
    f"SELECT {entity}, id FROM {table.name} WHERE pending AND (version IS NOT NULL OR base IS NOT NULL)"
    for entity, table in (
        ("entity", schema.records),
        (f"'{Entity.TICKET.value}'", schema.tickets),
        (f"'{Entity.APPOINTMENT.value}'", schema.appointments),
    )
)


class Pull(Rebase):
    """Writing pulled pages."""

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
            make = makers.get(entity) or makers.setdefault(entity, row_maker(entity))
            rows.setdefault(entity, []).append((record_id, make(change)))
        return PulledRows(latest, rows)

    @writes
    def apply_pull(self, response: PullResponse, *, prepared: PulledRows | None = None) -> None:
        """Commit one pulled page and the cursor after it in ONE transaction (all or nothing).

        `prepared`: `prepare_pull(response)`, when the caller has built it already."""
        if prepared is None:
            prepared = self.prepare_pull(response)
        now = now_utc()
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
        self._note(conn, pulled)
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

    @staticmethod
    def _note(conn: Connection, pulled: PulledRows) -> None:
        """Report every pulled record as changed, and the doctors of the pulled appointments."""
        by_kind: dict[Entity, list[str]] = {}
        for entity, record_id in pulled.latest:
            by_kind.setdefault(entity, []).append(record_id)
        for entity, ids in by_kind.items():
            note_records(conn, entity, ids)
        note_doctors(
            conn,
            (
                change.data.get("doctor_id")
                for (entity, _), change in pulled.latest.items()
                if entity is Entity.APPOINTMENT and change.data is not None
            ),
        )

    def _upsert_plain(
        self, conn: Connection, entity: Entity, gone: list[Change], rows: list[tuple[Any, ...]]
    ) -> None:
        table = table_of(entity)
        for change in gone:
            removed = conn.execute(
                delete(table).where(
                    where_key(entity, str(change.id)),
                    or_(table.c.version.is_(None), table.c.version <= change.version),
                )
            ).rowcount
            if removed:
                note_removal(conn)
        if rows:
            # The hot path of an initial sync (100,000s of rows): plain DB-API executemany with values
            # converted as the table's column types would (`row_maker`), not SQLAlchemy's per-row work.
            conn.exec_driver_sql(upsert_sql(table), rows)

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
        note_everything(conn)
        conn.execute(update(schema.sync_state).values(cursor=None))
        if removed:
            note_removal(conn)

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
