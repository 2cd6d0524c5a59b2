"""Set-based writes: many rows in one statement, for the paths that write hundreds at once (a push)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from sync_server.core import raw
from sync_server.core.db import Base


def insert_rows(session: Session, model: type[Base], rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT `rows` (dicts with the same keys: column names) into `model`'s table, with one statement and
    one parameter, in order.

    The rows travel as one JSON array that PostgreSQL unpacks into the table's row type, so neither side
    builds or parses a statement with thousands of placeholders, and the ORM does no bookkeeping (the
    session does not learn of the rows). Columns left out take their defaults; UUIDs, datetimes and
    decimals travel as text that PostgreSQL parses. Raises what the INSERT raises (IntegrityError,
    DataError), in the caller's transaction.
    """
    if not rows:
        return
    table, columns = model.__tablename__, ", ".join(rows[0])
    session.flush()  # rows may refer to objects the session has not written yet
    raw.execute(
        session,
        f"INSERT INTO {table} ({columns}) SELECT {columns}"
        f" FROM jsonb_populate_recordset(NULL::{table}, CAST(%(rows)s AS jsonb)) WITH ORDINALITY"
        " ORDER BY ordinality",
        {"rows": json.dumps(rows, default=str, separators=(",", ":"))},
    )
