"""Finding the real services the tests talk to: PostgreSQL and RabbitMQ.

PostgreSQL: WARDDESK_TEST_DATABASE_URL, else localhost:5432, else an embedded PostgreSQL started here.
RabbitMQ: WARDDESK_TEST_AMQP_URL, else localhost:5672. Without one, broker tests are skipped loudly,
except in CI (CI=true), where a missing service fails the run.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import psycopg

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_AMQP = "amqp://guest:guest@127.0.0.1:5672/%2F"


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def admin_postgres_url() -> str:
    """A URL of a PostgreSQL server where the tests may create databases."""
    configured = os.environ.get("WARDDESK_TEST_DATABASE_URL")
    if configured:
        return configured
    if _port_open("127.0.0.1", 5432):
        try:
            with psycopg.connect(LOCAL_POSTGRES, connect_timeout=3):
                return LOCAL_POSTGRES
        except psycopg.Error:
            pass
    from sync_server.core.embedded_db import start_embedded_postgres

    data_dir = Path(os.environ.get("WARDDESK_TEST_EMBEDDED_DIR", Path.home() / ".cache" / "warddesk-tests"))
    return start_embedded_postgres(data_dir, database="postgres").replace("+psycopg", "")


def amqp_url() -> str | None:
    configured = os.environ.get("WARDDESK_TEST_AMQP_URL")
    if configured:
        return configured
    return LOCAL_AMQP if _port_open("127.0.0.1", 5672) else None


def with_database(url: str, database: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=database).render_as_string(hide_password=False)
