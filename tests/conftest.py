from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from shared.roles import Role
from sync_server.app import create_app
from sync_server.auth.models import User, UserWard
from sync_server.auth.passwords import hash_password
from sync_server.core.config import Settings
from sync_server.core.db import make_engine, make_session_factory, transaction
from sync_server.core.migrations import upgrade
from sync_server.directory.models import Doctor, Ward
from sync_server.migrations.schema import metadata
from tests import services

TEST_SECRET = "test-secret-" + "x" * 40
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A fresh database for this test run, built by the Alembic migrations."""
    admin = services.admin_postgres_url()
    name = f"warddesk_test_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = services.with_database(admin, name)
    upgrade(url)
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url, pool_size=5)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions on the test database; every table is emptied after the test."""
    yield make_session_factory(engine)
    tables = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


_TEST_DATA_DIR = tempfile.mkdtemp(prefix="warddesk-test-data-")


def make_test_settings(**overrides: object) -> Settings:
    """Test settings; nothing is written under the user's real data directory."""
    values: dict[str, object] = {
        "environment": "test",
        "secret_key": TEST_SECRET,
        "data_dir": _TEST_DATA_DIR,
        "scope_refresh_seconds": 0,  # tests refresh visit scopes themselves, at a time they choose
        # Tests send bursts from one address; the rate limit tests set their own limits.
        "rate_limit_per_address": 0,
        "rate_limit_per_user": 0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings() -> Settings:
    # API tests need no background event delivery; the messaging tests turn it on where they test it.
    return make_test_settings(messaging_in_app=False)


@pytest.fixture
def app(settings: Settings, database_url: str, session_factory: sessionmaker[Session]):  # type: ignore[no-untyped-def]
    return create_app(settings, database_url=database_url)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as client:
        yield client


@dataclass
class Person:
    """A signed-in user of the tests, with the headers their requests carry."""

    user: User
    headers: dict[str, str]
    refresh_token: str


@pytest.fixture
def ward(session_factory: sessionmaker[Session]) -> Ward:
    with transaction(session_factory) as session:
        ward = Ward(code="W3", name="Ward 3 - Internal Medicine", floor="3")
        session.add(ward)
    return ward


@pytest.fixture
def doctor(session_factory: sessionmaker[Session]) -> Doctor:
    with transaction(session_factory) as session:
        doctor = Doctor(
            full_name="Dr. Ana Costa",
            specialty="Cardiology",
            license_number="CRM-1001",
            time_zone="Europe/Lisbon",
            default_slot_minutes=20,
        )
        session.add(doctor)
    return doctor


@pytest.fixture
def make_user(session_factory: sessionmaker[Session], ward: Ward, doctor: Doctor) -> Callable[..., User]:
    def _make(
        role: Role,
        *,
        username: str | None = None,
        ward_ids: list[uuid.UUID] | None = None,
        doctor_id: uuid.UUID | None = None,
    ) -> User:
        with transaction(session_factory) as session:
            user = User(
                username=username or f"{role.value}-{uuid.uuid4().hex[:6]}",
                full_name=f"Test {role.value.title()}",
                role=role,
                password_hash=hash_password(PASSWORD),
                doctor_id=(doctor_id or doctor.id) if role is Role.DOCTOR else None,
                # A nurse works on wards (the test ward unless told); a doctor covers the wards he is given.
                wards=[UserWard(ward_id=w) for w in (ward_ids or [ward.id])]
                if role is Role.NURSE
                else [UserWard(ward_id=w) for w in (ward_ids or [])],
            )
            session.add(user)
        return user

    return _make


@pytest.fixture
def sign_in(client: TestClient, make_user: Callable[..., User]) -> Callable[..., Person]:
    def _sign_in(role: Role, **kwargs: object) -> Person:
        user = make_user(role, **kwargs)
        answer = client.post(
            "/auth/token", data={"grant_type": "password", "username": user.username, "password": PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        tokens = answer.json()
        return Person(user, {"Authorization": f"Bearer {tokens['access_token']}"}, tokens["refresh_token"])

    return _sign_in


@pytest.fixture(scope="session")
def amqp_url() -> str:
    url = services.amqp_url()
    if url is None:
        if services.IN_CI:
            pytest.fail(
                "CI=true but no RabbitMQ is reachable (set WARDDESK_TEST_AMQP_URL or start rabbitmq-server)"
            )
        pytest.skip(
            "!!! NO RABBITMQ FOUND: broker tests skipped "
            "(start rabbitmq-server or set WARDDESK_TEST_AMQP_URL)"
        )
    return url
