"""Desktops syncing through the REAL sync server (uvicorn on a free port, the test PostgreSQL)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from desktop.store import LocalStore
from desktop.store.mutations import queue_ticket_action
from desktop.sync import Connection, SessionTokens, SyncClient, SyncEngine
from shared.protocol import Entity
from shared.roles import Role
from shared.tickets import TicketAction
from sync_server.auth.models import User
from sync_server.core.db import transaction
from sync_server.directory.models import Medication, Ward
from tests.conftest import PASSWORD
from tests.desktop.live_server import free_port as _free_port
from tests.desktop.sync.conftest import submit_ticket


@pytest.fixture
def formulary(session_factory: sessionmaker[Session]) -> None:
    with transaction(session_factory) as session:
        session.add_all(
            [
                Medication(
                    code="AMOX500", name="Amoxicillin", form="capsule", strength="500 mg", unit="capsule"
                ),
                Medication(
                    code="PARA500", name="Paracetamol", form="tablet", strength="500 mg", unit="tablet"
                ),
            ]
        )


class Workstation:
    """One person's desktop: their own cache file, a session, a client and an engine."""

    def __init__(self, tmp_path: Path, server_url: str, user: User) -> None:
        self.store = LocalStore.open_for_user(
            server_url=server_url, username=user.username, data_dir=tmp_path
        )
        answer = httpx.post(
            f"{server_url}/auth/token",
            data={"grant_type": "password", "username": user.username, "password": PASSWORD},
        )
        assert answer.status_code == 200, answer.text
        self.tokens = SessionTokens(
            base_url=server_url,
            access_token=answer.json()["access_token"],
            refresh_token=answer.json()["refresh_token"],
        )
        self.connect(server_url)

    def connect(self, url: str) -> None:
        self.client = SyncClient(url, tokens=self.tokens, timeout=10)
        self.engine = SyncEngine(self.store, self.client, long_poll_seconds=10)

    def close(self) -> None:
        self.client.close()
        self.tokens.close()
        self.store.close()


@pytest.fixture
def workstation(tmp_path: Path, server_url: str, formulary: None) -> Iterator[Callable[[User], Workstation]]:
    opened: list[Workstation] = []

    def _open(user: User) -> Workstation:
        opened.append(Workstation(tmp_path, server_url, user))
        return opened[-1]

    yield _open
    for station in opened:
        station.close()


def test_a_ticket_submitted_offline_reaches_the_server_and_comes_back_as_the_servers_record(
    workstation: Callable[[User], Workstation], make_user: Callable[..., User], ward: Ward, server_url: str
) -> None:
    nurse = workstation(make_user(Role.NURSE))
    nurse.connect(f"http://127.0.0.1:{_free_port()}")  # the server is unreachable: a closed port

    ticket_id = submit_ticket(nurse.store, ward_id=ward.id)
    offline = nurse.engine.sync_once()

    assert offline.state is Connection.OFFLINE and offline.queued == 1
    pending = nurse.store.record(Entity.TICKET, ticket_id)
    assert pending is not None and pending.pending and pending.data["status"] == "submitted"

    nurse.connect(server_url)  # back on the hospital network
    online = nurse.engine.sync_once()

    assert online.state is Connection.ONLINE and online.queued == 0 and online.rejected == 0
    ticket = nurse.store.record(Entity.TICKET, ticket_id)
    assert ticket is not None and not ticket.pending and ticket.version == 1
    assert ticket.data["status"] == "submitted"
    assert ticket.data["requested_by_name"] == "Test Nurse"  # filled in by the server
    assert [e.state for e in nurse.store.outbox_entries()] == ["applied"]


def test_the_pharmacy_sees_a_new_ticket_through_the_long_poll_and_the_nurse_sees_the_approval(
    workstation: Callable[[User], Workstation], make_user: Callable[..., User], ward: Ward
) -> None:
    nurse = workstation(make_user(Role.NURSE))
    pharmacist = workstation(make_user(Role.PHARMACIST))
    arrived = threading.Event()
    pharmacist.engine.listeners.append(
        lambda status: arrived.set() if pharmacist.store.tickets(statuses=["submitted"]) else None
    )
    stop = threading.Event()
    follower = threading.Thread(target=pharmacist.engine.run_forever, args=(stop,), name="pharmacy-sync")
    follower.start()
    try:
        deadline = time.monotonic() + 10
        while pharmacist.engine.status.state is not Connection.ONLINE:  # initial sync done, long-polling
            assert time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(0.2)

        ticket_id = submit_ticket(nurse.store, ward_id=ward.id)
        assert nurse.engine.sync_once().state is Connection.ONLINE

        # Before the pharmacy's long poll (10 s) was up: the nurse's commit woke it. How soon is measured by
        # `make bench-sync`, not asserted here.
        assert arrived.wait(9), "the pharmacy never saw the ticket"
        (ticket,) = pharmacist.store.tickets(statuses=["submitted"])
        assert ticket.id == ticket_id and ticket.data["priority"] == "urgent"

        line_id = ticket.data["lines"][0]["line_id"]
        queue_ticket_action(
            pharmacist.store,
            ticket_id=ticket_id,
            action=TicketAction.APPROVE,
            role=Role.PHARMACIST,
            payload={"lines": [{"line_id": line_id, "approved_quantity": 20}]},
        )
        # Pushed at once, during the long poll: the engine hears of the queued change from the store.
        deadline = time.monotonic() + 5
        while pharmacist.store.outbox_entries(states=["queued", "sent"]):
            assert time.monotonic() < deadline, "the approval was never pushed"
            time.sleep(0.02)
    finally:
        stop.set()
        pharmacist.client.close()  # cuts the long poll short
        follower.join(15)
    assert not follower.is_alive()
    assert [e.state for e in pharmacist.store.outbox_entries()] == ["applied"]

    nurse.engine.sync_once()
    approved = nurse.store.record(Entity.TICKET, ticket_id)
    assert approved is not None and approved.data["status"] == "approved" and approved.version == 2
    assert any(n.data.get("entity_id") == str(ticket_id) for n in nurse.store.records(Entity.NOTIFICATION))
