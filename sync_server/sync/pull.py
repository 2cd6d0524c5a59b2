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
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from shared.errors import ErrorCode
from sync_server.core.errors import Invalid

CURSOR_VERSION = 1


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
        },
        separators=(",", ":"),
    ).encode()
    mac = hmac.new(secret.encode(), body, hashlib.sha256).digest()[:16]
    return f"{_b64(body)}.{_b64(mac)}"


def decode_cursor(token: str, *, secret: str) -> Cursor:
    """Read a cursor this server made. Raises InvalidCursor (422) for anything else."""
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
        fields: dict[str, Any] = json.loads(body)
        if fields["v"] != CURSOR_VERSION:
            raise refusal
        return Cursor(
            phase={"s": "snapshot", "t": "tail"}[fields["p"]],
            base=str(fields["b"]),
            base_time=float(fields["bt"]),
            after=int(fields["a"]),
            target=fields["t"],
            target_time=fields["tt"],
            scopes=str(fields["s"]),
            # .get: cursors issued before the count existed stay valid, without a total.
            total=None if fields.get("n") is None else int(fields["n"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise refusal from exc


@dataclass
class Page:
    """One pull's answer before it is put on the wire: each change is already JSON text."""

    changes: list[str]
    cursor: Cursor | None  # None with reset_required
    has_more: bool
    reset_required: bool = False
    entities: dict[str, int] | None = None
    total_estimate: int | None = None  # on snapshot pages: the snapshot's rows


def _now_snapshot(session: Session) -> tuple[str, float]:
    snapshot, taken = session.execute(
        text("SELECT CAST(pg_current_snapshot() AS text), extract(epoch FROM clock_timestamp())")
    ).one()
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
        cursor.execute(sql, bound)
        return list(cursor.fetchall())
    finally:
        cursor.close()


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
    be gone) or was made for other scopes (the person's wards or role changed).
    """
    fingerprint = scopes_fingerprint(scopes)
    if cursor_token:
        cursor = decode_cursor(cursor_token, secret=secret)
        snapshot_text, now = None, None
    else:
        snapshot_text, now = _now_snapshot(session)
        # Counted once, here, and carried in the cursor: the following pages do not count again.
        # A record in two of the caller's scopes counts twice, so this is an estimate (slightly high).
        total = int(
            session.execute(
                text(_SNAPSHOT_COUNT), {"scopes": list(scopes), "base": snapshot_text}
            ).scalar_one()
        )
        cursor = Cursor(phase="snapshot", base=snapshot_text, base_time=now, scopes=fingerprint, total=total)
    if cursor.scopes != fingerprint:
        return Page(changes=[], cursor=None, has_more=True, reset_required=True)
    if cursor_token:
        now = float(session.execute(text("SELECT extract(epoch FROM clock_timestamp())")).scalar_one())
        if now - cursor.base_time > tombstone_seconds:
            return Page(changes=[], cursor=None, has_more=True, reset_required=True)

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
        cursor = Cursor(phase="tail", base=cursor.target, base_time=cursor.target_time, scopes=fingerprint)
        break
    return Page(
        changes=_latest_per_record(rows),
        cursor=cursor,
        has_more=has_more,
        entities=_count(rows),
        total_estimate=total_estimate,
    )


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


def _count(rows: list[Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row[_ENTITY]] = counts.get(row[_ENTITY], 0) + 1
    return counts


def render(page: Page, *, secret: str, last_mutation_id: int, server_time: datetime) -> bytes:
    """The PullResponse JSON, assembled from the JSON PostgreSQL already built for each change."""
    head = {
        "cursor": encode_cursor(page.cursor, secret=secret) if page.cursor else "",
        "has_more": page.has_more,
        "reset_required": page.reset_required,
        "last_mutation_id": last_mutation_id,
        "server_time": server_time.isoformat(),
        "total_estimate": page.total_estimate,
    }
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
