"""Which database the sync server runs on, and which life of it: how a desktop notices a restore.

A desktop's memories of the server (its pull cursor, the mutation numbers the server settled, its cached
records) are only true of the database that made them. When the database goes back to an older state
(restored from a backup), those memories point past what the server has: the desktop would keep records
the server lost, and a snapshot cursor can name transaction ids that the restored database hands out
again to other changes, which a tail would then skip without a word.

So every answer carries the database's *epoch*, an opaque token that changes whenever the database may
have gone back. It is made of:
- `identity`, a random UUID born with the database (migration 0009): another database, another identity;
- `epoch`, bumped by `warddesk-server restored`, which the admin runs after any restore from a backup;
- the database's OID in its cluster, which a logical restore (pg_restore into a database created for it)
  changes by itself, even when nobody runs the command.

A physical restore keeps the OID; until the admin runs the command, pull's check that a cursor's snapshot
is not ahead of the database's transaction ids and the desktop's check of the mutation numbers the
server reports are what protect the desktops.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from sync_server.core import raw

_CURRENT = text(
    "SELECT identity, epoch, (SELECT oid FROM pg_database WHERE datname = current_database())"
    " FROM sync_database WHERE id = 1"
)
_CURRENT_RAW = raw.Statement(_CURRENT)  # every pull reads it: on the driver's cursor (core/raw.py)


@dataclass(frozen=True)
class DatabaseEpoch:
    identity: uuid.UUID
    epoch: int
    database_oid: int

    @property
    def token(self) -> str:
        """What desktops receive and compare (opaque to them)."""
        return f"{self.identity}.{self.epoch}.{self.database_oid}"


def current(session: Session) -> DatabaseEpoch:
    """This database's identity and epoch, in the caller's transaction."""
    row = _CURRENT_RAW.one_or_none(session)
    if row is None:
        # The row is gone (deleted by hand, or a partial restore). A new identity sends every desktop
        # back to a fresh start, which is the safe side of not knowing where the data came from.
        session.execute(text("INSERT INTO sync_database (id) VALUES (1) ON CONFLICT (id) DO NOTHING"))
        row = session.execute(_CURRENT).one()
    return DatabaseEpoch(identity=uuid.UUID(str(row[0])), epoch=int(row[1]), database_oid=int(row[2]))


@dataclass(frozen=True)
class RestoreReport:
    epoch: DatabaseEpoch
    restamped: int  # feed rows whose transaction id was ahead of the restored database's


def mark_restored(session: Session) -> RestoreReport:
    """After a restore from a backup: a new epoch, and a change feed that the restored database can read.

    With the new epoch every desktop sends again the changes the backup does not have and fetches its
    records afresh. Feed rows stamped with a transaction id the database has not reached yet (a logical
    restore into another cluster, whose ids start lower) would stay invisible to every snapshot until
    the counter caught up with them: they are stamped with this transaction's id instead.
    """
    current(session)  # makes the row if it is missing
    session.execute(
        text("UPDATE sync_database SET epoch = epoch + 1, restored_at = clock_timestamp() WHERE id = 1")
    )
    restamped = session.execute(
        text(
            "UPDATE sync_changes SET xid = pg_current_xact_id()"
            " WHERE xid >= pg_snapshot_xmax(pg_current_snapshot())"
        )
    )
    return RestoreReport(epoch=current(session), restamped=int(restamped.rowcount or 0))  # type: ignore[attr-defined]
