"""A database restored from a backup: desktops learn it from the epoch in every answer and start again."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from shared.protocol import FEATURE_SERVER_EPOCH, FEATURES_HEADER
from shared.roles import Role
from sync_server.cli import app
from sync_server.core.db import transaction
from sync_server.tickets.models import RefillTicket
from tests.sync_server.sync.conftest import Desktop, of, ticket_submission

pytestmark = pytest.mark.usefixtures("formulary")


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, database_url: str, session_factory: sessionmaker[Session]):  # type: ignore[no-untyped-def]
    """`warddesk-server ARGS` against the test database, as the admin runs it."""
    monkeypatch.setenv("WARDDESK_DATABASE_URL", database_url)

    def _run(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(app, list(args), input=input)

    return _run


class EpochDesktop(Desktop):
    """A desktop that understands server epochs."""

    @property
    def headers(self) -> dict[str, str]:
        return {**super().headers, FEATURES_HEADER: FEATURE_SERVER_EPOCH}

    def push_for(self, epoch: str | None, *mutations: dict[str, Any]) -> Any:
        body: dict[str, Any] = {"client_id": str(self.client_id), "mutations": list(mutations)}
        if epoch is not None:
            body["server_epoch"] = epoch
        return self.client.post("/sync/push", json=body, headers=self.headers)


@pytest.fixture
def nurse(client, sign_in) -> EpochDesktop:  # type: ignore[no-untyped-def]
    return EpochDesktop(client, sign_in(Role.NURSE))


def tickets(session_factory: sessionmaker[Session]) -> int:
    with transaction(session_factory) as session:
        return session.scalar(select(func.count()).select_from(RefillTicket)) or 0


def test_every_answer_carries_the_epoch_for_a_desktop_that_knows_epochs_and_none_for_an_older_one(
    nurse: EpochDesktop, desktop, ward
) -> None:  # type: ignore[no-untyped-def]
    older = desktop(nurse.person)

    pulled = nurse.pull()
    pushed = nurse.push(nurse.mutation("ticket.submit", uuid.uuid4(), ticket_submission(ward.id))).json()

    assert pulled["server_epoch"] and pushed["server_epoch"] == pulled["server_epoch"]
    assert "server_epoch" not in older.pull()
    assert "server_epoch" not in older.push().json()


def test_after_the_admin_marks_a_restore_a_cursor_from_before_must_start_again(
    nurse: EpochDesktop, run
) -> None:  # type: ignore[no-untyped-def]
    before = nurse.pull()
    old_cursor = nurse.cursor

    result = run("restored", "--yes")

    assert result.exit_code == 0, result.output
    assert "epoch 2" in result.output
    answer = nurse.pull(cursor=old_cursor)
    assert answer["reset_required"] is True and answer["cursor"] == ""
    assert answer["server_epoch"] != before["server_epoch"]
    assert nurse.pull(cursor="")["reset_required"] is False  # the fresh start is followed as usual


def test_a_push_numbered_before_the_restore_is_refused_with_the_number_to_send_again_from(
    nurse: EpochDesktop, run, ward, session_factory
) -> None:  # type: ignore[no-untyped-def]
    epoch = nurse.pull()["server_epoch"]
    first = nurse.mutation("ticket.submit", uuid.uuid4(), ticket_submission(ward.id))
    assert nurse.push_for(epoch, first).status_code == 200
    run("restored", "--yes")
    second = nurse.mutation("ticket.submit", uuid.uuid4(), ticket_submission(ward.id))

    refused = nurse.push_for(epoch, second)

    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "server_restored"
    assert error["details"]["last_mutation_id"] == 1 and error["details"]["expected"] == 2
    new_epoch = error["details"]["server_epoch"]
    assert new_epoch != epoch
    assert tickets(session_factory) == 1  # nothing of the refused batch was applied

    again = nurse.push_for(new_epoch, second)

    assert again.status_code == 200, again.text
    assert again.json()["results"][0]["status"] == "applied" and again.json()["server_epoch"] == new_epoch


def test_a_desktop_that_sends_no_epoch_is_served_as_before(nurse: EpochDesktop, run, ward) -> None:  # type: ignore[no-untyped-def]
    run("restored", "--yes")

    answer = nurse.push_for(None, nurse.mutation("ticket.submit", uuid.uuid4(), ticket_submission(ward.id)))

    assert answer.status_code == 200 and answer.json()["results"][0]["status"] == "applied"


def test_the_restored_command_makes_feed_rows_stamped_after_the_databases_ids_visible_again(
    client, sign_in, ward, run, session_factory
) -> None:  # type: ignore[no-untyped-def]
    """A logical restore into another cluster keeps the feed's transaction ids, which the new cluster has
    not reached: every snapshot would take them for changes still to come, and a desktop starting afresh
    would get an empty cache."""
    writer = EpochDesktop(client, sign_in(Role.NURSE))
    ticket_id = uuid.uuid4()
    writer.push(writer.mutation("ticket.submit", ticket_id, ticket_submission(ward.id)))
    with transaction(session_factory) as session:
        session.execute(
            text(
                "UPDATE sync_changes SET xid ="
                " (pg_snapshot_xmax(pg_current_snapshot())::text::bigint + 1000000)::text::xid8"
                " WHERE entity_id = :id"
            ).bindparams(id=ticket_id)
        )
    reader = EpochDesktop(client, sign_in(Role.PHARMACIST))
    assert of(reader.pull_all(), "ticket") == []

    assert run("restored", "--yes").exit_code == 0

    reader.cursor = ""
    assert [c["id"] for c in of(reader.pull_all(), "ticket")] == [str(ticket_id)]


def test_the_restored_command_asks_before_sending_every_desktop_back_to_a_fresh_start(
    nurse: EpochDesktop, run
) -> None:  # type: ignore[no-untyped-def]
    epoch = nurse.pull()["server_epoch"]

    result = run("restored", input="n\n")

    assert result.exit_code != 0
    assert nurse.pull(cursor="")["server_epoch"] == epoch
