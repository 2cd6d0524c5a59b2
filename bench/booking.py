"""Booking throughput and latency through the real server, against raw PostgreSQL inserts.

    python bench/booking.py [--clients 32] [--requests 1280] [--contended 0.25] [--workers CORES]

Starts the sync server (uvicorn over create_app) in a subprocess on WARDDESK_BENCH_DATABASE_URL (a
scratch database: its appointments, sagas, outbox and audit log are emptied), or on a fresh database on
localhost that is dropped afterwards; seeds doctors open 08:00-20:00, one patient per request and a
scheduler; then `clients` threads book (POST /appointments) a mix of free slots and a few hot slots
everyone wants, from a light asyncio client (bench/load.py; one keep-alive connection each, never in
the server's process). Afterwards the same rows are inserted straight into PostgreSQL over the same number of
connections, one transaction each, with the exclusion constraints in place.

Prints ONE JSON line: clients, requests, confirmed_per_s, rejected, p50_ms, p99_ms (request to final
outcome; a 202 is polled to its end), double_bookings (counted in the database afterwards),
raw_insert_per_s, ratio (= confirmed_per_s / raw_insert_per_s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import threading
import time
import uuid
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import load  # noqa: E402
from bench.server import running_server  # noqa: E402
from sync_server.auth.passwords import hash_password  # noqa: E402
from sync_server.core.migrations import upgrade  # noqa: E402

ZONE = ZoneInfo("Europe/Lisbon")
DOCTORS = 16
SLOT_MINUTES = 20
SLOTS_PER_DAY = 36  # 08:00-20:00
PASSWORD = "bench horse battery staple"

OVERLAPS = """
SELECT count(*) FROM appointments a JOIN appointments b
  ON a.id < b.id AND a.{col} = b.{col}
 AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)
WHERE a.status IN ('held', 'confirmed') AND b.status IN ('held', 'confirmed')
  AND NOT a.overbooked AND NOT b.overbooked
"""


def plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def fresh_database() -> str:
    admin = "postgresql://postgres@127.0.0.1:5432/postgres"
    name = f"warddesk_bench_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def seed(url: str, *, patients: int) -> tuple[list[str], list[str]]:
    """Doctors open every day 08:00-20:00 Lisbon time, `patients` patients and a scheduler."""
    doctor_ids = [str(uuid.uuid4()) for _ in range(DOCTORS)]
    patient_ids = [str(uuid.uuid4()) for _ in range(patients)]
    with psycopg.connect(plain(url)) as conn, conn.cursor() as cur:
        cur.execute("TRUNCATE appointments, booking_sagas, outbox, audit_log CASCADE")
        cur.executemany(
            "INSERT INTO doctors (id, full_name, specialty, license_number, time_zone, default_slot_minutes,"
            " active) VALUES (%s, %s, 'General practice', %s, 'Europe/Lisbon', %s, true)",
            [
                (d, f"Dr. Bench {n}", f"BENCH-{uuid.uuid4().hex[:12]}", SLOT_MINUTES)
                for n, d in enumerate(doctor_ids)
            ],
        )
        cur.executemany(
            "INSERT INTO availability_rules (id, doctor_id, weekday, starts, ends)"
            " VALUES (%s, %s, %s, %s, %s)",
            [(str(uuid.uuid4()), d, wd, clock(8), clock(20)) for d in doctor_ids for wd in range(1, 8)],
        )
        cur.executemany(
            "INSERT INTO patients (id, mrn, full_name, birth_date, email) VALUES (%s, %s, %s, %s, %s)",
            [
                (p, f"B{uuid.uuid4().hex[:12]}", f"Patient {n}", date(1980, 1, 1), f"p{n}@example.org")
                for n, p in enumerate(patient_ids)
            ],
        )
        cur.execute(
            "INSERT INTO users (id, username, full_name, role, password_hash, active) "
            "VALUES (%s, 'bench-scheduler', 'Bench Scheduler', 'scheduler', %s, true) "
            "ON CONFLICT (username) DO NOTHING",
            (str(uuid.uuid4()), hash_password(PASSWORD)),
        )
    return doctor_ids, patient_ids


def plan_requests(
    doctor_ids: list[str], patient_ids: list[str], *, contended: float, seed_value: int = 7
) -> list[dict[str, str]]:
    """Free slots (each asked for once) mixed with a few hot slots that everyone wants."""
    rng = random.Random(seed_value)
    first_day = date.today() + timedelta(days=60)
    hot = [
        (doctor_ids[n], datetime.combine(first_day, clock(9), tzinfo=ZONE) + timedelta(minutes=20 * n))
        for n in range(8)
    ]
    requests = []
    free_index = 0
    for patient in patient_ids:
        if rng.random() < contended:
            doctor, start = rng.choice(hot)
        else:
            doctor = doctor_ids[free_index % DOCTORS]
            slot = free_index // DOCTORS
            day = first_day + timedelta(days=1 + slot // SLOTS_PER_DAY)
            start = datetime.combine(day, clock(8), tzinfo=ZONE) + timedelta(
                minutes=SLOT_MINUTES * (slot % SLOTS_PER_DAY)
            )
            free_index += 1
        requests.append(
            {
                "doctor_id": doctor,
                "patient_id": patient,
                "starts_at": start.isoformat(),
                "client_request_id": uuid.uuid4().hex,
            }
        )
    return requests


def warm_up(base: str, token: str, doctor_id: str, clients: int) -> None:
    """Concurrent reads first, so opening the server's database connections is not in the figures."""
    now = datetime.now(ZONE)
    params = {"doctor_id": doctor_id, "start": now.isoformat(), "end": (now + timedelta(days=1)).isoformat()}

    def reader() -> None:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
            for _ in range(5):
                http.get("/appointments", params=params).raise_for_status()

    threads = [threading.Thread(target=reader) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def run_clients(
    base: str, token: str, requests: list[dict[str, str]], clients: int
) -> tuple[list[float], dict[str, int], float]:
    """`clients` keep-alive connections of an asyncio client (bench/load.py) book until the requests
    run out; a 202 is polled to its end. The client is light and runs in this process, never in the
    server's."""
    answered_later = [0]

    async def handle(conn: load.Connection, body: dict[str, str]) -> tuple[str, float]:
        began = time.perf_counter()
        answer = await conn.request("POST", "/appointments", body)
        if answer.status == 201:
            outcome = "confirmed"
        elif answer.status == 202:  # still running: poll the saga to its end
            answered_later[0] += 1
            saga = answer.json()["saga"]
            while saga["status"] in ("running", "compensating"):
                await asyncio.sleep(0.05)
                saga = (await conn.request("GET", f"/sagas/{saga['id']}")).json()["saga"]
            outcome = "confirmed" if saga["status"] == "succeeded" else saga["outcome"]["reason_code"]
        else:
            outcome = answer.json().get("error", {}).get("code", str(answer.status))
        return outcome, time.perf_counter() - began

    latencies, outcomes, elapsed = asyncio.run(
        load.run_clients(
            clients,
            requests,
            handle,
            lambda: load.connection(base, {"Authorization": f"Bearer {token}"}),
        )
    )
    if answered_later[0]:
        outcomes["answered_202"] = answered_later[0]
    return latencies, outcomes, elapsed


def raw_inserts(url: str, requests: list[dict[str, str]], clients: int) -> float:
    """Successful plain INSERTs per second of the same rows, one transaction each, `clients` connections."""
    with psycopg.connect(plain(url), autocommit=True) as conn:
        conn.execute("DELETE FROM appointments")
    queue = list(reversed(requests))
    lock = threading.Lock()
    inserted = [0]
    start_line = threading.Barrier(clients)

    def connection() -> None:
        with psycopg.connect(plain(url), autocommit=True) as conn:
            start_line.wait()
            while True:
                with lock:
                    if not queue:
                        return
                    body = queue.pop()
                starts = datetime.fromisoformat(body["starts_at"])
                try:
                    conn.execute(
                        "INSERT INTO appointments (id, doctor_id, patient_id, starts_at, ends_at, status,"
                        " reason, notes, overbooked, version)"
                        " VALUES (%s, %s, %s, %s, %s, 'confirmed', '', '', false, 1)",
                        (
                            str(uuid.uuid4()),
                            body["doctor_id"],
                            body["patient_id"],
                            starts,
                            starts + timedelta(minutes=SLOT_MINUTES),
                        ),
                    )
                except (psycopg.errors.ExclusionViolation, psycopg.errors.DeadlockDetected):
                    continue
                with lock:
                    inserted[0] += 1

    threads = [threading.Thread(target=connection) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return inserted[0] / (time.perf_counter() - began)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its live children (uvicorn workers), from /proc."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=1280)
    parser.add_argument("--contended", type=float, default=0.25, help="share of requests for hot slots")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="uvicorn worker processes (default: one per core, as `serve --workers` is advised to run)",
    )
    args = parser.parse_args()

    own_database = "WARDDESK_BENCH_DATABASE_URL" not in os.environ
    url = fresh_database() if own_database else os.environ["WARDDESK_BENCH_DATABASE_URL"]
    try:
        print(json.dumps(measure(url, args)))
    finally:
        if own_database:
            with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def measure(url: str, args: argparse.Namespace) -> dict[str, object]:
    upgrade(url)
    doctor_ids, patient_ids = seed(url, patients=args.requests)
    requests = plan_requests(doctor_ids, patient_ids, contended=args.contended)

    env = {"WARDDESK_DB_POOL_SIZE": str(max(10, args.clients // args.workers + 4))}
    with running_server(url, workers=args.workers, env=env) as (process, base):
        token = httpx.post(
            f"{base}/auth/token",
            data={"grant_type": "password", "username": "bench-scheduler", "password": PASSWORD},
        ).json()["access_token"]
        warm_up(base, token, doctor_ids[0], args.clients)
        cpu_before = cpu_seconds(process.pid)
        latencies, outcomes, elapsed = run_clients(base, token, requests, args.clients)
        server_cpu = cpu_seconds(process.pid) - cpu_before

    with psycopg.connect(plain(url)) as conn:
        double = sum(
            conn.execute(OVERLAPS.format(col=col)).fetchone()[0]  # type: ignore[index]
            for col in ("doctor_id", "room_id", "patient_id")
        )
    # The best of two runs: the baseline should not be dragged down by a neighbour's burst of work.
    raw_per_s = max(raw_inserts(url, requests, args.clients) for _ in range(2))
    answered_later = outcomes.pop("answered_202", 0)
    confirmed = outcomes.get("confirmed", 0)
    confirmed_per_s = confirmed / elapsed
    return {
        "clients": args.clients,
        "requests": len(requests),
        "confirmed_per_s": round(confirmed_per_s, 1),
        "rejected": len(requests) - confirmed,
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "double_bookings": double,
        "raw_insert_per_s": round(raw_per_s, 1),
        "ratio": round(confirmed_per_s / raw_per_s, 3) if raw_per_s else None,
        # Context for reading the figures above.
        "outcomes": outcomes,
        "answered_202": answered_later,
        "p90_ms": round(percentile(latencies, 0.90) * 1000, 1),
        "max_ms": round(max(latencies, default=0) * 1000, 1),
        "server_workers": args.workers,
        "server_cpu_ms_per_request": round(server_cpu * 1000 / len(requests), 1),
        "load_average": round(os.getloadavg()[0], 1),
    }


if __name__ == "__main__":
    main()
