"""End to end: a nurse and a pharmacist on two desktops, the REAL sync server, RabbitMQ carrying the events.

The nurse raises an urgent ticket while her workstation cannot reach the server, reconnects; the
pharmacist approves part of it and dispatches in two goes; the nurse is told (one tray summary) and
confirms receipt with a discrepancy. Afterwards the server and both caches hold the same ticket, and a
consumer subscribed to ticket.* handled every ticket event exactly once (one receipt per event).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pika
import pytest
import uvicorn
from PySide6.QtCore import QLocale
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from desktop.ops.background import Executors
from desktop.sync import Connection, SyncClient, SyncEngine
from desktop.ui.notify import Announcement, TrayNotifier
from desktop.ui.tickets.detail import ApproveDialog, DispatchDialog, ReceiveDialog
from desktop.ui.tickets.screens import NurseTicketsScreen, PharmacyQueueScreen
from shared.events import EventEnvelope
from shared.protocol import Entity
from shared.roles import Role
from shared.tickets import Priority, TicketAction
from sync_server.app import create_app
from sync_server.auth.models import User
from sync_server.core.db import transaction
from sync_server.core.outbox import OutboxMessage, ProcessedMessage
from sync_server.directory.feed import record_directory
from sync_server.directory.models import Medication, Ward
from sync_server.messaging.topology import Subscription, Topology, delete
from tests.conftest import PASSWORD, make_test_settings
from tests.desktop.live_server import free_port
from tests.desktop.tickets.conftest import Desk, shown_status
from tests.sync_server.messaging.conftest import eventually

TICKET_EVENTS = frozenset(
    {
        "ticket.submitted",
        "ticket.edited",
        "ticket.cancelled",
        "ticket.approved",
        "ticket.rejected",
        "ticket.preparation_started",
        "ticket.dispatched",
        "ticket.partially_dispatched",
        "ticket.received",
        "ticket.closed",
    }
)


class TicketReceipts:
    """A consumer of every ticket event; its effect is remembering the message (the framework writes the
    receipt row in the same transaction)."""

    name = "ticket-receipts"
    event_types = TICKET_EVENTS

    def __init__(self) -> None:
        self.handled: list[tuple[uuid.UUID, str]] = []
        self._lock = threading.Lock()

    def handle(self, session: Session, envelope: EventEnvelope) -> None:
        with self._lock:
            self.handled.append((envelope.message_id, envelope.type))


@pytest.fixture
def executors(qapp: object) -> Iterator[Executors]:
    workers = Executors()
    yield workers
    workers.shutdown()


@pytest.fixture
def english() -> QLocale:
    return QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)


@pytest.fixture
def consumer() -> TicketReceipts:
    return TicketReceipts()


@pytest.fixture
def broker_server(
    amqp_url: str, database_url: str, session_factory: sessionmaker[Session], consumer: TicketReceipts
) -> Iterator[str]:
    """The real server with its outbox relay publishing to RabbitMQ and the test consumer subscribed."""
    prefix = f"test-{uuid.uuid4().hex[:10]}."
    settings = make_test_settings(
        amqp_url=amqp_url, amqp_prefix=prefix, messaging_in_app=True, relay_poll_seconds=0.1
    )
    app = create_app(settings, database_url=database_url)
    app.state.consumers = [consumer]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    eventually(lambda: server.started or not thread.is_alive(), timeout=20)
    assert server.started, "the sync server did not start"
    yield f"http://127.0.0.1:{server.config.port}"
    server.should_exit = True
    thread.join(15)
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as connection:
        delete(connection.channel(), Topology(prefix=prefix), [Subscription(consumer.name, frozenset())])


@pytest.fixture
def hospital(session_factory: sessionmaker[Session], ward: Ward) -> None:
    """The formulary, and the ward and medicines on the change feed, as the directory service puts them."""
    with transaction(session_factory) as session:
        medicines = [
            Medication(code="AMOX500", name="Amoxicillin", form="capsule", strength="500 mg", unit="capsule"),
            Medication(code="PARA500", name="Paracetamol", form="tablet", strength="500 mg", unit="tablet"),
        ]
        session.add_all(medicines)
        session.flush()
        for record in [session.get(Ward, ward.id), *medicines]:
            record_directory(session, record)


def comparable(value: Any) -> Any:
    """The record with its timestamps as instants: the API writes "Z" where the feed writes "+00:00"."""
    if isinstance(value, dict):
        return {key: comparable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [comparable(item) for item in value]
    if isinstance(value, str) and len(value) >= 20 and value[4] == "-" and "T" in value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    return value


def sign_in(server_url: str, user: User) -> dict[str, str]:
    answer = httpx.post(
        f"{server_url}/auth/token",
        data={"grant_type": "password", "username": user.username, "password": PASSWORD},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


class Station(Desk):
    """A desk whose sync engine can be pointed at another address (a closed port: offline)."""

    def __init__(
        self, *, data_dir: Path, server_url: str, user: User, tokens: dict[str, str], executors: Executors
    ) -> None:
        from desktop.ops.session import SignedInUser

        signed_in = SignedInUser.from_server(tokens["user"])
        super().__init__(
            data_dir=data_dir,
            server_url=server_url,
            user=signed_in,
            executors=executors,
            access_token=tokens["access_token"],
            refresh_token=tokens["refresh_token"],
        )
        self.engines: list[tuple[SyncClient, SyncEngine]] = []
        self.point_at(server_url)

    def point_at(self, url: str) -> None:
        client = SyncClient(url, tokens=self.tokens, timeout=10, max_attempts=1)
        engine = SyncEngine(self.store, client, long_poll_seconds=1)
        engine.listeners.append(self.runner.statusChanged.emit)  # the screens hear this engine
        self.engines.append((client, engine))

    def sync(self) -> object:
        return self.engines[-1][1].sync_once()

    def close(self) -> None:
        for client, _engine in self.engines:
            client.close()
        super().close()


def test_an_urgent_ticket_raised_offline_goes_through_the_pharmacy_and_back_with_a_discrepancy(
    qtbot: QtBot,
    tmp_path: Path,
    executors: Executors,
    broker_server: str,
    hospital: None,
    make_user: Callable[..., User],
    session_factory: sessionmaker[Session],
    consumer: TicketReceipts,
    english: QLocale,
) -> None:
    nurse_user, pharmacist_user = make_user(Role.NURSE), make_user(Role.PHARMACIST)
    nurse = Station(
        data_dir=tmp_path / "nurse",
        server_url=broker_server,
        user=nurse_user,
        tokens=sign_in(broker_server, nurse_user),
        executors=executors,
    )
    pharmacist = Station(
        data_dir=tmp_path / "pharmacy",
        server_url=broker_server,
        user=pharmacist_user,
        tokens=sign_in(broker_server, pharmacist_user),
        executors=executors,
    )
    try:
        assert nurse.sync().state is Connection.ONLINE  # the formulary and the ward arrive
        nurse.point_at(f"http://127.0.0.1:{free_port()}")  # then the network goes

        # -- the nurse writes an urgent ticket while offline
        ward_screen = NurseTicketsScreen(nurse.context, locale=english)
        qtbot.addWidget(ward_screen)
        qtbot.waitUntil(lambda: bool(ward_screen.formulary), timeout=5000)
        ward_screen.new_button.click()
        editor = ward_screen.editor
        assert editor is not None
        editor.priority_buttons[Priority.URGENT].setChecked(True)
        amox = editor.line_editors()[0]
        amox.medication.setText("Amoxicillin 500 mg (AMOX500)")
        amox.quantity.setText("20")
        para = editor.add_line()
        para.medication.setText("PARA500")
        para.quantity.setText("30")
        assert editor.submit_button.isEnabled()
        with qtbot.waitSignal(ward_screen.loaded, timeout=5000):
            editor.submit_button.click()
        (submission,) = nurse.store.outbox_entries()
        ticket_id = submission.entity_id

        offline = nurse.sync()
        assert offline.state is Connection.OFFLINE and offline.queued == 1

        nurse.point_at(broker_server)  # back on the hospital network
        online = nurse.sync()
        assert online.state is Connection.ONLINE and online.queued == 0
        assert [e.state for e in nurse.store.outbox_entries()] == ["applied"]
        notifier = TrayNotifier(nurse.context, parent=ward_screen)
        announcements: list[Announcement] = []
        notifier.announced.connect(announcements.append)

        # -- the pharmacist approves part of it and dispatches in two goes
        assert pharmacist.sync().state is Connection.ONLINE
        queue = PharmacyQueueScreen(pharmacist.context, locale=english)
        qtbot.addWidget(queue)
        qtbot.waitUntil(lambda: queue.model.ticket_ids() == [str(ticket_id)], timeout=5000)
        with qtbot.waitSignal(queue.detailShown, timeout=5000):
            queue.select_ticket(ticket_id)
        assert queue.detail.detail is not None and queue.detail.detail.priority is Priority.URGENT

        queue.detail.buttons[TicketAction.APPROVE].click()
        approve = queue.detail.open_dialog
        assert isinstance(approve, ApproveDialog)
        approve.quantities[0].setValue(15)
        approve.reasons[0].setText("short until Friday")
        with qtbot.waitSignal(queue.actionQueued, timeout=5000):
            approve.ok.click()
        assert pharmacist.sync().state is Connection.ONLINE

        with qtbot.waitSignal(queue.actionQueued, timeout=5000):
            queue.detail.buttons[TicketAction.START_PREPARATION].click()
        qtbot.waitUntil(lambda: shown_status(queue) == "in_preparation", timeout=5000)

        queue.detail.buttons[TicketAction.DISPATCH].click()
        first = queue.detail.open_dialog
        assert isinstance(first, DispatchDialog)
        first.quantities[0].setValue(10)  # 10 of the 15 amoxicillin now, all the paracetamol
        first.keep_open.setChecked(True)
        with qtbot.waitSignal(queue.actionQueued, timeout=5000):
            first.ok.click()
        assert pharmacist.sync().state is Connection.ONLINE
        qtbot.waitUntil(lambda: shown_status(queue) == "in_preparation", timeout=5000)

        with qtbot.waitSignal(queue.detailShown, timeout=5000):
            queue.reload()
        queue.detail.buttons[TicketAction.DISPATCH].click()
        rest = queue.detail.open_dialog
        assert isinstance(rest, DispatchDialog) and [s.value() for s in rest.quantities] == [5]
        with qtbot.waitSignal(queue.actionQueued, timeout=5000):
            rest.ok.click()
        assert pharmacist.sync().state is Connection.ONLINE
        assert [e.state for e in pharmacist.store.outbox_entries()] == ["applied"] * 4

        # -- the nurse hears of it in one summary, and confirms receipt with a discrepancy
        assert nurse.sync().state is Connection.ONLINE
        qtbot.waitUntil(lambda: bool(announcements), timeout=5000)
        (summary,) = announcements
        assert summary.title == "4 updates" and len(summary.notification_ids) == 4
        assert "4 on your refill tickets" in summary.body
        assert summary.entity == "ticket" and summary.entity_id == ticket_id

        with qtbot.waitSignal(ward_screen.detailShown, timeout=5000):
            ward_screen.select_ticket(ticket_id)
        assert shown_status(ward_screen) == "dispatched"
        ward_screen.detail.buttons[TicketAction.RECEIVE].click()
        receive = ward_screen.detail.open_dialog
        assert isinstance(receive, ReceiveDialog)
        assert [s.value() for s in receive.quantities] == [15, 30]
        receive.quantities[0].setValue(14)
        receive.notes[0].setText("one strip missing")
        with qtbot.waitSignal(ward_screen.actionQueued, timeout=5000):
            receive.ok.click()
        with qtbot.waitSignal(notifier.markedRead, timeout=5000):
            notifier.open_last()  # she clicked the tray message: read
        assert nurse.sync().state is Connection.ONLINE
        assert pharmacist.sync().state is Connection.ONLINE

        # -- the server and both caches agree
        answer = httpx.get(
            f"{broker_server}/tickets/{ticket_id}",
            headers={"Authorization": f"Bearer {nurse.tokens.access_token()}"},
        )
        assert answer.status_code == 200, answer.text
        on_server = answer.json()
        for station in (nurse, pharmacist):
            cached = station.store.record(Entity.TICKET, ticket_id)
            assert cached is not None and not cached.pending and cached.version == on_server["version"]
            assert comparable(cached.data) == comparable(on_server)
            assert {e.state for e in station.store.outbox_entries()} == {"applied"}
        assert on_server["status"] == "received" and on_server["has_discrepancy"] is True
        assert [h["action"] for h in on_server["history"]] == [
            "submit",
            "approve",
            "start_preparation",
            "dispatch",
            "dispatch",
            "receive",
        ]
        amox_line = on_server["lines"][0]
        assert (amox_line["approved_quantity"], amox_line["dispatched_quantity"]) == (15, 15)
        assert (amox_line["received_quantity"], amox_line["discrepancy_note"]) == (14, "one strip missing")
        told = [n.data for n in pharmacist.store.records(Entity.NOTIFICATION)]
        assert [n["kind"] for n in told] == ["ticket.discrepancy"]
        read = [n.data for n in nurse.store.records(Entity.NOTIFICATION)]
        assert len(read) == 4 and all(n["read_at"] for n in read)  # the read marks reached the server

        # -- RabbitMQ carried every ticket event once to the consumer's effect
        with transaction(session_factory) as session:
            events = {
                row.message_id: row.event_type
                for row in session.scalars(
                    select(OutboxMessage).where(OutboxMessage.aggregate_id == str(ticket_id))
                )
            }
        assert sorted(events.values()) == sorted(
            [
                "ticket.submitted",
                "ticket.approved",
                "ticket.preparation_started",
                "ticket.partially_dispatched",
                "ticket.dispatched",
                "ticket.received",
            ]
        )

        def receipts() -> list[uuid.UUID]:
            with transaction(session_factory) as session:
                query = select(ProcessedMessage.message_id).where(ProcessedMessage.consumer == consumer.name)
                return list(session.scalars(query))

        eventually(lambda: len(receipts()) >= len(events), timeout=20)
        assert sorted(receipts()) == sorted(events)
        assert sorted(consumer.handled) == sorted(events.items())  # each effect once, no duplicate
    finally:
        nurse.close()
        pharmacist.close()
