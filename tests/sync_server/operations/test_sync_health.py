"""`warddesk-server sync-health`: what an admin sees about the workstations, stuck sagas and dead letters."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from shared.roles import Role
from sync_server import cli
from sync_server.cli import app
from sync_server.core.db import transaction
from sync_server.messaging.failures import record
from tests.sync_server.sync.conftest import Desktop, formulary, ticket_submission  # noqa: F401

pytestmark = pytest.mark.usefixtures("formulary")


def run(monkeypatch: pytest.MonkeyPatch, database_url: str) -> tuple[int, str]:
    monkeypatch.setenv("WARDDESK_DATABASE_URL", database_url)
    monkeypatch.setattr(cli.out, "width", 250)
    result = CliRunner().invoke(app, ["sync-health"], terminal_width=250)
    return result.exit_code, result.output


def test_sync_health_lists_each_workstation_with_its_settled_and_refused_changes(  # type: ignore[no-untyped-def]
    client, sign_in, ward, session_factory, database_url, monkeypatch
):
    nurse = Desktop(client, sign_in(Role.NURSE))
    answer = nurse.push(
        nurse.mutation("ticket.submit", uuid.uuid4(), ticket_submission(ward.id)),
        nurse.mutation("ticket.approve", uuid.uuid4(), {"lines": []}),
    )
    assert [r["status"] for r in answer.json()["results"]] == ["applied", "rejected"]

    code, output = run(monkeypatch, database_url)

    assert code == 0, output
    row = next(line for line in output.splitlines() if str(nurse.client_id) in line)
    assert nurse.person.user.username in row
    cells = [cell.strip() for cell in row.split("│")[1:-1]]
    assert cells[0] == str(nurse.client_id) and cells[1] == nurse.person.user.username
    assert cells[3:6] == ["2", "2", "1"]  # last change number, settled, refused
    assert "Stuck booking sagas (0)" in output and "Dead letters (0)" in output


def test_sync_health_shows_stuck_sagas_and_dead_letters_and_exits_2(  # type: ignore[no-untyped-def]
    client, sign_in, session_factory, database_url, monkeypatch
):
    message_id = uuid.uuid4()
    record(
        session_factory,
        consumer="appointment-emails",
        message_id=message_id,
        error=RuntimeError("SES down"),
        dead=True,
    )
    saga_id = uuid.uuid4()
    with transaction(session_factory) as session:
        user_id = sign_in(Role.SCHEDULER).user.id
        session.execute(
            text(
                "INSERT INTO booking_sagas (id, kind, status, step, version, attempts, next_attempt_at,"
                " appointment_id, started_by, payload)"
                " VALUES (:id, 'book', 'running', 'confirm', 1, 3, now() - interval '1 hour',"
                " :appt, :user, '{}')"
            ),
            {"id": saga_id, "appt": uuid.uuid4(), "user": user_id},
        )

    code, output = run(monkeypatch, database_url)

    assert code == 2, output
    assert "Stuck booking sagas (1)" in output and str(saga_id) in output
    assert "Dead letters (1)" in output and str(message_id) in output and "SES down" in output
