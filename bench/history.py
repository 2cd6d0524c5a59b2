"""The patient's history: events projected per second by the history consumer, into DynamoDB (moto's server
mode, its own process) and into PostgreSQL, for 100,000 events over 1,000 patients; and, when
bench/history_timeline.py is there, `timeline_ms` (the desktop opening a patient with 2,000 entries).

Each event goes the live path, one at a time as a queue consumer takes them: `deliver` (the receipt, then
the projection, the store's write and the change-feed record to the patient's audiences, one transaction).
The time inside the store's write is measured apart, and raw baselines show the ceilings: DynamoDB
conditional put_item calls alone, and the PostgreSQL insert alone.

Prints ONE JSON line: events, events_per_s_dynamodb, events_per_s_postgres, per-event milliseconds split
into store write and the rest (receipt, scope facts, feed), the raw baselines, `limits` (what bounds each
rate), the rebuild's rates (the same events replayed from the outbox in batches), and timeline_ms (or
`timeline_ms_error`). `--events N` for a shorter run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.server import free_port  # noqa: E402
from shared.events import EventEnvelope, EventType  # noqa: E402
from shared.history import HistoryEntry  # noqa: E402
from sync_server.booking.models import Appointment  # noqa: E402
from sync_server.core.db import make_engine, make_session_factory, transaction  # noqa: E402
from sync_server.core.migrations import upgrade  # noqa: E402
from sync_server.core.outbox import OutboxMessage  # noqa: E402
from sync_server.directory.models import Doctor, Patient, Ward  # noqa: E402
from sync_server.history.consumer import HistoryProjector  # noqa: E402
from sync_server.history.projection import project  # noqa: E402
from sync_server.history.rebuild import rebuild  # noqa: E402
from sync_server.history.store import DynamoHistoryStore, HistoryStore, PostgresHistoryStore  # noqa: E402
from sync_server.messaging.consumers import deliver  # noqa: E402

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PATIENTS = 1_000
RAW_SAMPLE = 2_000
NOW = datetime(2031, 3, 5, 12, 0, tzinfo=UTC)


def fresh_database() -> str:
    name = f"warddesk_histbench_{os.getpid()}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop_database(url: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def seed(factory: Any) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """1,000 patients: half admitted to a ward, each booked with one of 20 doctors (real audiences)."""
    with transaction(factory) as session:
        ward = Ward(code="B1", name="Bench ward")
        doctors = [
            Doctor(full_name=f"Dr. {n}", specialty="General", license_number=f"CRM-B{n}", time_zone="UTC")
            for n in range(20)
        ]
        session.add_all([ward, *doctors])
        session.flush()
        patients = [
            Patient(
                mrn=f"B-{n}",
                full_name=f"Patient {n}",
                birth_date=date(1970, 1, 1),
                ward_id=ward.id if n % 2 else None,
            )
            for n in range(PATIENTS)
        ]
        session.add_all(patients)
        session.flush()
        for n, patient in enumerate(patients):
            starts = NOW - timedelta(days=1, minutes=30 * n)  # no two overlap
            session.add(
                Appointment(
                    doctor_id=doctors[n % 20].id,
                    patient_id=patient.id,
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=20),
                    status="confirmed",
                )
            )
        return [p.id for p in patients], [d.id for d in doctors]


def events(count: int, patients: list[uuid.UUID], doctors: list[uuid.UUID]) -> list[EventEnvelope]:
    """A day's mix: 40% appointment events, 20% payments, 20% notes, 20% documents."""
    made = []
    for n in range(count):
        patient, doctor = patients[n % len(patients)], doctors[n % len(doctors)]
        base = {"patient_id": str(patient), "doctor_id": str(doctor)}
        kind = n % 5
        if kind in (0, 1):
            event_type = EventType.APPOINTMENT_CONFIRMED if kind == 0 else EventType.APPOINTMENT_ATTENDED
            payload = {
                **base,
                "appointment_id": str(uuid.uuid4()),
                "doctor_name": "Dr. Bench",
                "room_name": "Room 1",
                "starts_at": NOW.isoformat(),
                "ends_at": (NOW + timedelta(minutes=20)).isoformat(),
                "time_zone": "UTC",
                "status": "confirmed",
            }
        elif kind == 2:
            event_type = EventType.PAYMENT_RECORDED
            payload = {
                **base,
                "payment_id": str(uuid.uuid4()),
                "appointment_id": str(uuid.uuid4()),
                "amount": "150.00",
                "currency": "BRL",
                "method": "card",
                "desk": "Desk 1",
                "recorded_by": str(uuid.uuid4()),
            }
        elif kind == 3:
            event_type = EventType.NOTE_ADDED
            payload = {
                **base,
                "note_id": str(uuid.uuid4()),
                "noted_on": "2031-03-05",
                "text": "Stable; blood pressure 130/85; review in two weeks. " * 3,
                "author_id": str(uuid.uuid4()),
                "author_name": "Dr. Bench",
            }
        else:
            event_type = EventType.DOCUMENT_ADDED
            payload = {
                **base,
                "document_id": str(uuid.uuid4()),
                "kind": "lab_report",
                "title": "Full blood count",
                "filename": "fbc.pdf",
                "content_type": "application/pdf",
                "uploaded_by": str(uuid.uuid4()),
            }
        made.append(
            EventEnvelope(
                message_id=uuid.uuid4(),
                type=event_type.value,
                occurred_at=NOW + timedelta(milliseconds=n),
                aggregate_type=event_type.value.split(".")[0],
                aggregate_id=str(uuid.uuid4()),
                sequence=n + 1,
                payload=payload,
            )
        )
    return made


class TimedStore:
    """The store, with the time spent in its writes added up."""

    def __init__(self, store: HistoryStore) -> None:
        self.store = store
        self.seconds = 0.0

    def put(self, session: Any, entry: HistoryEntry) -> bool:
        started = time.perf_counter()
        try:
            return self.store.put(session, entry)
        finally:
            self.seconds += time.perf_counter() - started

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def project_all(factory: Any, store: HistoryStore, envelopes: list[EventEnvelope]) -> dict[str, float]:
    timed = TimedStore(store)
    projector = HistoryProjector(timed, clock=lambda: NOW)  # type: ignore[arg-type]
    started = time.perf_counter()
    for envelope in envelopes:
        deliver(factory, projector, envelope)
    elapsed = time.perf_counter() - started
    count = len(envelopes)
    return {
        "per_s": count / elapsed,
        "store_ms": 1000 * timed.seconds / count,
        "rest_ms": 1000 * (elapsed - timed.seconds) / count,
    }


def reset(factory: Any) -> None:
    with transaction(factory) as session:
        from sqlalchemy import text

        session.execute(text("TRUNCATE history_entries, processed_messages, sync_changes"))


def raw_dynamodb_puts_per_s(client: Any, envelopes: list[EventEnvelope]) -> float:
    """Conditional put_item calls alone, one after another (the consumer's pattern), into a fresh table."""
    store = DynamoHistoryStore(client, table=f"raw-{uuid.uuid4().hex[:8]}")
    store.ensure_table()
    entries = [e for e in (project(envelope) for envelope in envelopes[:RAW_SAMPLE]) if e is not None]
    started = time.perf_counter()
    for entry in entries:
        store.put(None, entry)  # type: ignore[arg-type]
    return len(entries) / (time.perf_counter() - started)


def raw_postgres_inserts_per_s(factory: Any, envelopes: list[EventEnvelope]) -> float:
    """The history table's insert alone, one committed transaction per event."""
    store = PostgresHistoryStore()
    entries = [e for e in (project(envelope) for envelope in envelopes[:RAW_SAMPLE]) if e is not None]
    reset(factory)
    started = time.perf_counter()
    for entry in entries:
        with transaction(factory) as session:
            store.put(session, entry)
    return len(entries) / (time.perf_counter() - started)


def to_outbox(factory: Any, envelopes: list[EventEnvelope]) -> None:
    """The events as outbox rows (already published), for the rebuild to replay."""
    from sqlalchemy import insert

    rows = [
        {
            "message_id": e.message_id,
            "event_type": e.type,
            "aggregate_type": e.aggregate_type,
            "aggregate_id": e.aggregate_id,
            "payload": e.payload,
            "occurred_at": e.occurred_at,
            "published_at": e.occurred_at,
            "attempts": 1,
        }
        for e in envelopes
    ]
    for start in range(0, len(rows), 5000):
        with transaction(factory) as session:
            session.execute(insert(OutboxMessage), rows[start : start + 5000])


def rebuild_per_s(factory: Any, store: HistoryStore) -> float:
    """`warddesk-server history rebuild`: the outbox replayed into the empty store, 1,000 events a batch."""
    started = time.perf_counter()
    done = rebuild(factory, store)
    return done.events / (time.perf_counter() - started)


@contextmanager
def moto_server() -> Iterator[str]:
    """moto's server mode in its own process (as a real endpoint would be: not sharing our GIL)."""
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        client = boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=endpoint)
        while True:
            try:
                client.list_tables()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


def timeline() -> dict[str, Any]:
    """The desktop's figure from bench/history_timeline.py (its own process: it starts Qt)."""
    script = ROOT / "bench" / "history_timeline.py"
    if not script.exists():  # the hook: that benchmark prints one JSON line with `timeline_ms`
        return {"timeline_ms_error": "bench/history_timeline.py is missing"}
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=600, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"timeline_ms_error": (done.stderr.strip().splitlines() or ["no output"])[-1][:300]}
    return dict(json.loads(lines[-1]))


def _limits(
    dynamo: dict[str, float], postgres: dict[str, float], raw_dynamo: float, raw_pg: float
) -> dict[str, str]:
    def share(figures: dict[str, float]) -> int:
        return round(100 * figures["store_ms"] / (figures["store_ms"] + figures["rest_ms"]))

    return {
        "dynamodb": (
            f"{share(dynamo)}% of each event is the DynamoDB put: one HTTP round trip per event to moto "
            f"(raw conditional puts alone: {raw_dynamo:.0f}/s); conditional writes cannot be batched; the "
            f"rest is the PostgreSQL transaction (receipt, scope facts, feed record), one commit per event"
        ),
        "postgres": (
            f"{share(postgres)}% of each event is the table's insert; the rest is the receipt, the "
            f"patient's scope facts and the feed record with its NOTIFY, in one transaction and one commit "
            f"(fsync) per event (the insert alone, committed per event: {raw_pg:.0f}/s); one consumer, one "
            f"event at a time"
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--no-timeline", action="store_true", help="skip the desktop's timeline_ms")
    args = parser.parse_args()
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "bench")
    url = fresh_database()
    engine = make_engine(url, pool_size=2)
    try:
        upgrade(url)
        factory = make_session_factory(engine)
        patients, doctors = seed(factory)
        envelopes = events(args.events, patients, doctors)
        postgres = project_all(factory, PostgresHistoryStore(), envelopes)
        raw_pg = raw_postgres_inserts_per_s(factory, envelopes)
        reset(factory)
        to_outbox(factory, envelopes)
        rebuild_pg = rebuild_per_s(factory, PostgresHistoryStore())
        reset(factory)
        with moto_server() as endpoint:
            client = boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=endpoint)
            store = DynamoHistoryStore(client, table="warddesk-history-bench")
            store.ensure_table()
            dynamo = project_all(factory, store, envelopes)
            raw_dynamo = raw_dynamodb_puts_per_s(client, envelopes)
            empty = DynamoHistoryStore(client, table="warddesk-history-rebuild")
            empty.ensure_table()
            rebuild_dynamo = rebuild_per_s(factory, empty)
        figures: dict[str, Any] = {
            "events": args.events,
            "patients": PATIENTS,
            "events_per_s_dynamodb": round(dynamo["per_s"]),
            "events_per_s_postgres": round(postgres["per_s"]),
            "dynamodb_ms_per_event": {
                "store_put": round(dynamo["store_ms"], 3),
                "rest": round(dynamo["rest_ms"], 3),
            },
            "postgres_ms_per_event": {
                "store_insert": round(postgres["store_ms"], 3),
                "rest": round(postgres["rest_ms"], 3),
            },
            "raw_dynamodb_puts_per_s": round(raw_dynamo),
            "raw_postgres_inserts_per_s": round(raw_pg),
            # The same events replayed by `history rebuild` (batches of 1,000 per transaction).
            "rebuild_events_per_s_dynamodb": round(rebuild_dynamo),
            "rebuild_events_per_s_postgres": round(rebuild_pg),
            "limits": _limits(dynamo, postgres, raw_dynamo, raw_pg),
        }
        if not args.no_timeline:
            figures.update(timeline())
        print(json.dumps(figures))
    finally:
        engine.dispose()
        drop_database(url)


if __name__ == "__main__":
    main()
