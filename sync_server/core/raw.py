"""Hot statements on the driver's own cursor, inside the session's transaction.

A statement run through SQLAlchemy pays for its execution machinery on every call (compiled-cache lookup,
execution context, result metadata, bind and result processors): about a third of a millisecond here, as
much as psycopg and the round trip together. The few statements every booking and every request runs
(sign-in check, the booking's reads and writes, the outbox and feed rows, the audit row) are compiled by
SQLAlchemy once, at import, and then run on psycopg's cursor directly: same SQL, same transaction (the
session's connection), and errors translated to SQLAlchemy's exceptions, so callers catch
`IntegrityError` / `DBAPIError` as they always did.

What the driver does not do for us, the caller does: JSON values are passed as text (`json` names the
parameters to serialise), and rows come back as named tuples (attribute access, like SQLAlchemy's Row).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy import exc
from sqlalchemy.dialects.postgresql import psycopg as psycopg_dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement

_DIALECT = psycopg_dialect.dialect()


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=str, separators=(",", ":"))


class Statement:
    """One statement compiled once for the psycopg dialect. `columns`: for an INSERT or UPDATE, the
    columns the calls give (the rest take their defaults); `json`: parameters to send as JSON text."""

    __slots__ = ("sql", "defaults", "json")

    def __init__(
        self, statement: ClauseElement, *, columns: Iterable[str] | None = None, json: Sequence[str] = ()
    ) -> None:
        compiled = statement.compile(
            dialect=_DIALECT,
            column_keys=list(columns) if columns is not None else None,
        )
        if "POSTCOMPILE" in str(compiled):
            raise ValueError("write IN (...) of fixed values into the statement's text: it is compiled once")
        self.sql = str(compiled)
        # Values bound inside the statement itself (a literal empty array, say).
        self.defaults = {k: v for k, v in compiled.params.items() if v is not None}
        self.json = tuple(json)

    def run(self, session: Session, params: Mapping[str, Any] | None = None) -> psycopg.Cursor[Any]:
        """Execute in the session's transaction; the cursor holds the rows (named tuples)."""
        values = {**self.defaults, **(params or {})}
        for name in self.json:
            values[name] = _json(values.get(name))
        return execute(session, self.sql, values)

    def one(self, session: Session, params: Mapping[str, Any] | None = None) -> Any:
        row = self.run(session, params).fetchone()
        if row is None:
            raise exc.NoResultFound("no row was found when one was required")
        return row

    def one_or_none(self, session: Session, params: Mapping[str, Any] | None = None) -> Any:
        return self.run(session, params).fetchone()

    def all(self, session: Session, params: Mapping[str, Any] | None = None) -> list[Any]:
        return self.run(session, params).fetchall()


# Session.info key: (the transaction, its driver connection), so a request's statements ask SQLAlchemy for
# the connection once, not once each.
_DRIVER = "warddesk_raw_driver"


def driver_connection(session: Session) -> psycopg.Connection[Any]:
    """The psycopg connection of the session's transaction (begun if none is). Asked of SQLAlchemy again
    whenever the session's innermost transaction changed: a savepoint begun on the session is only
    emitted when its connection is asked for."""
    transaction = session.get_nested_transaction() or session.get_transaction()
    cached = session.info.get(_DRIVER)
    if cached is not None and transaction is not None and cached[0] is transaction and transaction.is_active:
        connection: psycopg.Connection[Any] = cached[1]
        return connection
    connection = session.connection().connection.driver_connection
    session.info[_DRIVER] = (session.get_nested_transaction() or session.get_transaction(), connection)
    return connection


def execute(session: Session, sql: str, params: Mapping[str, Any]) -> psycopg.Cursor[Any]:
    """Run `sql` (psycopg's %(name)s style) on the session's connection, in its transaction."""
    cursor = driver_connection(session).cursor(row_factory=namedtuple_row)
    try:
        cursor.execute(sql, params)
    except psycopg.Error as error:
        raise exc.DBAPIError.instance(sql, params, error, psycopg.Error) from error
    return cursor
