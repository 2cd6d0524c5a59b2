"""The engine when the server's database goes back to an older state (restored from a backup), against
an in-test fake of the protocol. The real server, restored from a real backup:
test_restore_against_real_server.py.

What the nurse must see: her queue never wedges, what she still has goes out again, what she no longer
has is counted for her, and her refusals stay in her inbox.
"""

from __future__ import annotations

import copy
import json
import sqlite3
import uuid
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from desktop.store import LocalStore
from desktop.store.mutations import queue_ticket_action
from desktop.sync import Backoff, Connection, SyncClient, SyncEngine
from shared.protocol import Entity, PullResponse, PushRequest, PushResponse
from shared.roles import Role
from shared.tickets import TicketAction
from tests.desktop.sync.conftest import SERVER, submit_ticket
from tests.desktop.sync.fake_server import FakeSyncServer, error_answer


class RestorableServer(FakeSyncServer):
    """The fake server with a database epoch, backups and restores; `epochs=False` is a server from before
    epochs (its answers carry none, and it only knows the gap)."""

    def __init__(self, *, epochs: bool = True) -> None:
        super().__init__()
        self.epoch: str | None = "db.1" if epochs else None

    def backup(self) -> dict[str, Any]:
        return copy.deepcopy(
            {
                "records": self.records,
                "feed": self.feed,
                "results": self.results,
                "last_mutation_id": self.last_mutation_id,
            }
        )

    def restore(self, backup: dict[str, Any], *, epoch: str | None = None) -> None:
        """Back to the backup; a server with epochs starts the next one (its admin ran `restored`)."""
        for name, value in copy.deepcopy(backup).items():
            setattr(self, name, value)
        if self.epoch is not None:
            self.epoch = epoch or f"db.{int(self.epoch.split('.')[1]) + 1}"

    def _push(self, body: PushRequest) -> httpx.Response:
        if body.server_epoch is not None and body.server_epoch != self.epoch:
            return _refusal("server_restored", last=self.last_mutation_id, epoch=self.epoch)
        fresh = [m for m in body.mutations if m.mutation_id > self.last_mutation_id]
        if fresh and fresh[0].mutation_id != self.last_mutation_id + 1:
            return _refusal("mutation_gap", last=self.last_mutation_id, epoch=None)
        answer = super()._push(body)
        response = PushResponse.model_validate_json(answer.content)
        response.server_epoch = self.epoch
        return httpx.Response(200, content=response.model_dump_json(exclude_none=self.epoch is None))

    def _pull(self, request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor") or ""
        epoch, _, position = cursor.rpartition("@")
        if cursor and self.epoch is not None and epoch != self.epoch:
            page = PullResponse(
                changes=[],
                cursor="",
                has_more=True,
                reset_required=True,
                last_mutation_id=self.last_mutation_id,
                server_time=datetime.now(UTC),
                server_epoch=self.epoch,
            )
            return httpx.Response(200, content=page.model_dump_json())
        start, limit = int(position or 0), int(request.url.params.get("limit", 500))
        changes = self.feed[start : start + limit]
        end = start + len(changes)
        page = PullResponse(
            changes=changes,
            cursor=f"{self.epoch or ''}@{end}",
            has_more=end < len(self.feed),
            last_mutation_id=self.last_mutation_id,
            server_time=datetime.now(UTC),
            server_epoch=self.epoch,
        )
        return httpx.Response(200, content=page.model_dump_json(exclude_none=self.epoch is None))

    def tickets(self) -> set[uuid.UUID]:
        return set(self.records)


def _refusal(code: str, *, last: int, epoch: str | None) -> httpx.Response:
    details: dict[str, Any] = {"last_mutation_id": last, "expected": last + 1}
    if epoch is not None:
        details["server_epoch"] = epoch
    answer = error_answer(409, code, "the server went back")
    body = json.loads(answer.content)
    body["error"]["details"] = details
    return httpx.Response(409, json=body)


class Tokens:
    def access_token(self) -> str:
        return "token-1"

    def refresh(self, rejected: str) -> str:
        return "token-1"


@dataclass
class Workstation:
    store: LocalStore
    engine: SyncEngine


@pytest.fixture
def workstation(store: LocalStore) -> Any:
    clients: list[SyncClient] = []

    def _open(server: RestorableServer) -> Workstation:
        client = SyncClient(
            SERVER, tokens=Tokens(), transport=server.transport(), sleep=lambda _: None, backoff=Backoff()
        )
        clients.append(client)
        return Workstation(store, SyncEngine(store, client, backoff=Backoff(base=0.01, cap=0.05)))

    yield _open
    for client in clients:
        client.close()


def age(store: LocalStore, mutation_id: int, *, days: int) -> None:
    """Make a change older in the outbox (the outbox keeps applied changes for a week)."""
    when = (datetime.now(UTC) - timedelta(days=days)).replace(tzinfo=None).isoformat(sep=" ")
    with closing(sqlite3.connect(store.path)) as conn, conn:
        conn.execute("UPDATE outbox SET updated_at = ? WHERE mutation_id = ?", (when, mutation_id))


def states(store: LocalStore) -> list[tuple[int, str]]:
    return [(e.mutation_id, e.state) for e in store.outbox_entries()]


def test_a_restore_announced_by_a_new_epoch_sends_again_what_the_server_lost(workstation: Any) -> None:
    server = RestorableServer()
    nurse = workstation(server)
    first = submit_ticket(nurse.store)
    nurse.engine.sync_once()
    backup = server.backup()
    second = submit_ticket(nurse.store)
    nurse.engine.sync_once()
    server.restore(backup)  # the ticket submitted after the backup is gone on the server
    third = submit_ticket(nurse.store)

    status = nurse.engine.sync_once()

    assert status.state is Connection.ONLINE and status.queued == 0 and status.rejected == 0
    assert server.tickets() == {first, second, third}
    assert status.server_restore is not None and status.server_restore.resent == 1
    assert status.server_restore.lost == 0
    for ticket_id in (first, second, third):
        ticket = nurse.store.record(Entity.TICKET, ticket_id)
        assert ticket is not None and not ticket.pending and ticket.data["requested_by_name"] == "Ana Nurse"
    assert nurse.store.server_epoch() == server.epoch


def test_what_the_cache_no_longer_keeps_is_counted_as_lost_and_refusals_stay_for_their_author(
    workstation: Any,
) -> None:
    server = RestorableServer()
    nurse = workstation(server)
    first = submit_ticket(nurse.store)  # 1
    nurse.engine.sync_once()
    backup = server.backup()
    pruned = submit_ticket(nurse.store)  # 2: applied, then pruned from the outbox a week later
    nurse.engine.sync_once()
    age(nurse.store, 2, days=8)
    queue_ticket_action(  # 3: refused, the pharmacy having acted meanwhile
        nurse.store,
        ticket_id=first,
        action=TicketAction.CANCEL,
        role=Role.NURSE,
        payload={"reason": "patient discharged"},
    )
    server.put_ticket(first, status="approved")
    kept = submit_ticket(nurse.store)  # 4: applied, still in the outbox
    nurse.engine.sync_once()
    assert states(nurse.store) == [(1, "applied"), (3, "rejected"), (4, "applied")]
    server.restore(backup)

    status = nurse.engine.sync_once()

    assert status.state is Connection.ONLINE and status.queued == 0
    assert server.tickets() == {first, kept}  # sent again as number 2; the pruned one could not be
    assert nurse.store.record(Entity.TICKET, pruned) is None
    assert status.server_restore is not None
    assert (status.server_restore.resent, status.server_restore.lost) == (1, 1)
    assert nurse.store.server_restore() == status.server_restore
    (refusal,) = nurse.store.outbox_entries(states=["rejected"])
    assert refusal.code == "invalid_transition" and refusal.mutation_id < 1  # out of the server's numbers
    nurse.store.dismiss_rejection(refusal.mutation_id)
    after = submit_ticket(nurse.store)
    assert nurse.engine.sync_once().queued == 0 and after in server.tickets()  # the queue moves on
    assert [m for m, _ in states(nurse.store)] == [1, 2, 3]


def test_a_push_numbered_for_the_old_epoch_is_renumbered_and_sent_again(workstation: Any) -> None:
    server = RestorableServer()
    nurse = workstation(server)
    submit_ticket(nurse.store)
    nurse.engine.sync_once()
    backup = server.backup()
    lost_on_server = submit_ticket(nurse.store)  # 2
    nurse.engine.sync_once()
    server.restore(backup)
    waiting = submit_ticket(nurse.store)  # 3, queued while the server was being restored

    nurse.engine.push()  # no pull first: the push meets server_restored

    assert {lost_on_server, waiting} <= server.tickets()
    assert states(nurse.store) == [(1, "applied"), (2, "applied"), (3, "applied")]
    assert server.applied_mutations[-2:] == [2, 3]
    assert nurse.store.cache_reset_pending()  # the cache is fetched afresh at the next pull
    nurse.engine.pull()
    assert not nurse.store.cache_reset_pending()
    assert {r.id for r in nurse.store.records(Entity.TICKET)} == server.tickets()


def test_a_server_from_before_epochs_that_went_back_is_found_by_the_gap_and_the_queue_moves_on(
    workstation: Any,
) -> None:
    server = RestorableServer(epochs=False)
    nurse = workstation(server)
    submit_ticket(nurse.store)
    nurse.engine.sync_once()
    backup = server.backup()
    lost_on_server = submit_ticket(nurse.store)
    nurse.engine.sync_once()
    server.restore(backup)
    waiting = submit_ticket(nurse.store)

    nurse.engine.push()  # 409 mutation_gap: until now a final answer that wedged the queue

    assert {lost_on_server, waiting} <= server.tickets()
    assert nurse.store.counts().queued == 0
    assert nurse.store.server_epoch() is None  # that server never told one


def test_a_server_from_before_epochs_that_went_back_is_found_by_a_pull_with_nothing_to_push(
    workstation: Any,
) -> None:
    """Nothing queued, so no push meets the gap: the pull's count of settled changes tells instead."""
    server = RestorableServer(epochs=False)
    nurse = workstation(server)
    submit_ticket(nurse.store)
    nurse.engine.sync_once()
    backup = server.backup()
    lost_on_server = submit_ticket(nurse.store)
    nurse.engine.sync_once()
    server.restore(backup)

    status = nurse.engine.sync_once()

    assert lost_on_server in server.tickets()
    assert status.server_restore is not None and status.server_restore.resent == 1


def test_a_desktop_restarted_before_its_cache_was_fetched_again_fetches_it_then(
    store: LocalStore, workstation: Any
) -> None:
    server = RestorableServer()
    nurse = workstation(server)
    submit_ticket(nurse.store)
    nurse.engine.sync_once()
    backup = server.backup()
    submit_ticket(nurse.store)
    nurse.engine.sync_once()
    server.put_ticket(uuid.uuid4(), status="submitted")  # someone else's ticket, lost in the restore
    nurse.engine.sync_once()
    server.restore(backup)
    submit_ticket(nurse.store)
    nurse.engine.push()  # recovers and sends; the app closes before the next pull

    restarted = workstation(server)

    restarted.engine.pull()
    assert {r.id for r in store.records(Entity.TICKET)} == server.tickets()


def test_an_old_server_without_epochs_and_nothing_lost_sees_nothing_change(workstation: Any) -> None:
    server = RestorableServer(epochs=False)
    nurse = workstation(server)
    submit_ticket(nurse.store)

    status = nurse.engine.sync_once()

    assert status.server_restore is None and not nurse.store.cache_reset_pending()
    sent = [r for r in server.requests if r.url.path == "/sync/push"]
    assert "server_epoch" not in json.loads(sent[0].content)  # such a server refuses fields it does not know


def test_a_server_rolled_back_to_a_version_before_epochs_is_sent_none_it_would_refuse(
    workstation: Any,
) -> None:
    server = RestorableServer()
    nurse = workstation(server)
    submit_ticket(nurse.store)
    nurse.engine.sync_once()
    server.epoch = None  # the admin went back to the previous release
    server.requests.clear()
    submit_ticket(nurse.store)

    assert nurse.engine.sync_once().queued == 0

    sent = [r for r in server.requests if r.url.path == "/sync/push"]
    assert sent and "server_epoch" not in json.loads(sent[0].content)
    assert nurse.store.server_epoch() is None
