"""Kill the server (SIGKILL) at every boundary a saga still has, restart it, and check that every
booking ends exactly once, no slot stays held, nobody is double booked and nothing is confirmed twice.

A fresh saga's local steps are one transaction, so its boundaries are that transaction (killed before
or after the step's work, before the commit: nothing was written, the desktop's retry with the same
request id books it) and a saga left running for the recovery runner (its executor gone): the runner
of the restarted server finishes it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from shared.roles import Role
from sync_server.auth.models import User
from sync_server.booking.models import Appointment, BookingSaga, SagaKind
from sync_server.booking.saga import SagaEngine
from sync_server.booking.schemas import BookingRequest
from sync_server.booking.service import plan_booking
from sync_server.core.db import transaction
from tests.conftest import TEST_SECRET
from tests.sync_server.booking.conftest import as_actor, at, booking_settings, double_bookings, events

REPO = Path(__file__).resolve().parents[3]
BOOK_POINTS = ["book:book:before", "book:book:after"]
RESCHEDULE_POINTS = ["reschedule:move:before", "reschedule:move:after"]


def listening_socket() -> socket.socket:
    """Bound here and handed to the server, so no other process can take the port meanwhile."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


def url_of(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


def server_environment(database_url: str, tmp_path: Path, **env: str) -> dict[str, str]:
    return {
        **os.environ,
        "WARDDESK_DATABASE_URL": database_url,
        "WARDDESK_ENVIRONMENT": "test",
        "WARDDESK_SECRET_KEY": TEST_SECRET,
        "WARDDESK_DATA_DIR": str(tmp_path),
        "WARDDESK_MESSAGING_IN_APP": "false",
        "WARDDESK_BOOKING_SAGA_LEASE_SECONDS": "1",
        "WARDDESK_BOOKING_RUNNER_INTERVAL_SECONDS": "0.2",
        **env,
    }


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("server did not come up")


class DoomedServers:
    """One server process per crash point, forked from one import (see forked_servers.py)."""

    def __init__(self, database_url: str, tmp_path: Path, points: list[str]) -> None:
        self.sockets = [listening_socket() for _ in points]
        self.urls = [url_of(sock) for sock in self.sockets]
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.sync_server.booking.forked_servers",
                *(f"{sock.fileno()}={point}" for sock, point in zip(self.sockets, points, strict=True)),
            ],
            env=server_environment(database_url, tmp_path, WARDDESK_BOOKING_RUNNER_ENABLED="false"),
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=tuple(sock.fileno() for sock in self.sockets),
            start_new_session=True,
        )

    def exit_codes(self) -> dict[str, int]:
        out, _ = self.process.communicate(timeout=30)
        return {point: int(code) for point, code in (line.split() for line in out.decode().splitlines())}

    def stop(self) -> None:
        if self.process.poll() is None:
            # The children die with their requests; this only cleans up after a failure (a child still
            # serving would hold the pipe open, so the whole process group goes).
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.communicate()
        for sock in self.sockets:
            sock.close()


class Server:
    """The sync server in its own process, as deployed: uvicorn over create_app()."""

    def __init__(self, database_url: str, tmp_path: Path) -> None:
        self.socket = listening_socket()
        self.url = url_of(self.socket)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "sync_server.app:create_app",
                "--factory",
                "--fd",
                str(self.socket.fileno()),
                "--log-level",
                "warning",
            ],
            env=server_environment(database_url, tmp_path),
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            pass_fds=(self.socket.fileno(),),
        )

    def wait_until_up(self) -> None:
        wait_until_up(self.url, self.process)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()
        self.socket.close()


def post_until_killed(url: str, path: str, body: dict, headers: dict) -> None:  # type: ignore[type-arg]
    """Send the request that crosses the crash point: the server must die instead of answering."""
    try:
        answer = httpx.post(f"{url}{path}", json=body, headers=headers, timeout=15)
    except httpx.TransportError:
        return
    raise AssertionError(f"the server answered instead of dying: {answer.status_code} {answer.text}")


def all_sagas_ended(session_factory) -> bool:  # type: ignore[no-untyped-def]
    with transaction(session_factory) as session:
        return all(
            s.status in ("succeeded", "compensated", "failed") for s in session.scalars(select(BookingSaga))
        )


@pytest.mark.slow
def test_every_booking_ends_exactly_once_after_the_server_is_killed_at_any_boundary(
    client, sign_in, clinic, session_factory, database_url, tmp_path
):
    scheduler = sign_in(Role.SCHEDULER)
    patient = [str(p.id) for p in clinic.patients]
    doctor = str(clinic.doctor.id)

    def booked(start: datetime, who: int) -> str:
        answer = client.post(
            "/appointments",
            headers=scheduler.headers,
            json={"doctor_id": doctor, "patient_id": patient[who], "starts_at": start.isoformat()},
        )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["appointment"]["id"])

    # Each crash point gets its own request: (point, path, body), each with its own idempotency key.
    plans: list[tuple[str, str, dict]] = []  # type: ignore[type-arg]
    for n, point in enumerate(BOOK_POINTS):
        start = at(8) + timedelta(minutes=30 * n)
        body = {"doctor_id": doctor, "patient_id": patient[n % 3], "starts_at": start.isoformat()}
        plans.append((point, "/appointments", {**body, "client_request_id": f"crash-{n}"}))
    for n, point in enumerate(RESCHEDULE_POINTS):
        old = booked(at(11) + timedelta(minutes=30 * n), n % 3)
        body = {
            "starts_at": (at(14) + timedelta(minutes=30 * n)).isoformat(),
            "client_request_id": f"move-{n}",
        }
        plans.append((point, f"/appointments/{old}/reschedule", body))
    # A saga left running by an executor that died: its lease has run out, the runner must finish it.
    left_running = _saga_left_running(session_factory, clinic, scheduler, start=at(16))

    # Only the request thread runs sagas in the doomed servers, so each dies exactly at its point.
    doomed = DoomedServers(database_url, tmp_path, [point for point, _, _ in plans])
    try:
        for url, (_, path, body) in zip(doomed.urls, plans, strict=True):
            wait_until_up(url, doomed.process)
            post_until_killed(url, path, body, scheduler.headers)
        exit_codes = doomed.exit_codes()
    finally:
        doomed.stop()
    assert exit_codes == {point: -signal.SIGKILL for point, _, _ in plans}
    with transaction(session_factory) as session:  # killed before its commit: nothing was written
        assert {s.client_request_id for s in session.scalars(select(BookingSaga))} <= {None, "left-running"}

    survivor = Server(database_url, tmp_path)
    try:
        survivor.wait_until_up()
        # The desktops retry what got no answer, with the same request ids.
        for _, path, body in plans:
            answer = httpx.post(f"{survivor.url}{path}", json=body, headers=scheduler.headers, timeout=15)
            assert answer.status_code == 201, answer.text
            again = httpx.post(f"{survivor.url}{path}", json=body, headers=scheduler.headers, timeout=15)
            assert again.json()["appointment"]["id"] == answer.json()["appointment"]["id"]
        deadline = time.monotonic() + 30
        while not all_sagas_ended(session_factory) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        survivor.stop()

    with transaction(session_factory) as session:
        sagas = list(session.scalars(select(BookingSaga)))
        appointments = list(session.scalars(select(Appointment)))
    assert sorted(s.status for s in sagas) == ["succeeded"] * len(sagas)
    assert len(sagas) == len(plans) + len(RESCHEDULE_POINTS) + 1
    assert next(s for s in sagas if s.id == left_running).status == "succeeded"
    assert [a for a in appointments if a.status == "held"] == []
    assert double_bookings(session_factory) == {"doctor_id": 0, "room_id": 0, "patient_id": 0}
    confirmations = Counter(e.aggregate_id for e in events(session_factory, "appointment.confirmed"))
    assert all(confirmations[str(a.id)] == 1 for a in appointments if a.status == "confirmed")
    assert set(confirmations.values()) == {1}
    moved = [a for a in appointments if a.rescheduled_to_id is not None]
    assert len(moved) == len(RESCHEDULE_POINTS)
    assert {a.status for a in moved} == {"cancelled"}


def _saga_left_running(session_factory, clinic, scheduler, *, start: datetime) -> object:  # type: ignore[no-untyped-def]
    """A booking saga as an executor that died after a temporary failure leaves it: running, due, its
    lease expired."""
    settings = booking_settings()
    with transaction(session_factory) as session:
        actor = as_actor(session.get(User, scheduler.user.id))
        body = BookingRequest(
            doctor_id=clinic.doctor.id,
            patient_id=clinic.patients[0].id,
            starts_at=start,
            client_request_id="left-running",
        )
        payload, refusal = plan_booking(session, actor=actor, body=body, now=datetime.now(UTC))
        assert refusal is None
        saga = SagaEngine(settings, owner="dead-executor").begin(
            session,
            kind=SagaKind.BOOK,
            payload=payload,
            started_by=actor.user_id,
            client_request_id="left-running",
            step="book",
        )
        saga.attempts = 1
        saga.lease_expires_at = datetime.now(UTC) - timedelta(seconds=5)
        session.flush()
        return saga.id
