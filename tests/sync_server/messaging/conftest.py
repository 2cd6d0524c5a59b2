"""Helpers for the messaging tests: a private topology per test, an observer queue, a cuttable TCP proxy,
a moto SES server, and waiting for things to happen in other threads."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pika
import pytest
from sqlalchemy.orm import Session, sessionmaker

from sync_server.core.db import transaction
from sync_server.core.outbox import OutboxMessage, emit
from sync_server.messaging.topology import Subscription, Topology, delete


def eventually(check: Callable[[], bool], *, timeout: float = 15.0, every: float = 0.05) -> None:
    """Wait until `check()` is true; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout}s: {check}")
        time.sleep(every)


def confirmed_payload(*, email: str | None = "patient@example.org", **overrides: Any) -> dict[str, Any]:
    starts = datetime(2030, 3, 5, 14, 20, tzinfo=UTC)
    payload: dict[str, Any] = {
        "appointment_id": str(uuid.uuid4()),
        "doctor_id": str(uuid.uuid4()),
        "doctor_name": "Dr. Ana Costa",
        "patient_id": str(uuid.uuid4()),
        "patient_name": "Maria Silva",
        "patient_email": email,
        "room_name": "Room 3.12",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(minutes=20)).isoformat(),
        "time_zone": "Europe/Lisbon",
        "status": "confirmed",
        "saga_id": str(uuid.uuid4()),
    }
    payload.update(overrides)
    return payload


def emit_events(
    session_factory: sessionmaker[Session],
    events: list[tuple[str, str, dict[str, Any]]],
) -> list[OutboxMessage]:
    """Write (event_type, aggregate_id, payload) rows to the outbox in one committed transaction."""
    with transaction(session_factory) as session:
        rows = [
            emit(session, event_type=kind, aggregate_type="appointment", aggregate_id=aggregate, payload=p)
            for kind, aggregate, p in events
        ]
        session.flush()
    return rows


def one_confirmed(session_factory: sessionmaker[Session], **payload: Any) -> OutboxMessage:
    """One appointment.confirmed event of a new appointment, committed."""
    [row] = emit_events(
        session_factory, [("appointment.confirmed", str(uuid.uuid4()), confirmed_payload(**payload))]
    )
    return row


@pytest.fixture
def topology(amqp_url: str) -> Iterator[Topology]:
    """A private copy of the topology (unique names), deleted after the test."""
    made = Topology(prefix=f"test-{uuid.uuid4().hex[:10]}.", delivery_limit=2)
    yield made
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as connection:
        names = ["confirmation-email", "observer", "recorder"]
        delete(connection.channel(), made, [Subscription(name, frozenset()) for name in names])


class Observer:
    """A queue bound to every event of a topology, to see what the broker received and in what order."""

    def __init__(self, url: str, topology: Topology, routing_key: str = "#") -> None:
        self._connection = pika.BlockingConnection(pika.URLParameters(url))
        self._channel = self._connection.channel()
        self._channel.exchange_declare(topology.exchange, exchange_type="topic", durable=True)
        self.queue = topology.queue("observer")
        self._channel.queue_declare(self.queue, auto_delete=False)
        self._channel.queue_bind(self.queue, topology.exchange, routing_key=routing_key)
        self.received: list[dict[str, Any]] = []

    def drain(self, count: int, *, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            method, properties, body = self._channel.basic_get(self.queue, auto_ack=True)
            if method is None:
                time.sleep(0.02)
                continue
            envelope = json.loads(body)
            assert properties.message_id == envelope["message_id"]
            assert properties.delivery_mode == 2 and properties.content_type == "application/json"
            self.received.append(envelope)
        return self.received

    def close(self) -> None:
        self._connection.close()


@pytest.fixture
def observer(amqp_url: str, topology: Topology) -> Iterator[Observer]:
    seen = Observer(amqp_url, topology)
    yield seen
    seen.close()


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; `cut()` drops every connection and refuses new ones until
    `restore()`: a broker (or mail service) outage without touching the shared service itself."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._cut = False
        self._closed = False
        self._thread = threading.Thread(target=self._accept, name="tcp-proxy", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._cut:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self._target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        self._cut = True
        with self._lock:
            sockets, self._open = self._open, []
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def restore(self) -> None:
        self._cut = False

    def close(self) -> None:
        self._closed = True
        self.cut()
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() (Linux)
        except OSError:
            pass
        self._listener.close()
        self._thread.join(timeout=5)


@pytest.fixture
def broker_proxy(amqp_url: str) -> Iterator[TcpProxy]:
    parameters = pika.URLParameters(amqp_url)
    proxy = TcpProxy(parameters.host, parameters.port)
    yield proxy
    proxy.close()


def via_proxy(amqp_url: str, proxy: TcpProxy) -> str:
    parameters = pika.URLParameters(amqp_url)
    return amqp_url.replace(f"{parameters.host}:{parameters.port}", f"127.0.0.1:{proxy.port}")


class MotoSes:
    """A moto server (real HTTP) standing in for Amazon SES, with its sent messages readable over HTTP."""

    def __init__(self, server: Any, endpoint_url: str) -> None:
        self._server = server
        self.endpoint_url = endpoint_url

    def sent(self) -> list[dict[str, Any]]:
        try:
            with urllib.request.urlopen(f"{self.endpoint_url}/moto-api/data.json", timeout=5) as answer:
                data = json.load(answer)
            return list(data["ses"]["RawMessage"])
        except urllib.error.HTTPError:
            # moto's backends are per process: the dump of every service fails (500) when another test's
            # S3 state cannot be serialised. The server runs in this process: read SES's messages there.
            from moto.core import DEFAULT_ACCOUNT_ID
            from moto.ses.models import ses_backends

            backend = ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"]
            return [
                {"id": m.id, "source": m.source, "destinations": m.destinations, "raw_data": m.raw_data}
                for m in backend.sent_messages
                if type(m).__name__ == "RawMessage"
            ]


@pytest.fixture
def moto_ses(monkeypatch: pytest.MonkeyPatch) -> Iterator[MotoSes]:
    import boto3
    from moto.server import ThreadedMotoServer

    for variable, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(variable, value)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client("ses", region_name="eu-west-1", endpoint_url=endpoint).verify_email_identity(
        EmailAddress="appointments@warddesk.local"
    )
    yield MotoSes(server, endpoint)
    server.stop()
