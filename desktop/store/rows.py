"""How a cached record sits in its table: which table holds a kind, its key, the row written for it
(`row_maker` for the initial sync's bulk upserts, `replace_sql` for the rebase's writes) and the reading
of one row back. Module functions over a connection; no transaction handling here."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Row, Table, and_, bindparam, select
from sqlalchemy.engine import Connection

from desktop.store import schema
from desktop.store.effects import Record
from desktop.store.kinds import INDEXED
from shared.protocol import Change, Entity


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


def now_utc() -> datetime:
    return datetime.now(UTC)


def aware_time(value: Any) -> datetime | None:
    if not value:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def indexed_columns(entity: Entity, data: Record) -> dict[str, Any]:
    """The columns the screens filter on, copied out of the record."""
    return {
        name: aware_time(data.get(name)) if kind == "time" else str_or_none(data.get(name))
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
    aware = aware_time(value)
    return None if aware is None else sqlite_value(aware)


def dumps_record(data: Record) -> str:
    return orjson.dumps(data).decode()


def _indexed_kinds(entity: Entity) -> tuple[list[str], list[str]]:
    """INDEXED[entity]'s text columns and its time columns."""
    indexed = INDEXED.get(entity, ())
    return [n for n, kind in indexed if kind == "text"], [n for n, kind in indexed if kind == "time"]


@functools.cache
def _row_layout(table: Table) -> list[str]:
    """The columns of `table` in the order `row_maker` builds its rows: key, text, time, sync columns."""
    entity = {schema.tickets: Entity.TICKET, schema.appointments: Entity.APPOINTMENT}.get(table)
    texts, times = _indexed_kinds(entity) if entity is not None else ([], [])
    keys = [column.name for column in table.primary_key]
    layout = [*keys, *texts, *times, "version", "data", "base", "pending"]
    if sorted(layout) != sorted(plain_columns(table)):
        raise AssertionError(f"no row layout for the columns of {table.name}")
    return layout


@functools.cache
def row_maker(entity: Entity) -> Callable[[Change], tuple[Any, ...]]:
    """Change -> the row tuple for `upsert_sql(table_of(entity))` (`_row_layout` order): the initial sync's
    per-row work, kept to plain tuple building (no SQLAlchemy type processing, no datetime objects, no
    function call per column)."""
    table = table_of(entity)
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


def plain_columns(table: Table) -> list[str]:
    return [column.name for column in table.columns]


@functools.cache
def upsert_sql(table: Table) -> str:
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


def sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):  # as schema.UtcDateTime stores it: naive UTC, SQLAlchemy's text format
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return value


def table_of(entity: Entity) -> Table:
    if entity is Entity.TICKET:
        return schema.tickets
    if entity is Entity.APPOINTMENT:
        return schema.appointments
    return schema.records


def key_of(entity: Entity, record_id: str) -> dict[str, str]:
    return (
        {"entity": entity.value, "id": record_id} if table_of(entity) is schema.records else {"id": record_id}
    )


def where_key(entity: Entity, record_id: str) -> Any:
    table = table_of(entity)
    return and_(*(table.c[name] == value for name, value in key_of(entity, record_id).items()))


@functools.cache
def _select_one(entity: Entity) -> Any:
    """SELECT of one cached record by key, built once per kind (building it per call cost more than
    running it)."""
    table = table_of(entity)
    return select(table).where(*(table.c[name] == bindparam(name) for name in key_of(entity, "")))


def row_of(conn: Connection, entity: Entity, record_id: str) -> Row[Any] | None:
    return conn.execute(_select_one(entity), key_of(entity, record_id)).first()


@functools.cache
def replace_sql(table: Table) -> str:
    """INSERT ... ON CONFLICT DO UPDATE of every column, unconditionally (the rebase's writes)."""
    columns = plain_columns(table)
    keys = [column.name for column in table.primary_key]
    updates = ", ".join(f"{name} = excluded.{name}" for name in columns if name not in keys)
    return (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)}) "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    )
