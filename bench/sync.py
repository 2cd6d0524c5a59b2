"""Sync throughput and latency through the real server, against a raw PostgreSQL-to-SQLite copy.

    python bench/sync.py [--appointments 100000] [--tickets 20000] [--patients 10000] [--samples 50]

Seeds a scratch database (WARDDESK_BENCH_DATABASE_URL, emptied; or a fresh database on localhost that
is dropped afterwards) straight in PostgreSQL: doctors, patients, appointments, refill tickets with
their lines and history, and the change feed rows the server would have written for them. Starts the
sync server (uvicorn over create_app) in a subprocess, then measures:

- initial sync: fresh desktop caches (LocalStore + SyncEngine, the real desktop code) pull everything
  in their scope: a scheduler's cache gets the appointments and patients, a pharmacist's the tickets
  (no single role sees all three kinds). Each runs in its own process so its peak RSS is its own.
  rows_per_s = all rows / the sum of both sync times; peak_rss_mb = the larger peak.
- raw baseline: the same rows read with psycopg straight from the feed table and inserted into a
  fresh cache's tables with one sqlite3 executemany per table, in one transaction; no HTTP.
- push_1000_s: a nurse queues 1,000 tickets offline, then pushes them (SyncEngine.push).
- p50_ms / p99_ms: a second nurse of the same ward is long-polling (SyncEngine.run_forever); the first
  pushes one ticket at a time; from the start of the push to the second nurse's cache holding it.

Prints ONE JSON line: rows_per_s, seconds, peak_rss_mb, raw_rows_per_s, ratio, push_1000_s, p50_ms,
p99_ms, and context (rows, per-client figures, seed time, load average).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.server import running_server  # noqa: E402
from desktop.store import LocalStore  # noqa: E402
from desktop.store.mutations import queue_ticket_submit  # noqa: E402
from desktop.sync import Connection, SessionTokens, SyncClient, SyncEngine  # noqa: E402
from shared.protocol import Entity  # noqa: E402
from sync_server.auth.passwords import hash_password  # noqa: E402
from sync_server.core.migrations import upgrade  # noqa: E402

PASSWORD = "bench horse battery staple"
DOCTORS = 50
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def fresh_database() -> str:
    name = f"warddesk_syncbench_{os.getpid()}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


# ---- seeding: rows and their feed changes, built in SQL (seconds, not minutes) ----

_EMPTY = (
    "TRUNCATE sync_changes, sync_mutation_results, sync_clients, ticket_history, ticket_lines,"
    " refill_tickets, notifications, appointments, booking_sagas, outbox, audit_log, patients,"
    " availability_rules, doctors, user_wards, users, medications, wards CASCADE"
)

_APPOINTMENT_JSON = """jsonb_build_object(
    'id', a.id, 'doctor_id', a.doctor_id, 'patient_id', a.patient_id, 'room_id', a.room_id,
    'starts_at', a.starts_at, 'ends_at', a.ends_at, 'status', a.status, 'reason', a.reason,
    'notes', a.notes, 'cancel_reason', a.cancel_reason, 'rejection_code', a.rejection_code,
    'rejection_message', a.rejection_message, 'alternatives', '[]'::jsonb, 'overbooked', a.overbooked,
    'rescheduled_from_id', a.rescheduled_from_id, 'rescheduled_to_id', a.rescheduled_to_id,
    'booked_by', a.booked_by, 'client_request_id', a.client_request_id, 'version', a.version)"""

_PATIENT_JSON = """jsonb_build_object(
    'id', p.id, 'mrn', p.mrn, 'full_name', p.full_name, 'birth_date', p.birth_date, 'email', p.email,
    'phone', p.phone, 'ward_id', p.ward_id, 'created_at', p.created_at, 'updated_at', p.updated_at)"""

_TICKET_JSON = """jsonb_build_object(
    'id', t.id, 'ward_id', t.ward_id, 'requested_by', t.requested_by,
    'requested_by_name', t.requested_by_name, 'priority', t.priority, 'needed_by', t.needed_by,
    'notes', t.notes, 'status', t.status, 'version', t.version, 'has_discrepancy', t.has_discrepancy,
    'submitted_at', t.submitted_at, 'created_at', t.created_at, 'updated_at', t.updated_at,
    'rejection_reason', t.rejection_reason, 'cancel_reason', t.cancel_reason,
    'lines', jsonb_build_array(jsonb_build_object(
        'line_id', l.line_id, 'medication_code', l.medication_code, 'quantity', l.quantity, 'unit', l.unit,
        'approved_quantity', l.approved_quantity, 'approval_reason', l.approval_reason,
        'dispatched_quantity', l.dispatched_quantity, 'received_quantity', l.received_quantity,
        'discrepancy_note', l.discrepancy_note, 'remainder_cancelled', l.remainder_cancelled)),
    'history', jsonb_build_array(jsonb_build_object(
        'at', h.at, 'actor_id', h.actor_id, 'actor_name', h.actor_name, 'actor_role', h.actor_role,
        'action', h.action, 'from_status', h.from_status, 'to_status', h.to_status, 'version', h.version)))"""


def seed(url: str, *, appointments: int, tickets: int, patients: int) -> dict[str, str]:
    """The hospital the bench syncs; returns the ward the latency nurses work on, by name."""
    ward_big, ward_small = str(uuid.uuid4()), str(uuid.uuid4())
    users = {
        "bench-scheduler": ("scheduler", None),
        "bench-pharmacist": ("pharmacist", None),
        "bench-nurse-big": ("nurse", ward_big),
        "bench-nurse-a": ("nurse", ward_small),
        "bench-nurse-b": ("nurse", ward_small),
    }
    password_hash = hash_password(PASSWORD)
    with psycopg.connect(plain(url)) as conn, conn.cursor() as cur:
        cur.execute("SET TIME ZONE 'UTC'")
        cur.execute(_EMPTY)
        cur.execute(
            "INSERT INTO wards (id, code, name, active) VALUES (%s, 'W1', 'Ward 1', true),"
            " (%s, 'W2', 'Ward 2', true)",
            (ward_big, ward_small),
        )
        cur.execute(
            "INSERT INTO medications (code, name, form, strength, unit, active, pack_size)"
            " VALUES ('PARA500', 'Paracetamol', 'tablet', '500 mg', 'tablet', true, 1)"
        )
        ids = {}
        for username, (role, ward) in users.items():
            ids[username] = str(uuid.uuid4())
            cur.execute(
                "INSERT INTO users (id, username, full_name, role, password_hash, active)"
                " VALUES (%s, %s, %s, %s, %s, true)",
                (ids[username], username, username.replace("-", " ").title(), role, password_hash),
            )
            if ward:
                cur.execute(
                    "INSERT INTO user_wards (user_id, ward_id) VALUES (%s, %s)", (ids[username], ward)
                )
        cur.execute(
            "CREATE TEMP TABLE d AS SELECT i, gen_random_uuid() AS id FROM generate_series(0, %s) i",
            (DOCTORS - 1,),
        )
        cur.execute(
            "INSERT INTO doctors (id, full_name, specialty, license_number, time_zone, default_slot_minutes,"
            " active) SELECT id, 'Dr. Bench ' || i, 'General practice', 'BENCH-' || i, 'Europe/Lisbon', 20,"
            " true FROM d"
        )
        cur.execute(
            "CREATE TEMP TABLE p AS SELECT i, gen_random_uuid() AS id FROM generate_series(0, %s) i",
            (patients - 1,),
        )
        cur.execute(
            "INSERT INTO patients (id, mrn, full_name, birth_date, email, phone, ward_id)"
            " SELECT id, 'MRN' || lpad(i::text, 8, '0'), 'Patient ' || i, date '1940-01-01' + (i % 25000),"
            " 'patient' || i || '@example.org', '+351 21 000 ' || lpad((i % 10000)::text, 4, '0'), NULL"
            " FROM p"
        )
        # Doctor i % DOCTORS, one 20-minute slot after another: no doctor or patient is double-booked.
        cur.execute(
            "INSERT INTO appointments (id, doctor_id, patient_id, starts_at, ends_at, status, reason, notes,"
            " overbooked, booked_by, version)"
            " SELECT gen_random_uuid(), d.id, p.id,"
            "  timestamptz '2026-01-05 08:00+00' + make_interval(mins => 20 * (g.i / %(doctors)s)),"
            "  timestamptz '2026-01-05 08:20+00' + make_interval(mins => 20 * (g.i / %(doctors)s)),"
            "  'confirmed', 'follow-up consultation', '', false, %(booker)s, 1"
            " FROM generate_series(0, %(n)s) AS g(i)"
            " JOIN d ON d.i = g.i %% %(doctors)s JOIN p ON p.i = g.i %% %(patients)s",
            {
                "doctors": DOCTORS,
                "patients": patients,
                "n": appointments - 1,
                "booker": ids["bench-scheduler"],
            },
        )
        cur.execute(
            "INSERT INTO refill_tickets (id, ward_id, requested_by, requested_by_name, priority, needed_by,"
            " notes, status, version, has_discrepancy, submitted_at, created_at, updated_at)"
            " SELECT gen_random_uuid(), %s, %s, 'Bench Nurse Big',"
            "  (ARRAY['routine', 'urgent', 'stat'])[1 + i %% 3], now() + make_interval(hours => i %% 72),"
            "  'bed ' || (i %% 30), 'submitted', 1, false, now(), now(), now()"
            " FROM generate_series(1, %s) i",
            (ward_big, ids["bench-nurse-big"], tickets),
        )
        cur.execute(
            "INSERT INTO ticket_lines (ticket_id, line_id, position, medication_code, quantity, unit,"
            " dispatched_quantity, remainder_cancelled)"
            " SELECT id, gen_random_uuid(), 0, 'PARA500', 20, 'tablet', 0, false FROM refill_tickets"
        )
        cur.execute(
            "INSERT INTO ticket_history (ticket_id, at, actor_id, actor_name, actor_role, action,"
            " from_status, to_status, version, details)"
            " SELECT id, submitted_at, requested_by, requested_by_name, 'nurse', 'submit', 'draft',"
            " 'submitted', 1, '{}'::jsonb FROM refill_tickets"
        )
        # The feed: what record_change would have written, one row per record and scope.
        cur.execute(
            "INSERT INTO sync_changes (scope, entity, entity_id, version, deleted, data)"
            f" SELECT s.scope, 'appointment', a.id, a.version, false, {_APPOINTMENT_JSON}"
            " FROM appointments a CROSS JOIN LATERAL"
            " (VALUES ('doctor:' || a.doctor_id), ('calendar')) AS s(scope) ORDER BY a.starts_at"
        )
        cur.execute(
            "INSERT INTO sync_changes (scope, entity, entity_id, version, deleted, data)"
            f" SELECT 'patients', 'patient', p.id, 1, false, {_PATIENT_JSON} FROM patients p"
        )
        cur.execute(
            "INSERT INTO sync_changes (scope, entity, entity_id, version, deleted, data)"
            f" SELECT s.scope, 'ticket', t.id, t.version, false, {_TICKET_JSON}"
            " FROM refill_tickets t JOIN ticket_lines l ON l.ticket_id = t.id"
            " JOIN ticket_history h ON h.ticket_id = t.id"
            " CROSS JOIN LATERAL (VALUES ('ward:' || t.ward_id), ('pharmacy')) AS s(scope)"
        )
    with psycopg.connect(plain(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return {"ward": ward_small}


# ---- the server ----


# ---- one desktop ----


class Desktop:
    """A signed-in desktop: its own cache file, session, client and engine (the app's real classes)."""

    def __init__(self, base: str, username: str, data_dir: Path, *, long_poll_seconds: float = 20) -> None:
        self.store = LocalStore.open_for_user(server_url=base, username=username, data_dir=data_dir)
        answer = httpx.post(
            f"{base}/auth/token", data={"grant_type": "password", "username": username, "password": PASSWORD}
        )
        answer.raise_for_status()
        self.tokens = SessionTokens(
            base_url=base,
            access_token=answer.json()["access_token"],
            refresh_token=answer.json()["refresh_token"],
        )
        self.client = SyncClient(base, tokens=self.tokens, timeout=60)
        self.engine = SyncEngine(self.store, self.client, long_poll_seconds=long_poll_seconds)

    def close(self) -> None:
        self.client.close()
        self.tokens.close()
        self.store.close()


def initial_sync_in_this_process(base: str, username: str) -> dict[str, Any]:
    """Child-process mode: a fresh cache pulls everything in scope. Peak RSS is this process's."""
    with tempfile.TemporaryDirectory(prefix="warddesk-bench-") as data_dir:
        desktop = Desktop(base, username, Path(data_dir))
        began = time.perf_counter()
        rows = desktop.engine.pull()
        seconds = time.perf_counter() - began
        desktop.close()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"rows": rows, "seconds": seconds, "peak_rss_mb": peak_kb / 1024}


_RAW_READ = """
SELECT entity, CAST(entity_id AS text), version, CAST(data AS text),
       data->>'ward_id', data->>'status', data->>'priority', data->>'doctor_id', data->>'patient_id',
       to_char(CAST(data->>'needed_by' AS timestamptz) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'),
       to_char(CAST(data->>'starts_at' AS timestamptz) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'),
       to_char(CAST(data->>'ends_at' AS timestamptz) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'),
       to_char(CAST(data->>'submitted_at' AS timestamptz) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')
  FROM sync_changes WHERE scope = ANY(%s) AND NOT deleted ORDER BY seq
"""


def raw_copy_in_this_process(url: str, scopes: list[str]) -> dict[str, Any]:
    """Child-process mode: the baseline. The same rows from PostgreSQL into a fresh cache's tables."""
    with tempfile.TemporaryDirectory(prefix="warddesk-bench-raw-") as data_dir:
        LocalStore.open(Path(data_dir) / "cache.sqlite", server_url="http://raw", username="raw").close()
        began = time.perf_counter()
        tickets: list[tuple[Any, ...]] = []
        appointments: list[tuple[Any, ...]] = []
        records: list[tuple[Any, ...]] = []
        with psycopg.connect(plain(url)) as conn, conn.cursor(name="raw") as cur:
            cur.itersize = 5000
            cur.execute(_RAW_READ, (scopes,))
            for (
                entity,
                id_,
                version,
                data,
                ward,
                status,
                priority,
                doctor,
                patient,
                needed,
                starts,
                ends,
                submitted,
            ) in cur:
                if entity == Entity.TICKET:
                    tickets.append((id_, ward, status, priority, needed, submitted, version, data))
                elif entity == Entity.APPOINTMENT:
                    appointments.append((id_, doctor, patient, starts, ends, status, version, data))
                else:
                    records.append((entity, id_, version, data))
        db = sqlite3.connect(Path(data_dir) / "cache.sqlite", isolation_level=None)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("BEGIN IMMEDIATE")
        db.executemany(
            "INSERT INTO tickets (id, ward_id, status, priority, needed_by, submitted_at, version, data,"
            " pending) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
            tickets,
        )
        db.executemany(
            "INSERT INTO appointments (id, doctor_id, patient_id, starts_at, ends_at, status, version, data,"
            " pending) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
            appointments,
        )
        db.executemany(
            "INSERT INTO records (entity, id, version, data, pending) VALUES (?, ?, ?, ?, 0)", records
        )
        db.execute("COMMIT")
        db.close()
        seconds = time.perf_counter() - began
    return {"rows": len(tickets) + len(appointments) + len(records), "seconds": seconds}


def in_child(*args: str) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True, cwd=REPO
    ).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


# ---- push and latency, in this process ----


def submit_offline(store: LocalStore, ward_id: str, *, count: int) -> list[uuid.UUID]:
    ids = []
    for n in range(count):
        draft = store.save_draft(
            ward_id=uuid.UUID(ward_id),
            data={
                "priority": "routine",
                "notes": f"bench {n}",
                "lines": [
                    {
                        "line_id": str(uuid.uuid4()),
                        "medication_code": "PARA500",
                        "quantity": 10,
                        "unit": "tablet",
                    }
                ],
            },
        )
        ids.append(queue_ticket_submit(store, draft_id=draft).entity_id)
    return ids


def measure_push(base: str, ward_id: str, data_dir: Path, *, count: int = 1000) -> float:
    nurse = Desktop(base, "bench-nurse-a", data_dir / "push")
    try:
        nurse.engine.pull()
        submit_offline(nurse.store, ward_id, count=count)
        began = time.perf_counter()
        nurse.engine.push()
        seconds = time.perf_counter() - began
        states = {e.state for e in nurse.store.outbox_entries()}
        if states != {"applied"}:
            raise SystemExit(f"the push did not apply every ticket: {states}")
        return seconds
    finally:
        nurse.close()


def measure_latency(base: str, ward_id: str, data_dir: Path, *, samples: int) -> list[float]:
    """From the start of one nurse's push to the other nurse's cache holding the ticket (long poll)."""
    writer = Desktop(base, "bench-nurse-a", data_dir / "writer")
    reader = Desktop(base, "bench-nurse-b", data_dir / "reader", long_poll_seconds=25)
    writer.engine.pull()
    waiting: dict[str, Any] = {}
    seen = threading.Event()

    def look(_status: Any) -> None:
        wanted = waiting.get("id")
        if wanted is not None and reader.store.record(Entity.TICKET, wanted) is not None:
            seen.set()

    reader.engine.listeners.append(look)
    stop = threading.Event()
    follower = threading.Thread(target=reader.engine.run_forever, args=(stop,), daemon=True)
    follower.start()
    latencies = []
    try:
        deadline = time.monotonic() + 120
        while reader.engine.status.state is not Connection.ONLINE:  # initial sync done, long-polling
            if time.monotonic() > deadline:
                raise SystemExit("the reader never came online")
            time.sleep(0.05)
        for _ in range(samples):
            time.sleep(0.1)  # the reader's long poll is back in place
            (ticket_id,) = submit_offline(writer.store, ward_id, count=1)
            seen.clear()
            waiting["id"] = ticket_id
            began = time.perf_counter()
            writer.engine.push()
            if not seen.wait(10):
                raise SystemExit("the other desktop never saw the change")
            latencies.append(time.perf_counter() - began)
    finally:
        stop.set()
        reader.client.close()
        follower.join(30)
        writer.close()
        reader.close()
    return latencies


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def measure(url: str, args: argparse.Namespace) -> dict[str, Any]:
    upgrade(url)
    seeded_at = time.perf_counter()
    hospital = seed(url, appointments=args.appointments, tickets=args.tickets, patients=args.patients)
    seed_seconds = time.perf_counter() - seeded_at
    with running_server(url) as (_process, base):
        scheduler = in_child("--initial-sync", base, "bench-scheduler")
        pharmacist = in_child("--initial-sync", base, "bench-pharmacist")
        raw = in_child("--raw-copy", url, "calendar,patients,reference")
        raw_tickets = in_child("--raw-copy", url, "pharmacy,reference")
        with tempfile.TemporaryDirectory(prefix="warddesk-bench-") as data_dir:
            push_seconds = measure_push(base, hospital["ward"], Path(data_dir))
            latencies = measure_latency(base, hospital["ward"], Path(data_dir), samples=args.samples)

    rows = scheduler["rows"] + pharmacist["rows"]
    seconds = scheduler["seconds"] + pharmacist["seconds"]
    raw_rows = raw["rows"] + raw_tickets["rows"]
    raw_seconds = raw["seconds"] + raw_tickets["seconds"]
    if raw_rows != rows:
        raise SystemExit(f"the baseline copied {raw_rows} rows but the desktops synced {rows}")
    rows_per_s = rows / seconds
    raw_per_s = raw_rows / raw_seconds
    return {
        "rows_per_s": round(rows_per_s),
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(max(scheduler["peak_rss_mb"], pharmacist["peak_rss_mb"]), 1),
        "raw_rows_per_s": round(raw_per_s),
        "ratio": round(rows_per_s / raw_per_s, 3),
        "push_1000_s": round(push_seconds, 3),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        # Context for reading the figures above.
        "rows": rows,
        "scheduler": {
            "rows": scheduler["rows"],
            "seconds": round(scheduler["seconds"], 2),
            "peak_rss_mb": round(scheduler["peak_rss_mb"], 1),
        },
        "pharmacist": {
            "rows": pharmacist["rows"],
            "seconds": round(pharmacist["seconds"], 2),
            "peak_rss_mb": round(pharmacist["peak_rss_mb"], 1),
        },
        "raw_seconds": round(raw_seconds, 2),
        "seed_seconds": round(seed_seconds, 1),
        "latency_samples": len(latencies),
        "load_average": round(os.getloadavg()[0], 1),
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--initial-sync":
        print(json.dumps(initial_sync_in_this_process(sys.argv[2], sys.argv[3])))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--raw-copy":
        print(json.dumps(raw_copy_in_this_process(sys.argv[2], sys.argv[3].split(","))))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--appointments", type=int, default=100_000)
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=50, help="long-poll latency samples")
    args = parser.parse_args()

    own_database = "WARDDESK_BENCH_DATABASE_URL" not in os.environ
    url = fresh_database() if own_database else os.environ["WARDDESK_BENCH_DATABASE_URL"]
    try:
        print(json.dumps(measure(url, args)))
    finally:
        if own_database:
            with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


if __name__ == "__main__":
    main()
