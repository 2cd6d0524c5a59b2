"""An admin's dead-letter queue over the real RabbitMQ: a consumer that cannot handle a message gives it up,
and an admin lists it, inspects it (no patient data shown), replays it once the cause is fixed, or discards
it with a reason. Only admins; every action audited."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import tests.conftest as root
from shared.events import EventEnvelope
from shared.roles import Role
from sync_server.app import create_app
from sync_server.audit.models import AuditEntry
from sync_server.core.config import Settings
from sync_server.core.db import transaction
from sync_server.core.outbox import OutboxMessage, ProcessedMessage
from sync_server.messaging.consumers import PermanentFailure, envelope_of
from sync_server.messaging.rabbitmq import QueueWorker
from sync_server.messaging.topology import Topology
from tests.sync_server.messaging.conftest import eventually, one_confirmed
from tests.sync_server.messaging.test_consumers import publish_raw, queued

pytestmark = pytest.mark.broker

NOON = datetime(2030, 3, 5, 12, 0, tzinfo=UTC)


class Recorder:
    """A consumer that refuses every message while its cause is not fixed (say, a missing template)."""

    name = "recorder"
    event_types = frozenset({"appointment.confirmed"})

    def __init__(self) -> None:
        self.broken = True
        self.handled: list[uuid.UUID] = []

    def handle(self, session: Session, envelope: EventEnvelope) -> None:
        if self.broken:
            raise PermanentFailure("no template for appointment.confirmed in pt_BR")
        self.handled.append(envelope.message_id)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def settings(amqp_url: str, topology: Topology) -> Settings:
    return root.make_test_settings(
        amqp_url=amqp_url, amqp_prefix=topology.prefix, amqp_delivery_limit=2, messaging_in_app=False
    )


@pytest.fixture
def app(
    settings: Settings, database_url: str, session_factory: sessionmaker[Session], recorder: Recorder
) -> FastAPI:
    app = create_app(settings, database_url=database_url, clock=lambda: NOON)
    app.state.consumers = [recorder]  # the composition root's consumers, as this test wires them
    return app


@pytest.fixture
def worker(
    amqp_url: str, topology: Topology, session_factory: sessionmaker[Session], recorder: Recorder
) -> Iterator[None]:
    worker = QueueWorker(
        url=amqp_url, topology=topology, consumer=recorder, session_factory=session_factory,
        retry_base_seconds=0.05, retry_max_seconds=0.1,
    )  # fmt: skip
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    eventually(lambda: _exists(amqp_url, topology.queue("recorder")))
    yield
    stop.set()
    thread.join(timeout=10)


def _exists(amqp_url: str, queue: str) -> bool:
    try:
        queued(amqp_url, queue)
        return True
    except Exception:  # noqa: BLE001 - not declared yet
        return False


def dead_letter(amqp_url: str, topology: Topology, session_factory: sessionmaker[Session]) -> OutboxMessage:
    """An appointment.confirmed event for Maria Silva, published and given up on by the recorder."""
    row = one_confirmed(session_factory)
    body = envelope_of(row).model_dump_json().encode()
    before = queued(amqp_url, topology.dead_letter_queue("recorder"))
    publish_raw(amqp_url, topology, body, message_id=str(row.message_id), routing_key=row.event_type)
    eventually(lambda: queued(amqp_url, topology.dead_letter_queue("recorder")) == before + 1)
    return row


def receipts(session_factory: sessionmaker[Session], message_id: uuid.UUID) -> int:
    with transaction(session_factory) as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(ProcessedMessage)
                .where(ProcessedMessage.consumer == "recorder", ProcessedMessage.message_id == message_id)
            )
            or 0
        )


def audited(session_factory: sessionmaker[Session], action: str) -> list[AuditEntry]:
    with transaction(session_factory) as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_an_admin_lists_and_inspects_a_dead_letter_without_seeing_patient_data(  # type: ignore[no-untyped-def]
    client: TestClient, sign_in, worker, amqp_url, topology, session_factory
):
    admin = sign_in(Role.ADMIN)
    row = dead_letter(amqp_url, topology, session_factory)

    listed = client.get("/admin/dead-letters", headers=admin.headers)
    assert listed.status_code == 200, listed.text
    [letter] = listed.json()["dead_letters"]
    assert (letter["consumer"], letter["message_id"], letter["event_type"]) == (
        "recorder", str(row.message_id), "appointment.confirmed",
    )  # fmt: skip
    assert letter["reason"] == "rejected" and letter["attempts"] == 1
    assert "no template" in letter["last_error"]
    assert letter["first_failed_at"] and letter["last_failed_at"]

    answer = client.get(f"/admin/dead-letters/recorder/{row.message_id}", headers=admin.headers)

    assert answer.status_code == 200, answer.text
    shown = answer.json()
    assert shown["payload"]["appointment_id"] == row.payload["appointment_id"]
    assert shown["payload"]["starts_at"] == row.payload["starts_at"]
    assert shown["payload"]["patient_name"] == "«redacted»"
    for private in ("Maria Silva", "patient@example.org", "Ana Costa"):
        assert private not in answer.text
    assert shown["dead_since"] is not None and shown["resolution"] is None
    assert [e.entity_id for e in audited(session_factory, "dead_letters.inspect")] == [str(row.message_id)]


def test_a_replay_after_the_fix_is_handled_once_however_often_it_is_asked(  # type: ignore[no-untyped-def]
    client: TestClient, sign_in, worker, amqp_url, topology, session_factory, recorder
):
    admin = sign_in(Role.ADMIN)
    row = dead_letter(amqp_url, topology, session_factory)
    recorder.broken = False  # the template was added

    first = client.post(f"/admin/dead-letters/recorder/{row.message_id}/replay", headers=admin.headers)
    assert first.status_code == 200, first.text
    assert first.json()["done_now"] is True
    eventually(lambda: receipts(session_factory, row.message_id) == 1)
    again = client.post(f"/admin/dead-letters/recorder/{row.message_id}/replay", headers=admin.headers)

    assert again.status_code == 200, again.text
    assert again.json()["done_now"] is False
    assert again.json()["dead_letter"]["resolution"] == "replayed"
    assert again.json()["dead_letter"]["resolved_by"] == admin.user.username
    assert recorder.handled == [row.message_id]
    assert queued(amqp_url, topology.dead_letter_queue("recorder")) == 0
    assert client.get("/admin/dead-letters", headers=admin.headers).json()["dead_letters"] == []
    assert len(audited(session_factory, "dead_letters.replay")) == 1


def test_a_discard_needs_a_reason_removes_the_message_and_cannot_be_replayed(  # type: ignore[no-untyped-def]
    client: TestClient, sign_in, worker, amqp_url, topology, session_factory, recorder
):
    admin = sign_in(Role.ADMIN)
    kept = dead_letter(amqp_url, topology, session_factory)
    row = dead_letter(amqp_url, topology, session_factory)
    url = f"/admin/dead-letters/recorder/{row.message_id}"

    assert client.post(f"{url}/discard", headers=admin.headers, json={}).status_code == 422
    assert client.post(f"{url}/discard", headers=admin.headers, json={"reason": ""}).status_code == 422
    answer = client.post(f"{url}/discard", headers=admin.headers, json={"reason": "Appointment cancelled"})

    assert answer.status_code == 200, answer.text
    assert answer.json()["done_now"] is True
    assert answer.json()["dead_letter"]["resolution_reason"] == "Appointment cancelled"
    assert queued(amqp_url, topology.dead_letter_queue("recorder")) == 1  # the other one stays
    listed = client.get("/admin/dead-letters", headers=admin.headers).json()["dead_letters"]
    assert [letter["message_id"] for letter in listed] == [str(kept.message_id)]
    again = client.post(f"{url}/discard", headers=admin.headers, json={"reason": "Appointment cancelled"})
    assert again.status_code == 200 and again.json()["done_now"] is False
    recorder.broken = False
    refused = client.post(f"{url}/replay", headers=admin.headers)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "conflict"
    assert receipts(session_factory, row.message_id) == 0
    [entry] = audited(session_factory, "dead_letters.discard")
    assert entry.details["reason"] == "Appointment cancelled" and entry.username == admin.user.username


def test_an_unknown_dead_letter_is_404(client: TestClient, sign_in, worker) -> None:  # type: ignore[no-untyped-def]
    admin = sign_in(Role.ADMIN)
    url = f"/admin/dead-letters/recorder/{uuid.uuid4()}"
    assert client.get(url, headers=admin.headers).status_code == 404
    assert client.post(f"{url}/replay", headers=admin.headers).status_code == 404
    assert client.post(f"{url}/discard", headers=admin.headers, json={"reason": "gone"}).status_code == 404
    assert client.get("/admin/dead-letters/recorder/not-a-uuid", headers=admin.headers).status_code == 422


@pytest.mark.parametrize("role", [Role.NURSE, Role.DOCTOR, Role.PHARMACIST, Role.SCHEDULER])
def test_only_an_admin_touches_dead_letters(  # type: ignore[no-untyped-def]
    client: TestClient, sign_in, worker, amqp_url, topology, session_factory, role
):
    row = dead_letter(amqp_url, topology, session_factory)
    person = sign_in(role)
    url = f"/admin/dead-letters/recorder/{row.message_id}"

    assert client.get("/admin/dead-letters", headers=person.headers).status_code == 403
    assert client.get(url, headers=person.headers).status_code == 403
    assert client.post(f"{url}/replay", headers=person.headers).status_code == 403
    assert client.post(f"{url}/discard", headers=person.headers, json={"reason": "no"}).status_code == 403
    assert queued(amqp_url, topology.dead_letter_queue("recorder")) == 1
