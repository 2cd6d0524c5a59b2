"""The change feed: every write to a record a desktop caches appends its new state here, in the same
transaction, once per scope (who may see it). Pulls read it by PostgreSQL snapshot (see pull.py).

Callers (tickets, booking, directory, notifications) use `record_change`; nothing else writes the table.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from shared.protocol import Entity
from sync_server.core import raw

NOTIFY_CHANNEL = "warddesk_sync"
# Session.info key of the changes held back by `deferred_changes`.
_PENDING = "warddesk_feed_pending"

# One statement, one round trip: tombstone the record in scopes it has left, upsert it in its scopes
# (a new seq and xid each time), and notify each touched scope. NOTIFY is delivered on commit only.
_RECORD = text(
    """
    WITH gone AS (
        UPDATE sync_changes
           SET deleted = true, data = NULL, version = :version,
               seq = nextval('sync_changes_seq'), xid = pg_current_xact_id(), changed_at = now()
         WHERE entity_id = :entity_id AND entity = :entity AND NOT deleted
           AND NOT (scope = ANY(CAST(:scopes AS text[])))
        RETURNING scope
    ), kept AS (
        INSERT INTO sync_changes (scope, entity, entity_id, version, deleted, data)
        SELECT s, :entity, :entity_id, :version, :deleted,
               COALESCE(CAST(:views AS jsonb) -> s, CAST(:data AS jsonb))
          FROM unnest(CAST(:scopes AS text[])) AS s ORDER BY s
        ON CONFLICT (scope, entity, entity_id) DO UPDATE
           SET seq = excluded.seq, xid = pg_current_xact_id(), version = excluded.version,
               deleted = excluded.deleted, data = excluded.data, changed_at = now()
        RETURNING scope
    )
    SELECT pg_notify(:channel, scope) FROM (SELECT scope FROM gone UNION SELECT scope FROM kept) AS touched
    """
)


_RECORD_RAW = raw.Statement(_RECORD)  # every write of every domain runs it: on the driver's cursor


# `_RECORD` for many records at once (each at most once: a row cannot be upserted twice in one statement).
_RECORD_MANY = text(
    """
    WITH changed AS (
        SELECT * FROM ROWS FROM (jsonb_to_recordset(CAST(:changes AS jsonb))
            AS (entity text, entity_id uuid, version bigint, deleted boolean, data jsonb, scopes text[],
                views jsonb))
            WITH ORDINALITY AS c(entity, entity_id, version, deleted, data, scopes, views, n)
    ), gone AS (
        UPDATE sync_changes AS s
           SET deleted = true, data = NULL, version = c.version,
               seq = nextval('sync_changes_seq'), xid = pg_current_xact_id(), changed_at = now()
          FROM changed AS c
         WHERE s.entity_id = c.entity_id AND s.entity = c.entity AND NOT s.deleted
           AND NOT (s.scope = ANY(c.scopes))
        RETURNING s.scope
    ), kept AS (
        INSERT INTO sync_changes (scope, entity, entity_id, version, deleted, data)
        SELECT s, c.entity, c.entity_id, c.version, c.deleted, COALESCE(c.views -> s, c.data)
          FROM changed AS c CROSS JOIN LATERAL unnest(c.scopes) AS s ORDER BY c.n, s
        ON CONFLICT (scope, entity, entity_id) DO UPDATE
           SET seq = excluded.seq, xid = pg_current_xact_id(), version = excluded.version,
               deleted = excluded.deleted, data = excluded.data, changed_at = now()
        RETURNING scope
    )
    SELECT pg_notify(:channel, scope) FROM (SELECT scope FROM gone UNION SELECT scope FROM kept) AS touched
    """
)
_RECORD_MANY_RAW = raw.Statement(_RECORD_MANY)


def _json_default(value: Any) -> Any:
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot put a {type(value).__name__} in a change record")


def to_json(data: dict[str, Any]) -> str:
    """The JSON text of a change record (UUIDs, dates, decimals and enums as strings)."""
    return json.dumps(data, default=_json_default, separators=(",", ":"))


def record_change(
    session: Session,
    *,
    entity: Entity,
    entity_id: uuid.UUID,
    version: int,
    scopes: Iterable[str],
    data: dict[str, Any] | None,
    views: Mapping[str, dict[str, Any]] | None = None,
) -> None:
    """Append a change (data=None: a tombstone) to the change feed, in the caller's transaction.

    The record becomes visible to pulls when the caller commits. Scopes the record was in before but
    is not in now get a tombstone, so a desktop that may no longer see it drops it. `views`: what some
    scopes see instead of `data` (a record redacted for them). Raises TypeError if `data` holds a value
    JSON cannot carry.
    """
    params = {
        "entity": Entity(entity).value,
        "entity_id": entity_id,
        "version": version,
        "deleted": data is None,
        "data": None if data is None else to_json(data),
        "scopes": sorted(set(scopes)),
        "views": None if data is None or not views else to_json(dict(views)),
        "channel": NOTIFY_CHANNEL,
    }
    pending = session.info.get(_PENDING)
    if pending is not None:
        pending.append(params)
        return
    # On the session's connection: no autoflush of the caller's pending ORM objects is needed for a
    # row that refers to none of them (they are flushed by the caller, or at commit).
    _RECORD_RAW.run(session, params)


@contextmanager
def deferred_changes(session: Session) -> Iterator[None]:
    """Hold back `record_change` calls made inside the block and write them when it ends without an
    error: with one statement when they are of distinct records, else in order with one executemany
    (many changes, few round trips). On an error they are dropped: the caller is rolling back the work
    they describe. Inside another such block, they join the outer block's when this one succeeds."""
    outer: list[dict[str, Any]] | None = session.info.get(_PENDING)
    pending: list[dict[str, Any]] = []
    session.info[_PENDING] = pending
    try:
        yield
    finally:
        if outer is None:
            del session.info[_PENDING]
        else:
            session.info[_PENDING] = outer
    if outer is not None:
        outer.extend(pending)
        return
    if len({(p["entity"], p["entity_id"]) for p in pending}) == len(pending) > 1:
        # Distinct records (the usual case): one statement for all of them.
        changes = ",".join(_change_json(p) for p in pending)
        _RECORD_MANY_RAW.run(session, {"changes": f"[{changes}]", "channel": NOTIFY_CHANNEL})
    elif len(pending) == 1:
        _RECORD_RAW.run(session, pending[0])
    elif pending:
        session.execute(_RECORD, pending)


def _change_json(params: dict[str, Any]) -> str:
    """One `record_change` call as a JSON object for `_RECORD_MANY` (its data is JSON text already)."""
    data = "null" if params["data"] is None else params["data"]
    views = "null" if params["views"] is None else params["views"]
    head = json.dumps(
        {
            "entity": params["entity"],
            "entity_id": str(params["entity_id"]),
            "version": params["version"],
            "deleted": params["deleted"],
            "scopes": params["scopes"],
        },
        separators=(",", ":"),
    )
    return f'{head[:-1]},"data":{data},"views":{views}}}'
