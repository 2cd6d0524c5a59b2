"""Patients get a polite email when their appointment is confirmed: through SES (a moto server here) when
configured, else as a .eml file. A mail outage is retried, then dead-lettered for an admin to replay."""

from __future__ import annotations

import email
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import tests.conftest as root
from shared.roles import Role
from sync_server.core.config import Settings
from sync_server.core.db import transaction
from sync_server.messaging.topology import Topology
from sync_server.patient_email.compose import CONFIRMATION, AppointmentFacts, compose
from sync_server.patient_email.models import SentEmail
from tests.conftest import Person
from tests.sync_server.messaging.conftest import (
    MotoSes,
    TcpProxy,
    confirmed_payload,
    emit_events,
    eventually,
)


def sent_emails(session_factory: sessionmaker[Session]) -> list[SentEmail]:
    with transaction(session_factory) as session:
        return list(session.scalars(select(SentEmail).order_by(SentEmail.id)))


def test_the_email_gives_the_doctor_room_and_local_time_in_the_doctors_zone() -> None:
    starts = datetime(2030, 7, 5, 13, 20, tzinfo=UTC)  # 14:20 in Lisbon (summer time)
    facts = AppointmentFacts.model_validate(
        confirmed_payload(starts_at=starts.isoformat(), ends_at=(starts + timedelta(minutes=20)).isoformat())
    )

    message = compose(
        facts, kind=CONFIRMATION, sender="appointments@warddesk.local", event_id=uuid.uuid4(),
        sent_at=datetime.now(UTC),
    )

    text = message.get_content()
    assert message["To"] == "patient@example.org"
    assert message["Subject"] == "Appointment confirmed: Dr. Ana Costa, Friday, 5 July 2030 at 14:20"
    assert "Dear Maria Silva," in text
    assert "14:20 to 14:40 (Europe/Lisbon time)" in text
    assert "Room:   Room 3.12" in text


class TestWithTheBroker:
    """The whole path: outbox -> relay -> RabbitMQ -> email consumer -> SES, inside the server process."""

    pytestmark = pytest.mark.broker

    @pytest.fixture
    def ses_proxy(self, moto_ses: MotoSes) -> TcpProxy:
        host, port = moto_ses.endpoint_url.removeprefix("http://").split(":")
        proxy = TcpProxy(host, int(port))
        yield proxy  # type: ignore[misc]
        proxy.close()

    @pytest.fixture
    def settings(self, amqp_url: str, topology: Topology, ses_proxy: TcpProxy, tmp_path: Path) -> Settings:
        return root.make_test_settings(
            amqp_url=amqp_url,
            amqp_prefix=topology.prefix,
            amqp_delivery_limit=2,
            relay_poll_seconds=0.05,
            consumer_retry_base_seconds=0.05,
            consumer_retry_max_seconds=0.2,
            ses_endpoint_url=f"http://127.0.0.1:{ses_proxy.port}",
            mail_dir=tmp_path / "mail",
        )

    def test_a_confirmed_appointment_is_emailed_through_ses(
        self, client: TestClient, session_factory: sessionmaker[Session], moto_ses: MotoSes, tmp_path: Path
    ) -> None:
        [row] = emit_events(session_factory, [("appointment.confirmed", "a-1", confirmed_payload())])

        eventually(lambda: len(sent_emails(session_factory)) == 1)

        [record] = sent_emails(session_factory)
        [sent] = [m for m in moto_ses.sent() if m["id"] == record.provider_message_id]
        mail = email.message_from_string(sent["raw_data"])
        assert mail["To"] == "patient@example.org" and mail["From"] == "appointments@warddesk.local"
        assert mail["Message-ID"] == f"<{row.message_id}@warddesk>"
        assert (record.status, record.provider, record.recipient) == ("sent", "ses", "patient@example.org")
        assert not (tmp_path / "mail").exists()

    def test_a_patient_without_an_address_is_recorded_and_the_next_patient_still_gets_mail(
        self, client: TestClient, session_factory: sessionmaker[Session], moto_ses: MotoSes
    ) -> None:
        emit_events(
            session_factory,
            [("appointment.confirmed", "a-1", confirmed_payload(email=None)),
             ("appointment.confirmed", "a-2", confirmed_payload(email="next@example.org"))],
        )

        eventually(lambda: len(sent_emails(session_factory)) == 2)

        skipped, sent = sent_emails(session_factory)
        assert (skipped.status, skipped.recipient) == ("skipped", None)
        assert (sent.status, sent.recipient) == ("sent", "next@example.org")
        assert any(m["id"] == sent.provider_message_id for m in moto_ses.sent())

    def test_a_mail_outage_is_retried_then_dead_lettered_and_an_admin_replays_it(
        self,
        client: TestClient,
        session_factory: sessionmaker[Session],
        sign_in: Callable[..., Person],
        ses_proxy: TcpProxy,
        moto_ses: MotoSes,
    ) -> None:
        admin = sign_in(Role.ADMIN)
        ses_proxy.cut()
        [row] = emit_events(session_factory, [("appointment.confirmed", "a-1", confirmed_payload())])

        def dead_letters() -> list[dict[str, object]]:
            answer = client.get("/admin/dead-letters", headers=admin.headers)
            assert answer.status_code == 200, answer.text
            return list(answer.json()["dead_letters"])

        eventually(lambda: len(dead_letters()) == 1, timeout=30)
        [letter] = dead_letters()
        assert letter["message_id"] == str(row.message_id)
        assert letter["consumer"] == "confirmation-email"
        assert letter["reason"] == "delivery_limit"
        assert "SES unreachable" in str(letter["last_error"])
        assert sent_emails(session_factory) == []

        ses_proxy.restore()
        answer = client.post("/admin/dead-letters/replay", headers=admin.headers, json={})
        assert answer.status_code == 200, answer.text
        replayed = [{"consumer": "confirmation-email", "message_id": str(row.message_id)}]
        assert answer.json()["replayed"] == replayed

        eventually(lambda: len(sent_emails(session_factory)) == 1)
        [record] = sent_emails(session_factory)
        assert any(m["id"] == record.provider_message_id for m in moto_ses.sent())
        assert dead_letters() == []

    def test_only_an_admin_sees_dead_letters(
        self, client: TestClient, sign_in: Callable[..., Person]
    ) -> None:
        nurse = sign_in(Role.NURSE)
        assert client.get("/admin/dead-letters", headers=nurse.headers).status_code == 403
        assert client.post("/admin/dead-letters/replay", headers=nurse.headers, json={}).status_code == 403


def test_without_ses_the_email_is_written_as_an_eml_file(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    from sync_server.app import consumers_of
    from sync_server.messaging.runner import start_in_process

    settings = root.make_test_settings(relay_poll_seconds=0.05, mail_dir=tmp_path / "mail")
    stop = start_in_process(settings, session_factory, consumers=consumers_of(settings))
    try:
        [row] = emit_events(session_factory, [("appointment.confirmed", "a-1", confirmed_payload())])
        eventually(lambda: len(sent_emails(session_factory)) == 1)
    finally:
        stop()

    [file] = list((tmp_path / "mail").glob("*.eml"))
    mail = email.message_from_bytes(file.read_bytes())
    assert mail["To"] == "patient@example.org"
    assert mail["Subject"].startswith("Appointment confirmed: Dr. Ana Costa")
    [record] = sent_emails(session_factory)
    assert (record.provider, record.provider_message_id) == ("file", file.name)
    assert record.message_id == row.message_id
