"""Pull: the changes in a caller's scopes since an opaque cursor, by PostgreSQL snapshot.

Why snapshots and not "seq > last seq": a feed row takes its seq before its transaction commits, so
transactions commit out of seq order and a high-water mark would skip a row that commits late. Instead
a cursor remembers the snapshot of the previous pull (`prev`); the next pull returns the rows whose
writing transaction was NOT visible in `prev` and IS visible in a new snapshot (`target`), in seq order,
paged by (target, after seq) until the cycle is done; then `target` becomes the next `prev`.

An empty cursor starts an initial sync: the live rows visible in a snapshot S (the feed holds one row
per record and scope, so that is the current state), paged by seq; then a tail from S. Rows changed
while the snapshot is being paged leave it and arrive in the tail, so nothing is lost or resurrected.

Rows with xid < xmin(prev) were committed before `prev` was taken, hence visible in it: the tail only
scans xid >= xmin(prev) on the (scope, xid) index, which stays small unless a transaction stays open
for a long time (then it holds back xmin, and the scan grows with everything written since).

A cursor is only true of the database that made it (sync/identity.py): one of another epoch, or whose
snapshot is ahead of the database's transaction ids or clock (the database went back: a restore), is
answered with reset_required. Anyone can sign a cursor with the development secret, so every field is
checked before PostgreSQL sees it, and a value PostgreSQL still refuses is an invalid cursor too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.orm import Session

from shared.errors import ErrorCode
from shared.protocol import MAX_SERVER_EPOCH_LENGTH
from sync_server.core import raw
from sync_server.core.errors import Invalid
from sync_server.sync import identity

log = logging.getLogger(__name__)

CURSOR_VERSION = 1
# A cursor stamped this far past the database's clock comes from before the clock (or the database) went
# back: start again rather than trust its age.
CLOCK_SLACK_SECONDS = 300.0


class InvalidCursor(Invalid):
    code = ErrorCode.INVALID_CURSOR


@dataclass(frozen=True)
class Cursor:
    """Where a client stands. `base` is S during the snapshot phase and `prev` during the tail."""

    phase: str  # "snapshot" or "tail"
    base: str  # pg_snapshot text
    base_time: float  # epoch seconds when `base` was taken (tombstone window check)
    after: int = 0  # last seq delivered in the current pass
    target: str | None = None  # tail: the snapshot this pass runs up to
    target_time: float | None = None
    scopes: str = ""  # fingerprint of the scopes the cursor was made for
    total: int | None = None  # snapshot: its rows, counted once when it started (the progress bar)
    server_epoch: str | None = None  # the database epoch it was made in (None: made before epochs)


def scopes_fingerprint(scopes: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(sorted(scopes)).encode()).hexdigest()[:16]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def encode_cursor(cursor: Cursor, *, secret: str) -> str:
    body = json.dumps(
        {
            "v": CURSOR_VERSION,
            "p": cursor.phase[0],
            "b": cursor.base,
            "bt": cursor.base_time,
            "a": cursor.after,
            "t": cursor.target,
            "tt": cursor.target_time,
            "s": cursor.scopes,
            "n": cursor.total,
            "e": cursor.server_epoch,
        },
        separators=(",", ":"),
    ).encode()
    mac = hmac.new(secret.encode(), body, hashlib.sha256).digest()[:16]
    return f"{_b64(body)}.{_b64(mac)}"


def decode_cursor(token: str, *, secret: str) -> Cursor:
    """Read a cursor this server made. Raises InvalidCursor (422) for anything else, including a
    well-signed cursor with a field that is not what this server writes there."""
    refusal = InvalidCursor(
        "The sync cursor is not one this server issued; start again with an empty cursor."
    )
    try:
        body_part, mac_part = token.split(".")
        body, mac = _unb64(body_part), _unb64(mac_part)
    except ValueError as exc:
        raise refusal from exc
    expected = hmac.new(secret.encode(), body, hashlib.sha256).digest()[:16]
    if not hmac.compare_digest(mac, expected):
        raise refusal
    try:
        fields = json.loads(body)
        if not isinstance(fields, dict) or _count(fields["v"]) != CURSOR_VERSION:
            raise refusal
        phase = {"s": "snapshot", "t": "tail"}[fields["p"]]
        target = None if fields["t"] is None else _snapshot(fields["t"])
        target_time = None if fields["tt"] is None else _seconds(fields["tt"])
        # .get: cursors issued before the count (and before epochs) existed stay valid, without them.
        total = None if fields.get("n") is None else _count(fields["n"])
        epoch = fields.get("e")
        if (
            (target is None) != (target_time is None)
            or (phase == "snapshot" and target is not None)
            or (phase == "tail" and total is not None)
            or not (epoch is None or (isinstance(epoch, str) and 0 < len(epoch) <= MAX_SERVER_EPOCH_LENGTH))
            or not (isinstance(fields["s"], str) and _FINGERPRINT.fullmatch(fields["s"]))
        ):
            raise refusal
        return Cursor(
            phase=phase,
            base=_snapshot(fields["b"]),
            base_time=_seconds(fields["bt"]),
            after=_count(fields["a"]),
            target=target,
            target_time=target_time,
            scopes=fields["s"],
            total=total,
            server_epoch=epoch,
        )
    except (KeyError, TypeError, ValueError, OverflowError, RecursionError) as exc:
        raise refusal from exc


# pg_snapshot's text as PostgreSQL writes it: xmin:xmax:xip,xip,... (ASCII digits only: \d takes others).
_SNAPSHOT = re.compile(r"([0-9]{1,19}):([0-9]{1,19}):([0-9]{1,19}(?:,[0-9]{1,19})*)?")
_FINGERPRINT = re.compile(r"[0-9a-f]{16}")
_MAX_INT = 2**63 - 1  # bigint (seq) and the xid8 values PostgreSQL will hand out for ages


def _snapshot(value: object) -> str:
    """`value` if it is a snapshot PostgreSQL would read as it wrote it; ValueError otherwise."""
    if not isinstance(value, str) or (found := _SNAPSHOT.fullmatch(value)) is None:
        raise ValueError("not a pg_snapshot")
    xmin, xmax = int(found[1]), int(found[2])
    running = [int(x) for x in found[3].split(",")] if found[3] else []
    if not 1 <= xmin <= xmax <= _MAX_INT:
        raise ValueError("a pg_snapshot needs 1 <= xmin <= xmax")
    if any(not xmin <= xid < xmax for xid in running) or running != sorted(set(running)):
        raise ValueError("a pg_snapshot lists its running ids once each, in order, within [xmin, xmax)")
    return value


def _snapshot_xmax(snapshot: str) -> int:
    """The first transaction id that had not started when the (checked) snapshot was taken."""
    return int(snapshot.split(":", 2)[1])


def _seconds(value: object) -> float:
    """A time in epoch seconds: a finite, non-negative JSON number (a bool is not one)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("not a time")
    seconds = float(value)  # OverflowError for an integer beyond any float
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError("not a time")
    return seconds


def _count(value: object) -> int:
    """A feed position, a row count or a version: a JSON integer in [0, 2**63) (a bool is not one)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_INT:
        raise ValueError("not a count")
    return value


@dataclass
class Page:
    """One pull's answer before it is put on the wire: each change is already JSON text."""

    changes: list[str]
    cursor: Cursor | None  # None with reset_required
    has_more: bool
    reset_required: bool = False
    entities: dict[str, int] | None = None
    total_estimate: int | None = None  # on snapshot pages: the snapshot's rows
    server_epoch: str | None = None  # the database epoch the page was read in


# Run by every pull: on the driver's cursor (core/raw.py).
_NOW_SNAPSHOT = raw.Statement(
    text("SELECT CAST(pg_current_snapshot() AS text), extract(epoch FROM clock_timestamp())")
)
_NOW_AND_NEXT_XID = raw.Statement(
    text(
        "SELECT extract(epoch FROM clock_timestamp()), CAST(pg_snapshot_xmax(pg_current_snapshot()) AS text)"
    )
)


def _now_snapshot(session: Session) -> tuple[str, float]:
    snapshot, taken = _NOW_SNAPSHOT.one(session)
    return str(snapshot), float(taken)


_CHANGE_JSON = (
    "seq, entity, CAST(entity_id AS text) AS entity_id, json_build_object('entity', entity, 'id', entity_id, "
    "'version', version, 'deleted', deleted, 'data', data)::text AS change"
)

# The page queries run on the driver's cursor (see `_rows`): psycopg's %(name)s placeholders.
_SNAPSHOT_PART = (
    f"(SELECT {_CHANGE_JSON} FROM sync_changes WHERE scope = %(scope{{i}})s AND NOT deleted"
    " AND seq > %(after)s AND (xid < pg_snapshot_xmin(CAST(%(base)s AS pg_snapshot))"
    " OR pg_visible_in_snapshot(xid, CAST(%(base)s AS pg_snapshot)))"
    " ORDER BY seq LIMIT %(n)s)"
)

_SNAPSHOT_COUNT = (
    "SELECT count(*) FROM sync_changes WHERE scope = ANY(CAST(:scopes AS text[])) AND NOT deleted"
    " AND (xid < pg_snapshot_xmin(CAST(:base AS pg_snapshot))"
    " OR pg_visible_in_snapshot(xid, CAST(:base AS pg_snapshot)))"
)

_TAIL_PART = (
    f"(SELECT {_CHANGE_JSON} FROM sync_changes WHERE scope = %(scope{{i}})s AND seq > %(after)s"
    " AND xid >= pg_snapshot_xmin(CAST(%(base)s AS pg_snapshot))"
    " AND NOT pg_visible_in_snapshot(xid, CAST(%(base)s AS pg_snapshot))"
    " AND pg_visible_in_snapshot(xid, CAST(%(target)s AS pg_snapshot))"
    " ORDER BY seq LIMIT %(n)s)"
)


# Positions in the rows `_rows` returns: by index, because a Row's attribute access costs ten times more,
# and a page has up to MAX_PULL_LIMIT rows.
_SEQ, _ENTITY, _ENTITY_ID, _CHANGE = range(4)


def _rows(
    session: Session, part: str, scopes: Sequence[str], params: dict[str, Any]
) -> list[tuple[Any, ...]]:
    # One index range per scope, merged by seq: PostgreSQL cannot walk `scope = ANY(...)` in seq order.
    union = " UNION ALL ".join(part.format(i=i) for i in range(len(scopes)))
    sql = f"SELECT seq, entity, entity_id, change FROM ({union}) AS page ORDER BY seq LIMIT %(n)s"
    bound = dict(params, **{f"scope{i}": scope for i, scope in enumerate(scopes)})
    # Plain tuples from the driver, in the session's transaction: a page has thousands of rows, and
    # building SQLAlchemy Rows for them cost more than everything else the page does in Python.
    cursor = session.connection().connection.cursor()
    try:
        try:
            cursor.execute(sql, bound)
            return list(cursor.fetchall())
        finally:
            cursor.close()
    except psycopg.DataError as exc:
        # A value of the cursor PostgreSQL refuses (decode_cursor should have caught it). The transaction
        # is aborted and would refuse every later statement: end it, so the session works again.
        session.rollback()
        raise InvalidCursor(
            "The sync cursor is not one this server issued; start again with an empty cursor."
        ) from exc


def pull_page(
    session: Session,
    *,
    cursor_token: str,
    scopes: Sequence[str],
    limit: int,
    secret: str,
    tombstone_seconds: float,
) -> Page:
    """The next page of changes for these scopes. Raises InvalidCursor for a cursor we did not make.

    Answers reset_required when the cursor is older than the tombstone window (deletes it missed may
    be gone), was made for other scopes (the person's wards or role changed), or in another life of the
    database (another epoch, or a snapshot or time the database has not reached: it went back).
    """
    fingerprint = scopes_fingerprint(scopes)
    epoch = identity.current(session).token
    reset = Page(changes=[], cursor=None, has_more=True, reset_required=True, server_epoch=epoch)
    if cursor_token:
        cursor = decode_cursor(cursor_token, secret=secret)
        if cursor.scopes != fingerprint:
            return reset
        why = _from_another_life(session, cursor, epoch=epoch, tombstone_seconds=tombstone_seconds)
        if why is not None:
            log.info("pull: a cursor %s; the desktop starts again", why)
            return reset
        cursor = replace(cursor, server_epoch=epoch)  # an accepted cursor without one belongs to this epoch
    else:
        snapshot_text, now = _now_snapshot(session)
        # Counted once, here, and carried in the cursor: the following pages do not count again.
        # A record in two of the caller's scopes counts twice, so this is an estimate (slightly high).
        total = int(
            session.execute(
                text(_SNAPSHOT_COUNT), {"scopes": list(scopes), "base": snapshot_text}
            ).scalar_one()
        )
        cursor = Cursor(
            phase="snapshot",
            base=snapshot_text,
            base_time=now,
            scopes=fingerprint,
            total=total,
            server_epoch=epoch,
        )

    total_estimate = cursor.total if cursor.phase == "snapshot" else None
    rows: list[Any] = []
    has_more = False
    while len(rows) < limit:
        want = limit - len(rows)
        if cursor.phase == "snapshot":
            found = _rows(
                session, _SNAPSHOT_PART, scopes, {"base": cursor.base, "after": cursor.after, "n": want + 1}
            )
            if len(found) > want:
                rows += found[:want]
                cursor = replace(cursor, after=found[want - 1][_SEQ])
                has_more = True
                break
            rows += found
            # The snapshot is delivered; what changed since S comes as a tail from S.
            cursor = replace(cursor, phase="tail", after=0, total=None)
            continue
        if cursor.target is None:
            target, taken = _now_snapshot(session)
            cursor = replace(cursor, target=target, target_time=taken)
        params = {"base": cursor.base, "target": cursor.target, "after": cursor.after, "n": want + 1}
        found = _rows(session, _TAIL_PART, scopes, params)
        if len(found) > want:
            rows += found[:want]
            cursor = replace(cursor, after=found[want - 1][_SEQ])
            has_more = True
            break
        rows += found
        assert cursor.target is not None and cursor.target_time is not None
        cursor = Cursor(
            phase="tail",
            base=cursor.target,
            base_time=cursor.target_time,
            scopes=fingerprint,
            server_epoch=epoch,
        )
        break
    return Page(
        changes=_latest_per_record(rows),
        cursor=cursor,
        has_more=has_more,
        entities=_count_entities(rows),
        total_estimate=total_estimate,
        server_epoch=epoch,
    )


def _from_another_life(
    session: Session, cursor: Cursor, *, epoch: str, tombstone_seconds: float
) -> str | None:
    """Why this well-formed cursor cannot be followed in this database (None: it can)."""
    if cursor.server_epoch is not None and cursor.server_epoch != epoch:
        return "of another database epoch (restored from a backup)"
    now, next_xid = _NOW_AND_NEXT_XID.one(session)
    # Transaction ids only grow in one database: a snapshot ahead of them was taken before the database
    # went back (a physical restore), and its ids now name other changes, which a tail would skip.
    # Answered as a reset and not as 422: an honest desktop holds such a cursor, and a forged one gains
    # nothing from a fresh start that an empty cursor would not give.
    snapshots = [cursor.base] if cursor.target is None else [cursor.base, cursor.target]
    if any(_snapshot_xmax(snapshot) > int(next_xid) for snapshot in snapshots):
        return "ahead of the database's transaction ids (the database went back)"
    times = [cursor.base_time] if cursor.target_time is None else [cursor.base_time, cursor.target_time]
    if max(times) > float(now) + CLOCK_SLACK_SECONDS:
        return "from the database's future (its clock went back)"
    if float(now) - cursor.base_time > tombstone_seconds:
        return "older than the tombstone window"
    return None


def _latest_per_record(rows: list[Any]) -> list[str]:
    """A record met twice in one page (two of the caller's scopes) is sent once, in its latest state."""
    seen: set[tuple[str, str]] = set()
    kept: list[str] = []
    for row in reversed(rows):
        key = (row[_ENTITY], row[_ENTITY_ID])
        if key not in seen:
            seen.add(key)
            kept.append(row[_CHANGE])
    kept.reverse()
    return kept


def _count_entities(rows: list[Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row[_ENTITY]] = counts.get(row[_ENTITY], 0) + 1
    return counts


def render(
    page: Page, *, secret: str, last_mutation_id: int, server_time: datetime, with_epoch: bool = False
) -> bytes:
    """The PullResponse JSON, assembled from the JSON PostgreSQL already built for each change.

    `with_epoch`: the desktop understands `server_epoch` (older ones refuse a field they do not know)."""
    head: dict[str, Any] = {
        "cursor": encode_cursor(page.cursor, secret=secret) if page.cursor else "",
        "has_more": page.has_more,
        "reset_required": page.reset_required,
        "last_mutation_id": last_mutation_id,
        "server_time": server_time.isoformat(),
        "total_estimate": page.total_estimate,
    }
    if with_epoch:
        head["server_epoch"] = page.server_epoch
    return ('{"changes":[' + ",".join(page.changes) + "]," + json.dumps(head)[1:]).encode()


def compact(session: Session, *, tombstone_seconds: float, margin_seconds: float = 3600) -> int:
    """Delete tombstones older than the window (plus a margin for long transactions); returns how many.

    Cursors older than the window are answered with reset_required, so no client still needs them.
    """
    result = session.execute(
        text(
            "DELETE FROM sync_changes WHERE deleted"
            " AND changed_at < clock_timestamp() - make_interval(secs => :age)"
        ),
        {"age": tombstone_seconds + margin_seconds},
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
