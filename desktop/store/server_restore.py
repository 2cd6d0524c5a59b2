"""A server restored from a backup (desktop/sync/engine.py finds it; these put things right): the queue
continues from the last change the server still has, and the cache is fetched afresh."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Integer,
    Table,
    Text,
    bindparam,
    func,
    null,
    select,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from desktop.store import schema
from desktop.store.changes import note_everything, note_outbox
from desktop.store.connection import writes
from desktop.store.pull import Pull
from desktop.store.rebase import PENDING_STATES, targets_of
from desktop.store.rows import now_utc, row_of
from shared.protocol import Entity

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


class ServerRestoreRecovery(Pull):
    """What this cache knows of the server's database, and the recovery when it went back in time."""

    # ---- a server restored from a backup (desktop/sync/engine.py finds it, these put things right) ----

    def server_epoch(self) -> str | None:
        """The epoch of the server's database this cache is in step with (None: not told one yet)."""
        with self._read() as conn:
            epoch: str | None = conn.execute(select(server_identity.c.server_epoch)).scalar()
        return epoch

    @writes
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

    @writes
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
        now = now_utc()
        with self._write() as conn:
            note_outbox(conn, queued=True)
            note_everything(conn)
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
                for target in targets_of(self._change(row)):
                    current = row_of(conn, entity, target)
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

    @writes
    def reset_cache_after_restore(self) -> None:
        """Start the cache again from an empty cursor: drop what the server will send again, and forget the
        server copies of rows with changes waiting here. Those copies are from before the restore, newer than
        what the server now has, and would otherwise keep its older versions out. Raises StorageUnavailable.
        """
        with self._write() as conn:
            note_everything(conn)
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
