"""Every metric at /metrics moves when the thing it counts happens, read back from the real endpoint."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from shared.roles import Role
from sync_server.app import create_app
from sync_server.core.config import Settings
from sync_server.core.db import transaction
from sync_server.messaging.consumers import PermanentFailure
from sync_server.messaging.inprocess import InProcessDelivery
from sync_server.messaging.relay import OutboxRelay
from tests.conftest import make_test_settings
from tests.sync_server.booking.conftest import at
from tests.sync_server.sync.conftest import Desktop

TOKEN = "scrape-token-for-the-tests"  # the settings of these tests and test_broker_metrics


@pytest.fixture
def settings() -> Settings:
    return make_test_settings(messaging_in_app=False, booking_runner_enabled=False, metrics_token=TOKEN)


def scrape(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def value(metrics: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return metrics.get((name, frozenset(labels.items())), 0.0)


class RefusesEverything:
    name = "refuses-everything"
    event_types = frozenset({"appointment.confirmed"})

    def handle(self, session: object, envelope: object) -> None:
        raise PermanentFailure("this consumer cannot handle anything")


def test_metrics_need_the_bearer_token(client):  # type: ignore[no-untyped-def]
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_each_metric_moves_when_what_it_counts_happens(client, sign_in, clinic, session_factory):  # type: ignore[no-untyped-def]
    before = scrape(client)
    assert value(before, "warddesk_outbox_backlog") == 0
    assert value(before, "warddesk_metrics_database_up") == 1

    scheduler = sign_in(Role.SCHEDULER)
    body = {
        "doctor_id": str(clinic.doctor.id),
        "patient_id": str(clinic.patients[0].id),
        "starts_at": at(9).isoformat(),
        "room_id": str(clinic.room.id),
    }
    assert client.post("/appointments", json=body, headers=scheduler.headers).status_code == 201
    assert client.post("/appointments", json=body, headers=scheduler.headers).status_code == 409

    booked = scrape(client)
    assert (
        value(booked, "warddesk_http_requests_total", method="POST", route="/appointments", status="201") == 1
    )
    assert (
        value(booked, "warddesk_http_requests_total", method="POST", route="/appointments", status="409") == 1
    )
    assert (
        value(booked, "warddesk_http_request_duration_seconds_count", method="POST", route="/appointments")
        == 2
    )
    assert value(booked, "warddesk_booking_sagas", status="succeeded") == 1
    backlog = value(booked, "warddesk_outbox_backlog")
    assert backlog >= 1  # the booking's event (and the sign-ins')
    assert value(booked, "warddesk_outbox_oldest_unpublished_age_seconds") >= 0
    assert value(booked, "warddesk_outbox_published_total") == 0
    assert value(booked, "warddesk_dead_letters") == 0

    # The relay delivers the booking's event to a consumer that refuses it: published, and dead-lettered.
    delivery = InProcessDelivery(session_factory, [RefusesEverything()], delivery_limit=1)
    OutboxRelay(session_factory).publish_pending(delivery.publish_batch)
    relayed = scrape(client)
    assert value(relayed, "warddesk_outbox_backlog") == 0
    assert value(relayed, "warddesk_outbox_published_total") == backlog
    assert value(relayed, "warddesk_dead_letters") == 1

    desk = Desktop(client, sign_in(Role.NURSE))
    desk.pull_all()
    desk.push()
    synced = scrape(client)
    assert value(synced, "warddesk_sync_pull_bytes_count") >= 1
    assert value(synced, "warddesk_sync_pull_bytes_sum") > 0
    assert value(synced, "warddesk_sync_push_bytes_count") == 1
    assert value(synced, "warddesk_sync_push_bytes_sum") > 0

    # A long poll is counted while it waits, and no longer once it has answered.
    poll = threading.Thread(target=desk.pull, kwargs={"wait": 2})
    poll.start()
    seen_waiting = 0.0
    while poll.is_alive() and not seen_waiting:
        seen_waiting = value(scrape(client), "warddesk_sync_long_polls")
    poll.join()
    assert seen_waiting == 1
    assert value(scrape(client), "warddesk_sync_long_polls") == 0


def test_an_unknown_path_is_counted_under_one_label(client):  # type: ignore[no-untyped-def]
    client.get("/no/such/path/123")
    client.get("/another/unknown")
    assert (
        value(scrape(client), "warddesk_http_requests_total", method="GET", route="<unmatched>", status="404")
        == 2
    )


@pytest.fixture
def production_client(database_url, session_factory) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    settings = Settings(
        environment="production",
        secret_key="Vq3x9LmZp2Rt7Yw1Kc8Hb5Nf0Gd4Sj6Ae",
        database_url=database_url,
        rate_limit_per_address=0,
        messaging_in_app=False,
        booking_runner_enabled=False,
        scope_refresh_seconds=0,
    )
    with TestClient(create_app(settings, database_url=database_url)) as client:
        yield client


def test_without_a_token_metrics_are_not_served_in_production(production_client):  # type: ignore[no-untyped-def]
    assert production_client.get("/metrics").status_code == 404


def test_a_saga_whose_next_step_is_long_overdue_is_counted_stuck(client, sign_in, clinic, session_factory):  # type: ignore[no-untyped-def]
    scheduler = sign_in(Role.SCHEDULER)
    body = {
        "doctor_id": str(clinic.doctor.id),
        "patient_id": str(clinic.patients[0].id),
        "starts_at": at(9).isoformat(),
    }
    assert client.post("/appointments", json=body, headers=scheduler.headers).status_code == 201
    assert value(scrape(client), "warddesk_booking_sagas_overdue") == 0
    # As a saga left waiting for a retry that no runner picks up looks, ten minutes later.
    with transaction(session_factory) as session:
        session.execute(
            text(
                "UPDATE booking_sagas SET status = 'running', next_attempt_at = now() - interval '10 minutes'"
            )
        )
    stuck = scrape(client)
    assert value(stuck, "warddesk_booking_sagas_overdue") == 1
    assert value(stuck, "warddesk_booking_sagas", status="running") == 1


def test_the_dashboard_and_alert_rules_use_only_metrics_the_server_exports(client, sign_in):  # type: ignore[no-untyped-def]
    client.get("/wards", headers=sign_in(Role.NURSE).headers)
    # The broker's metrics are exported when RabbitMQ is configured (test_broker_metrics reads them).
    exported = {name for name, _ in scrape(client)} | {"warddesk_broker_up", "warddesk_queue_messages"}
    deploy = Path(__file__).resolve().parents[3] / "deploy"
    rules = yaml.safe_load((deploy / "prometheus" / "warddesk-alerts.yml").read_text())
    alerts = {rule["alert"]: rule["expr"] for group in rules["groups"] for rule in group["rules"]}
    assert {"WardDeskOutboxStuck", "WardDeskDeadLetters", "WardDeskErrorRate", "WardDeskSagaStuck"} <= set(
        alerts
    )
    dashboard = json.loads((deploy / "grafana" / "warddesk-sync-server.json").read_text())
    queries = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    used = {name for expr in [*alerts.values(), *queries] for name in re.findall(r"warddesk_[a-z_]+", expr)}
    assert used and used <= exported, sorted(used - exported)
