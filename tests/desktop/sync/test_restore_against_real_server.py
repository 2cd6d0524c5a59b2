"""A nurse's desktop and the REAL sync server, whose PostgreSQL database is restored from a real backup.

The backup is a copy of the database (CREATE DATABASE ... TEMPLATE), the restore drops the database and
creates it again from that copy, as an admin restoring a dump would: nobody runs `warddesk-server
restored`, and the desktop must still find out.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import select

from desktop.store import LocalStore
from desktop.sync import Connection, SyncClient, SyncEngine
from shared.protocol import Entity
from shared.roles import Role
from sync_server.auth.models import User, UserWard
from sync_server.auth.passwords import hash_password
from sync_server.core.config import Settings
from sync_server.core.db import make_engine, make_session_factory, transaction
from sync_server.core.migrations import upgrade
from sync_server.directory.models import Medication, Ward
from sync_server.tickets.models import RefillTicket
from tests import services
from tests.conftest import PASSWORD
from tests.desktop.live_server import running_server
from tests.desktop.sync.conftest import submit_ticket


class Hospital:
    """The hospital's sync database, which the admin can back up and restore."""

    def __init__(self) -> None:
        self.admin = services.admin_postgres_url()
        self.name = f"warddesk_restore_{os.getpid()}"
        self.url = services.with_database(self.admin, self.name)
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._execute(f'CREATE DATABASE "{self.name}"')
        upgrade(self.url)

    def _execute(self, statement: str) -> None:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(statement)  # type: ignore[arg-type]

    def back_up(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}_backup" WITH (FORCE)')
        self._execute(f'CREATE DATABASE "{self.name}_backup" TEMPLATE "{self.name}"')

    def restore(self) -> None:
        self._execute(f'DROP DATABASE "{self.name}" WITH (FORCE)')
        self._execute(f'CREATE DATABASE "{self.name}" TEMPLATE "{self.name}_backup"')

    def tickets(self) -> set[uuid.UUID]:
        engine = make_engine(self.url, pool_size=1)
        try:
            with transaction(make_session_factory(engine)) as session:
                return set(session.scalars(select(RefillTicket.id)))
        finally:
            engine.dispose()

    def drop(self) -> None:
        for name in (self.name, f"{self.name}_backup"):
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def hospital() -> Iterator[Hospital]:
    hospital = Hospital()
    yield hospital
    hospital.drop()


@pytest.fixture
def ward_and_nurse(hospital: Hospital) -> tuple[uuid.UUID, str]:
    engine = make_engine(hospital.url, pool_size=1)
    try:
        with transaction(make_session_factory(engine)) as session:
            ward = Ward(code="W3", name="Ward 3 - Internal Medicine", floor="3")
            session.add(ward)
            session.add(
                Medication(
                    code="AMOX500", name="Amoxicillin", form="capsule", strength="500 mg", unit="capsule"
                )
            )
            session.flush()
            session.add(
                User(
                    username="nurse.ana",
                    full_name="Ana Nurse",
                    role=Role.NURSE,
                    password_hash=hash_password(PASSWORD),
                    wards=[UserWard(ward_id=ward.id)],
                )
            )
            return ward.id, "nurse.ana"
    finally:
        engine.dispose()


class Tokens:
    """The nurse's access token (valid for the whole test; the restored database has her session)."""

    def __init__(self, server_url: str, username: str) -> None:
        answer = httpx.post(
            f"{server_url}/auth/token",
            data={"grant_type": "password", "username": username, "password": PASSWORD},
        )
        assert answer.status_code == 200, answer.text
        self.token = str(answer.json()["access_token"])

    def access_token(self) -> str:
        return self.token

    def refresh(self, rejected: str) -> str:
        raise AssertionError("the access token lasts the whole test")


class Desk:
    """The nurse's workstation; it reconnects to the server each time it is started again."""

    def __init__(self, tmp_path: Path, username: str) -> None:
        self.store = LocalStore.open_for_user(
            server_url="https://sync.hospital.example", username=username, data_dir=tmp_path
        )
        self.username = username
        self.tokens: Tokens | None = None
        self.client: SyncClient | None = None

    def connect(self, server_url: str) -> SyncEngine:
        if self.client is not None:
            self.client.close()
        self.tokens = self.tokens or Tokens(server_url, self.username)
        self.client = SyncClient(server_url, tokens=self.tokens, timeout=10)
        return SyncEngine(self.store, self.client, long_poll_seconds=1)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        self.store.close()


@pytest.fixture
def desk(tmp_path: Path, ward_and_nurse: tuple[uuid.UUID, str]) -> Iterator[Desk]:
    desk = Desk(tmp_path, ward_and_nurse[1])
    yield desk
    desk.close()


def prune_later(store: LocalStore, mutation_id: int) -> None:
    """Make an applied change a week old: the outbox drops it at the next answer it stores."""
    when = (datetime.now(UTC) - timedelta(days=8)).replace(tzinfo=None).isoformat(sep=" ")
    with closing(sqlite3.connect(store.path)) as conn, conn:
        conn.execute("UPDATE outbox SET updated_at = ? WHERE mutation_id = ?", (when, mutation_id))


def test_a_nurse_whose_server_was_restored_from_a_backup_gets_back_all_she_still_has(
    hospital: Hospital,
    desk: Desk,
    ward_and_nurse: tuple[uuid.UUID, str],
    settings: Settings,
) -> None:
    ward_id = ward_and_nurse[0]
    submit: Callable[[], uuid.UUID] = lambda: submit_ticket(desk.store, ward_id=ward_id)  # noqa: E731
    with running_server(settings, hospital.url) as url:
        engine = desk.connect(url)
        before_backup = submit()  # 1
        assert engine.sync_once().state is Connection.ONLINE
    hospital.back_up()
    with running_server(settings, hospital.url) as url:
        engine = desk.connect(url)
        pruned = submit()  # 2: applied, then dropped from the outbox a week later
        assert engine.sync_once().state is Connection.ONLINE
        prune_later(desk.store, 2)
        kept = submit()  # 3: applied, still in the outbox
        assert engine.sync_once().queued == 0
        assert [e.mutation_id for e in desk.store.outbox_entries()] == [1, 3]
    hospital.restore()  # the server now has ticket 1 only, and believes it settled change 1 only
    queued = submit()  # 4, made while the server was down

    with running_server(settings, hospital.url) as url:
        engine = desk.connect(url)
        status = engine.sync_once()

        assert status.state is Connection.ONLINE and status.queued == 0 and status.rejected == 0
        assert hospital.tickets() == {before_backup, kept, queued}
        assert status.server_restore is not None
        assert (status.server_restore.resent, status.server_restore.lost) == (1, 1)
        cached = {record.id: record for record in desk.store.records(Entity.TICKET)}
        assert set(cached) == {before_backup, kept, queued}  # the lost ticket is gone from the cache too
        assert pruned not in cached and not any(record.pending for record in cached.values())
        assert [(e.mutation_id, e.state) for e in desk.store.outbox_entries()] == [
            (1, "applied"),
            (2, "applied"),  # the kept ticket, sent again under the number the server expected
            (3, "applied"),  # the queued one
        ]

        later = submit()
        assert engine.sync_once().queued == 0 and later in hospital.tickets()  # the queue moves on
