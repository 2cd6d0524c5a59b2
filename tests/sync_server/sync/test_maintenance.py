"""The operator's sync commands: the demo reaches the desktops, old tombstones go away."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from shared.protocol import Entity
from shared.roles import Role
from sync_server.cli import app
from sync_server.core.db import transaction
from sync_server.feed.changes import record_change
from sync_server.feed.scopes import REFERENCE
from tests.sync_server.sync.conftest import of


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, database_url: str, session_factory: sessionmaker[Session]):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("WARDDESK_DATABASE_URL", database_url)
    return lambda *args: CliRunner().invoke(app, list(args))


def test_the_demo_hospital_reaches_a_desktops_first_sync(run, sign_in, desktop) -> None:  # type: ignore[no-untyped-def]
    assert run("demo-data").exit_code == 0

    scheduler = desktop(sign_in(Role.SCHEDULER))
    changes = scheduler.pull_all(limit=1000)

    assert len(of(changes, "patient")) == 200
    assert of(changes, "ward") and of(changes, "doctor") and of(changes, "medication")


def test_a_second_backfill_sends_nothing_new(run, sign_in, desktop) -> None:  # type: ignore[no-untyped-def]
    run("demo-data")
    nurse = desktop(sign_in(Role.NURSE))
    nurse.pull_all(limit=1000)

    again = run("sync-backfill")

    assert again.exit_code == 0, again.output
    assert nurse.pull_all() == []


def test_sync_compact_removes_expired_tombstones(run, session_factory) -> None:  # type: ignore[no-untyped-def]
    gone = uuid.uuid4()
    with transaction(session_factory) as session:
        record_change(session, entity=Entity.WARD, entity_id=gone, version=2, scopes=[REFERENCE], data=None)
        session.execute(text("UPDATE sync_changes SET changed_at = now() - interval '90 days'"))

    result = run("sync-compact")

    assert result.exit_code == 0, result.output
    assert "Removed 1 expired tombstone" in result.output
