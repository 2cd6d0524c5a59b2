"""Scale-out on real parts: nginx in front of two `warddesk-server serve` processes, two outbox relays and
two consumer workers, on the test PostgreSQL and RabbitMQ. Desks book, push, pull and long-poll through
nginx; mid-load one serve process, one relay and one worker are killed with SIGKILL.

What must hold: no desk sees an error beyond the ones it (or nginx) retried; no event is lost (every
outbox row published, every appointment event consumed, its e-mail written once); no double booking;
the long polls waiting on the killed process carry on at the survivor and still see every change.

Deterministic: the kill happens at a chosen point of the load (a share of the work done, a long poll
waiting in the process to be killed), and every desk keeps half its work for after the kill. Every
wait is bounded and says what it waited for.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import psycopg
import pytest

from sync_server.core.migrations import upgrade
from tests import services
from tests.scale.cluster import MEDICATION, PASSWORD, Cluster, Hospital, seed_hospital, wait_until

ZONE = ZoneInfo("Europe/Lisbon")
BOOKERS, PUSHERS, PULLERS, LONG_POLLERS = 4, 4, 2, 4
BOOKINGS_EACH, PUSHES_EACH = 16, 16
HOT_SLOTS = 8  # slots two schedulers want at once: exactly one may get each
RETRIES = 8
TRANSIENT = {502, 503, 504}

OVERLAPS = """
SELECT count(*) FROM appointments a JOIN appointments b
  ON a.id < b.id AND a.{col} = b.{col}
 AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)
WHERE a.status IN ('held', 'confirmed') AND b.status IN ('held', 'confirmed')
  AND NOT a.overbooked AND NOT b.overbooked
"""


class DeskError(AssertionError):
    """An answer a desk would have shown as an error (after its retries)."""


@dataclass
class Desk:
    """One desktop talking to nginx: retries what a desktop retries (no answer, 502/503/504)."""

    base_url: str
    username: str
    retried: int = 0
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(30.0, read=75.0),
            headers={"X-WardDesk-Protocol": "1", "X-WardDesk-Client": f"WardDesk scale test {self.username}"},
        )
        answer = self.call(
            "POST",
            "/auth/token",
            expect={200},
            data={"grant_type": "password", "username": self.username, "password": PASSWORD},
        )
        self.http.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"

    def call(self, method: str, path: str, *, expect: set[int], **options: Any) -> httpx.Response:
        problem = ""
        for attempt in range(RETRIES):
            try:
                answer = self.http.request(method, path, **options)
            except httpx.TransportError as exc:
                problem = repr(exc)
            else:
                if answer.status_code in expect:
                    return answer
                if answer.status_code not in TRANSIENT:
                    raise DeskError(
                        f"{self.username}: {method} {path} -> {answer.status_code} {answer.text[:300]}"
                    )
                problem = f"{answer.status_code} {answer.text[:200]}"
            self.retried += 1
            threading.Event().wait(0.25 * (attempt + 1))  # a desktop's back-off, shortened: 9 s in all
        raise DeskError(f"{self.username}: {method} {path} still failing after {RETRIES} tries: {problem}")

    def close(self) -> None:
        self.http.close()


@dataclass
class Load:
    """What the desks did, shared between their threads."""

    cluster: Cluster
    killed: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: int = 0
    errors: list[str] = field(default_factory=list)
    retried: int = 0
    confirmed: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    tickets: list[str] = field(default_factory=list)
    long_poll_upstreams: list[tuple[bool, str]] = field(default_factory=list)  # (after the kill, upstreams)
    after_kill: int = 0

    def count(self) -> None:
        with self.lock:
            self.done += 1
            if self.killed.is_set():
                self.after_kill += 1

    def halfway(self, index: int, total: int) -> None:
        """Half of each desk's work waits for the kill, so the kill always falls in the middle of the load."""
        if index == total // 2 and not self.killed.wait(120):
            raise DeskError("the processes were not killed within 120 s")


def _run(load: Load, desk: Desk, work: Any) -> None:
    try:
        work()
    except DeskError as exc:
        with load.lock:
            load.errors.append(str(exc))
    finally:
        with load.lock:
            load.retried += desk.retried
        desk.close()


def book(load: Load, desk: Desk, requests: list[dict[str, str]]) -> None:
    for index, body in enumerate(requests):
        load.halfway(index, len(requests))
        answer = desk.call("POST", "/appointments", expect={201, 202, 409}, json=body)
        if answer.status_code == 409:
            code = answer.json()["error"]["code"]
            if code != "slot_taken":
                raise DeskError(f"{desk.username}: booking refused with {code}: {answer.text[:300]}")
            with load.lock:
                load.refused.append(body["client_request_id"])
        else:
            saga = answer.json()["saga"]
            while saga["status"] in ("running", "compensating"):
                threading.Event().wait(0.05)
                saga = desk.call("GET", f"/sagas/{saga['id']}", expect={200}).json()["saga"]
            with load.lock:
                (load.confirmed if saga["status"] == "succeeded" else load.refused).append(
                    body["client_request_id"]
                )
        load.count()


def push(load: Load, desk: Desk, ward_id: str, count: int) -> None:
    client_id = str(uuid.uuid4())
    for number in range(1, count + 1):
        load.halfway(number - 1, count)
        ticket = str(uuid.uuid4())
        mutation = {
            "client_id": client_id,
            "mutation_id": number,
            "idempotency_key": str(uuid.uuid4()),
            "name": "ticket.submit",
            "entity_id": ticket,
            "payload": {
                "ward_id": ward_id,
                "priority": "routine",
                "lines": [
                    {
                        "line_id": str(uuid.uuid4()),
                        "medication_code": MEDICATION,
                        "quantity": 20,
                        "unit": "tablet",
                    }
                ],
            },
            "made_at": datetime.now(UTC).isoformat(),
        }
        answer = desk.call(
            "POST", "/sync/push", expect={200}, json={"client_id": client_id, "mutations": [mutation]}
        )
        [result] = answer.json()["results"]
        if result["status"] != "applied":
            raise DeskError(f"{desk.username}: ticket refused: {result}")
        with load.lock:
            load.tickets.append(ticket)
        load.count()


def initial_sync(desk: Desk) -> tuple[str, set[str]]:
    cursor, seen = "", set()
    while True:
        page = desk.call("GET", "/sync/pull", expect={200}, params={"cursor": cursor}).json()
        seen |= {c["id"] for c in page["changes"] if c["entity"] == "ticket"}
        cursor = page["cursor"]
        if not page["has_more"]:
            return cursor, seen


def pull(load: Load, desk: Desk) -> None:
    cursor, _ = initial_sync(desk)
    while not load.stop.is_set():
        cursor = desk.call("GET", "/sync/pull", expect={200}, params={"cursor": cursor}).json()["cursor"]
        load.stop.wait(0.05)


def long_poll(load: Load, desk: Desk, seen: set[str]) -> None:
    """Waits for changes until told to stop and every ticket pushed has arrived."""
    cursor, first = initial_sync(desk)
    seen |= first
    while not (load.stop.is_set() and seen >= set(load.tickets)):
        after_kill = load.killed.is_set()
        answer = desk.call("GET", "/sync/pull", expect={200}, params={"cursor": cursor, "wait": 10})
        page = answer.json()
        seen |= {c["id"] for c in page["changes"] if c["entity"] == "ticket"}
        cursor = page["cursor"]
        with load.lock:
            load.long_poll_upstreams.append((after_kill, answer.headers.get("x-warddesk-upstream", "")))


def booking_plan(hospital: Hospital) -> list[list[dict[str, str]]]:
    """Each scheduler's bookings: free slots of their own, and HOT_SLOTS slots two of them want."""
    first_day = date.today() + timedelta(days=90)
    patients = iter(hospital.patient_ids)
    plans: list[list[dict[str, str]]] = [[] for _ in range(BOOKERS)]

    def request(doctor: str, slot: int) -> dict[str, str]:
        starts = datetime.combine(first_day + timedelta(days=slot // 36), clock(8), tzinfo=ZONE) + timedelta(
            minutes=20 * (slot % 36)
        )
        return {
            "doctor_id": doctor,
            "patient_id": next(patients),
            "starts_at": starts.isoformat(),
            "client_request_id": uuid.uuid4().hex,
        }

    slot = 0
    for hot in range(HOT_SLOTS):
        doctor = hospital.doctor_ids[hot % len(hospital.doctor_ids)]
        for booker in (hot % BOOKERS, (hot + 1) % BOOKERS):
            plans[booker].append(request(doctor, slot))
        slot += 1
    for booker in range(BOOKERS):
        while len(plans[booker]) < BOOKINGS_EACH:
            plans[booker].append(request(hospital.doctor_ids[booker % len(hospital.doctor_ids)], slot))
            slot += 1
    return plans


@pytest.fixture
def scale_database() -> Iterator[str]:
    admin = services.admin_postgres_url()
    name = f"warddesk_scale_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = services.with_database(admin, name)
    upgrade(url)
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def cluster(scale_database: str, amqp_url: str) -> Iterator[Cluster]:
    running = Cluster(scale_database, amqp_url, amqp_prefix=f"test-{uuid.uuid4().hex[:10]}.")
    try:
        yield running.start()
    finally:
        running.stop()
        running.delete_topology()


def test_killing_a_server_a_relay_and_a_worker_under_load_loses_nothing(cluster: Cluster) -> None:
    hospital = seed_hospital(
        cluster.database_url,
        wards=2,
        doctors=4,
        patients=BOOKERS * BOOKINGS_EACH,
        nurses=12,
        schedulers=BOOKERS,
    )
    ward = hospital.ward_ids[0]
    nurses = [name for name, their_ward in hospital.nurses.items() if their_ward == ward]
    assert len(nurses) >= PUSHERS + PULLERS
    load = Load(cluster)
    seen: list[set[str]] = [set() for _ in range(LONG_POLLERS)]
    threads: list[threading.Thread] = []

    def start(username: str, work: Any, *args: Any) -> None:
        desk = Desk(cluster.base_url, username)
        thread = threading.Thread(
            target=_run, args=(load, desk, lambda: work(load, desk, *args)), name=username
        )
        threads.append(thread)

    for index in range(LONG_POLLERS):  # long-polling nurses (the first ones of the ward)
        start(nurses[index % len(nurses)], long_poll, seen[index])
    long_pollers = list(threads)
    for index, plan in enumerate(booking_plan(hospital)):
        start(hospital.schedulers[index], book, plan)
    for index in range(PUSHERS):
        start(nurses[index], push, ward, PUSHES_EACH)
    load_threads = threads[LONG_POLLERS:]
    for index in range(PULLERS):
        start(nurses[PUSHERS + index], pull)
    followers = [*long_pollers, *threads[LONG_POLLERS + len(load_threads) :]]
    for thread in threads:
        thread.start()

    victim, survivor = cluster.serve
    total = BOOKERS * BOOKINGS_EACH + PUSHERS * PUSHES_EACH
    wait_until(
        lambda: load.done >= total // 4 or bool(load.errors),
        timeout=120,
        what=f"a quarter of the load done (done {load.done} of {total})",
    )
    wait_until(
        lambda: cluster.long_polls_open(victim) >= 1,
        timeout=60,
        what=f"a long poll waiting in {victim.name}",
    )
    victim.kill()
    cluster.relay[0].kill()
    cluster.worker[0].kill()
    load.killed.set()

    for thread in load_threads:
        thread.join(timeout=180)
        assert not thread.is_alive(), f"{thread.name} did not finish its work within 180 s"
    load.stop.set()
    for thread in followers:
        thread.join(timeout=60)
        assert not thread.is_alive(), f"{thread.name} (pulling) did not see every ticket within 60 s"

    # No desk saw an error it did not retry; the work went on after the kill.
    assert load.errors == [], "\n".join(load.errors)
    assert load.after_kill >= total // 2
    assert len(load.confirmed) + len(load.refused) == BOOKERS * BOOKINGS_EACH
    assert len(load.tickets) == PUSHERS * PUSHES_EACH
    # The long polls moved to the survivor: one was waiting in the killed process, nginx sent it on; every
    # long poll answered after the kill came from the survivor, and every long poller saw every ticket.
    victim_address, survivor_address = f"127.0.0.1:{victim.port}", f"127.0.0.1:{survivor.port}"
    moved = [
        upstreams
        for after, upstreams in load.long_poll_upstreams
        if victim_address in upstreams and "," in upstreams
    ]
    assert moved, (
        f"no long poll was carried from {victim_address} to the survivor: {load.long_poll_upstreams}"
    )
    late = [upstreams.split(", ")[-1] for after, upstreams in load.long_poll_upstreams if after]
    assert late and set(late) == {survivor_address}, late
    for index, got in enumerate(seen):
        assert got >= set(load.tickets), (
            f"long poller {index} missed {len(set(load.tickets) - got)} ticket(s)"
        )

    plain = cluster.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        # No double booking, and each hot slot went to exactly one scheduler.
        for column in ("doctor_id", "patient_id"):
            assert conn.execute(OVERLAPS.format(col=column)).fetchone() == (0,), f"double-booked {column}"
        assert len(load.refused) == HOT_SLOTS
        assert conn.execute("SELECT count(*) FROM appointments WHERE status = 'confirmed'").fetchone() == (
            len(load.confirmed),
        )
        # Every ticket exists once, whatever was retried.
        assert conn.execute("SELECT count(*) FROM refill_tickets").fetchone() == (len(load.tickets),)

        # No event lost: every outbox row published, every appointment event consumed, each e-mail once.
        def delivered() -> bool:
            unpublished, unconsumed = conn.execute(
                "SELECT count(*) FILTER (WHERE o.published_at IS NULL),"
                " count(*) FILTER (WHERE o.event_type IN ('appointment.confirmed', 'appointment.cancelled')"
                "  AND p.message_id IS NULL)"
                " FROM outbox o LEFT JOIN processed_messages p"
                " ON p.message_id = o.message_id AND p.consumer = 'confirmation-email'"
            ).fetchone()
            return bool(unpublished == 0 and unconsumed == 0)

        wait_until(
            delivered, timeout=90, what="every outbox row published and every appointment event consumed"
        )
        confirmed_events = conn.execute(
            "SELECT count(*) FROM outbox WHERE event_type = 'appointment.confirmed'"
        ).fetchone()
        assert confirmed_events == (len(load.confirmed),)
        assert conn.execute("SELECT count(*), count(DISTINCT message_id) FROM sent_emails").fetchone() == (
            len(load.confirmed),
            len(load.confirmed),
        )
    assert survivor.alive() and cluster.relay[1].alive() and cluster.worker[1].alive()
