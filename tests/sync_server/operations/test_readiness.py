"""/readyz says whether the database and RabbitMQ (when configured) are up, and nothing else."""

from __future__ import annotations

from fastapi.testclient import TestClient

from sync_server.app import create_app
from tests.conftest import make_test_settings
from tests.sync_server.operations.conftest import free_port


def ready(settings, database_url):  # type: ignore[no-untyped-def]
    with TestClient(create_app(settings, database_url=database_url)) as client:
        return client.get("/readyz")


def test_ready_with_database_and_broker_and_the_answer_reveals_nothing_more(
    database_url, session_factory, amqp_url
):  # type: ignore[no-untyped-def]
    answer = ready(make_test_settings(messaging_in_app=False, amqp_url=amqp_url), database_url)
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "detail": ""}


def test_not_ready_when_the_broker_refuses_connections(database_url, session_factory):  # type: ignore[no-untyped-def]
    dead_broker = f"amqp://guest:guest@127.0.0.1:{free_port()}/%2F"
    answer = ready(make_test_settings(messaging_in_app=False, amqp_url=dead_broker), database_url)
    assert answer.status_code == 503
    assert answer.json() == {"status": "unavailable", "detail": "broker"}
    assert "guest" not in answer.text and "127.0.0.1" not in answer.text


def test_not_ready_when_the_database_is_unreachable(session_factory):  # type: ignore[no-untyped-def]
    unreachable = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nowhere"
    answer = ready(make_test_settings(messaging_in_app=False), unreachable)
    assert answer.status_code == 503
    assert answer.json() == {"status": "unavailable", "detail": "database"}
    assert "nowhere" not in answer.text and "psycopg" not in answer.text.lower()
