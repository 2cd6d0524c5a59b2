"""A ward day through nginx to two server processes: 1,000 simulated desktops (default).

    python bench/load_day.py [--clients 1000] [--seconds 60] [--think 120] [--generators 2] [--servers 2]

Starts the scaled-out deployment of tests/scale/cluster.py on loopback: nginx (Debian's package) in
front of `--servers` `warddesk-server serve` processes, one outbox relay and one consumer worker, on a
fresh PostgreSQL database (dropped afterwards) and a private RabbitMQ topology. Seeds a hospital of
100 wards: nine nurses' desktops a ward and a scheduler desk per ten desktops, each signed in (the
sessions are written straight to the database: an argon2 sign-in per desk would be the whole bench).

Every desktop first syncs its scope (not measured), then, for `--seconds`:
- keeps one long poll open (wait=25 s), as the desktop does all day, and pulls when it is woken;
- on its own connection, every `--think` seconds on average (exponential; 120: a desk busy all shift,
  30 actions an hour): a nurse submits a refill ticket (push, 60%) or presses "sync now" (pull, 40%); a
  scheduler books a slot (POST /appointments, 50%), looks at a doctor's day (GET /appointments, 30%) or
  pulls (20%). Every ticket wakes the long polls of its ward's nine desks, which pull it at once.
  `--think 30` is a rush four times as busy: use it to find what saturates.

The desktops run in `--generators` processes of their own (asyncio, one keep-alive connection per
long poll and per desk, bench/load.py), never in the servers' interpreters.

Prints ONE JSON line: clients, requests_per_s (every answered request, long polls included),
p50_ms / p99_ms (pushes, pulls, bookings and reads; a long poll's time is its wait), error_rate (answers
other than 2xx and a booking's 409 slot_taken, and broken connections, over all requests),
server_cpu_pct (both serve processes together; 100 = one core), server_rss_mb (their sum),
long_polls_open (the most seen waiting at once, from the servers' /metrics), and context.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import resource
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import load  # noqa: E402
from sync_server.core.migrations import upgrade  # noqa: E402
from tests.scale.cluster import MEDICATION, SECRET, Cluster, Hospital, seed_hospital  # noqa: E402

ZONE = ZoneInfo("Europe/Lisbon")
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
AMQP_URL = os.environ.get("WARDDESK_BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
WARDS = 100
LONG_POLL_SECONDS = 25
HEADERS = {"X-WardDesk-Protocol": "1", "X-WardDesk-Client": "WardDesk load_day bench"}


def fresh_database() -> str:
    name = f"warddesk_loadday_{os.getpid()}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def signed_in(url: str, usernames: list[str]) -> dict[str, str]:
    """A session per desk, written as a sign-in writes it, and its access token (2 hours)."""
    from shared.roles import Role
    from sync_server.auth.tokens import issue_access_token

    tokens = {}
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT username, id, role FROM users WHERE username = ANY(%s)", (usernames,))
        rows = cur.fetchall()
        families = [(uuid.uuid4(), user_id) for _, user_id, _ in rows]
        cur.executemany("INSERT INTO session_families (id, user_id) VALUES (%s, %s)", families)
        for (username, user_id, role), (family, _) in zip(rows, families, strict=True):
            tokens[username], _ = issue_access_token(
                secret=SECRET,
                user_id=user_id,
                role=Role(role),
                session_id=family,
                lifetime=timedelta(hours=2),
            )
    return tokens


# -- one generator process: its share of the desks --------------------------------------------------


class Tally:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.requests = 0
        self.long_polls = 0
        self.errors: dict[str, int] = {}
        self.outcomes: dict[str, int] = {}
        self.synced = 0

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1

    def outcome(self, what: str) -> None:
        self.outcomes[what] = self.outcomes.get(what, 0) + 1


async def _request(
    conn: load.Connection, tally: Tally, method: str, path: str, body: Any = None
) -> load.Answer | None:
    try:
        answer = await conn.request(method, path, body)
    except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
        await conn.close()
        tally.requests += 1
        tally.error(f"{method} {path.split('?')[0]}: {type(exc).__name__}")
        return None
    tally.requests += 1
    return answer


async def _sync(conn: load.Connection, tally: Tally) -> str:
    """The desk's initial sync: every page of its scope; returns the cursor to follow."""
    cursor = ""
    try:
        while True:
            answer = await _request(conn, tally, "GET", f"/sync/pull?cursor={quote(cursor)}&limit=5000")
            if answer is None or answer.status != 200:
                tally.error(f"initial sync: {answer.status if answer else 'no answer'}")
                return cursor
            page = answer.json()
            cursor = page["cursor"]
            if not page["has_more"]:
                return cursor
    finally:
        tally.synced += 1


async def desk(
    desk_spec: dict[str, Any],
    *,
    base_url: str,
    think: float,
    gate: asyncio.Semaphore,
    started: asyncio.Event,
    until: list[float],
    tally: Tally,
) -> str:
    headers = {**HEADERS, "Authorization": f"Bearer {desk_spec['token']}"}
    poll_conn = load.connection(base_url, headers)
    work_conn = load.connection(base_url, headers)
    rng = random.Random(desk_spec["seed"])
    async with gate:  # a shift starting: desks sync a few at a time, not all at one instant
        cursor = [await _sync(poll_conn, tally)]
    client_id, mutation = str(uuid.uuid4()), 0
    await started.wait()

    async def long_poll() -> None:
        # Desktops renew their long polls at moments of their own, not all at the bench's start: the
        # first wait is a random part of the full one.
        wait = rng.uniform(1, LONG_POLL_SECONDS)
        while time.monotonic() < until[0]:
            answer = await _request(
                poll_conn, tally, "GET", f"/sync/pull?cursor={quote(cursor[0])}&wait={wait:.1f}"
            )
            wait = LONG_POLL_SECONDS
            tally.long_polls += 1
            if answer is None:
                await asyncio.sleep(1)
                continue
            if answer.status != 200:
                tally.error(f"long poll: {answer.status}")
                await asyncio.sleep(1)
                continue
            page = answer.json()
            cursor[0] = page["cursor"]
            while page["has_more"]:
                answer = await _request(poll_conn, tally, "GET", f"/sync/pull?cursor={quote(cursor[0])}")
                if answer is None or answer.status != 200:
                    break
                page = answer.json()
                cursor[0] = page["cursor"]

    async def act() -> None:
        nonlocal mutation
        while True:
            await asyncio.sleep(rng.expovariate(1 / think))
            if time.monotonic() >= until[0]:
                return
            roll = rng.random()
            began = time.perf_counter()
            if desk_spec["role"] == "nurse":
                if roll < 0.6:
                    mutation += 1
                    kind = "push"
                    body = {
                        "client_id": client_id,
                        "mutations": [
                            {
                                "client_id": client_id,
                                "mutation_id": mutation,
                                "idempotency_key": str(uuid.uuid4()),
                                "name": "ticket.submit",
                                "entity_id": str(uuid.uuid4()),
                                "payload": {
                                    "ward_id": desk_spec["ward"],
                                    "lines": [
                                        {
                                            "line_id": str(uuid.uuid4()),
                                            "medication_code": MEDICATION,
                                            "quantity": 10,
                                            "unit": "tablet",
                                        }
                                    ],
                                },
                                "made_at": datetime.now(UTC).isoformat(),
                            }
                        ],
                    }
                    answer = await _request(work_conn, tally, "POST", "/sync/push", body)
                else:
                    kind = "pull"
                    answer = await _request(work_conn, tally, "GET", f"/sync/pull?cursor={quote(cursor[0])}")
            elif roll < 0.5:
                kind = "book"
                answer = await _request(
                    work_conn, tally, "POST", "/appointments", desk_spec["bookings"].pop()
                )
            elif roll < 0.8:
                kind = "day"
                answer = await _request(work_conn, tally, "GET", desk_spec["day_query"])
            else:
                kind = "pull"
                answer = await _request(work_conn, tally, "GET", f"/sync/pull?cursor={quote(cursor[0])}")
            if answer is None:
                continue
            tally.latencies.append(time.perf_counter() - began)
            if answer.status in (200, 201, 202):
                tally.outcome(kind)
            elif kind == "book" and answer.status == 409:
                tally.outcome("book refused (slot taken)")
            else:
                tally.error(f"{kind}: {answer.status} {answer.body[:120]!r}")

    try:
        await asyncio.gather(long_poll(), act())
    finally:
        await poll_conn.close()
        await work_conn.close()
    return desk_spec["role"]


def generator(desks: list[dict[str, Any]], base_url: str, think: float, seconds: float, pipe: Any) -> None:
    """One load generator process: sync every desk, tell the parent, wait for the go, run, report."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    async def main() -> None:
        tally = Tally()
        started = asyncio.Event()
        until = [0.0]
        gate = asyncio.Semaphore(32)
        tasks = [
            asyncio.create_task(
                desk(
                    spec, base_url=base_url, think=think, gate=gate, started=started, until=until, tally=tally
                )
            )
            for spec in desks
        ]
        while tally.synced < len(desks):
            await asyncio.sleep(0.2)
        pipe.send({"synced": tally.synced, "errors": tally.errors})
        await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
        tally.requests, tally.long_polls, tally.latencies, tally.errors = 0, 0, [], {}
        tally.outcomes = {}
        until[0] = time.monotonic() + seconds
        started.set()
        await asyncio.sleep(seconds)
        measured = (
            tally.requests,
            tally.long_polls,
            list(tally.latencies),
            dict(tally.errors),
            dict(tally.outcomes),
        )
        for task in tasks:  # requests still in flight (long polls, mostly) are not counted
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        tally.requests, tally.long_polls, tally.latencies, tally.errors, tally.outcomes = measured
        pipe.send(
            {
                "latencies": tally.latencies,
                "requests": tally.requests,
                "long_polls": tally.long_polls,
                "errors": tally.errors,
                "outcomes": tally.outcomes,
            }
        )

    asyncio.run(main())


# -- the parent: deployment, desks, measurement -------------------------------------------------------


def plan_desks(hospital: Hospital, tokens: dict[str, str], clients: int) -> list[dict[str, Any]]:
    first_day = date.today() + timedelta(days=60)
    desks: list[dict[str, Any]] = []
    patients = iter(hospital.patient_ids)
    slot = 0
    for index, scheduler in enumerate(hospital.schedulers):
        doctor = hospital.doctor_ids[index % len(hospital.doctor_ids)]
        bookings = []
        for _ in range(20):
            day = first_day + timedelta(days=slot // 36)
            starts = datetime.combine(day, clock(8), tzinfo=ZONE) + timedelta(minutes=20 * (slot % 36))
            bookings.append(
                {
                    "doctor_id": hospital.doctor_ids[(index + slot) % len(hospital.doctor_ids)],
                    "patient_id": next(patients),
                    "starts_at": starts.isoformat(),
                    "client_request_id": uuid.uuid4().hex,
                }
            )
            slot += 1
        start = datetime.combine(first_day, clock(0), tzinfo=ZONE)
        day_query = (
            f"/appointments?doctor_id={doctor}&start={start.isoformat().replace('+', '%2B')}"
            f"&end={(start + timedelta(days=1)).isoformat().replace('+', '%2B')}"
        )
        desks.append(
            {
                "role": "scheduler",
                "token": tokens[scheduler],
                "bookings": bookings,
                "day_query": day_query,
                "seed": index,
            }
        )
    for index, (nurse, ward) in enumerate(hospital.nurses.items()):
        desks.append({"role": "nurse", "token": tokens[nurse], "ward": ward, "seed": 10_000 + index})
    random.Random(3).shuffle(desks)
    return desks[:clients]


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--think", type=float, default=120.0, help="mean seconds between a desk's actions")
    parser.add_argument("--generators", type=int, default=2)
    parser.add_argument("--servers", type=int, default=2)
    args = parser.parse_args()

    url = fresh_database()
    cluster: Cluster | None = None
    try:
        upgrade(url)
        schedulers = max(1, args.clients // 10)
        nurses = args.clients - schedulers
        seeded = time.perf_counter()
        hospital = seed_hospital(
            url,
            wards=WARDS,
            doctors=40,
            patients=max(500, schedulers * 20),
            nurses=nurses,
            schedulers=schedulers,
        )
        tokens = signed_in(url, [*hospital.nurses, *hospital.schedulers])
        seed_seconds = time.perf_counter() - seeded
        cluster = Cluster(
            url,
            AMQP_URL,
            amqp_prefix=f"bench-{uuid.uuid4().hex[:8]}.",
            servers=args.servers,
            relays=1,
            workers=1,
            env={k: v for k, v in os.environ.items() if k.startswith("WARDDESK_") and "BENCH" not in k},
        ).start()
        desks = plan_desks(hospital, tokens, args.clients)
        pipes, processes = [], []
        context = multiprocessing.get_context("spawn")
        for index in range(args.generators):
            parent, child = context.Pipe()
            process = context.Process(
                target=generator,
                args=(desks[index :: args.generators], cluster.base_url, args.think, args.seconds, child),
                name=f"load-generator-{index}",
            )
            process.start()
            pipes.append(parent)
            processes.append(process)
        synced_at = time.perf_counter()
        for pipe in pipes:
            answer = pipe.recv()
            if answer["errors"]:
                raise SystemExit(f"a load generator's desks failed their initial sync: {answer['errors']}")
        sync_seconds = time.perf_counter() - synced_at

        servers = [p.pid for p in cluster.serve]
        cpu_before = sum(_cpu_seconds(pid) for pid in servers)
        began = time.perf_counter()
        for pipe in pipes:
            pipe.send("go")
        long_polls_open, rss = 0, [0.0]
        stop = threading.Event()

        def sample() -> None:
            nonlocal long_polls_open
            while not stop.wait(2.0):
                long_polls_open = max(long_polls_open, sum(cluster.long_polls_open(p) for p in cluster.serve))
                rss[0] = max(rss[0], sum(_rss_mb(pid) for pid in servers))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        results = [pipe.recv() for pipe in pipes]
        elapsed = time.perf_counter() - began
        stop.set()
        sampler.join()
        cpu = sum(_cpu_seconds(pid) for pid in servers) - cpu_before
        for process in processes:
            process.join(timeout=30)
    finally:
        if cluster is not None:
            cluster.stop()
            cluster.delete_topology()
        drop_database(url)

    latencies = sorted(x for r in results for x in r["latencies"])
    requests = sum(r["requests"] for r in results)
    errors: dict[str, int] = {}
    outcomes: dict[str, int] = {}
    for r in results:
        for key, n in r["errors"].items():
            errors[key] = errors.get(key, 0) + n
        for key, n in r["outcomes"].items():
            outcomes[key] = outcomes.get(key, 0) + n
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    print(
        json.dumps(
            {
                "clients": len(desks),
                "requests_per_s": round(requests / elapsed, 1),
                "p50_ms": round(quantiles[49] * 1000, 1),
                "p99_ms": round(quantiles[98] * 1000, 1),
                "error_rate": round(sum(errors.values()) / max(requests, 1), 5),
                "server_cpu_pct": round(100 * cpu / elapsed, 1),
                "server_rss_mb": round(rss[0], 1),
                "long_polls_open": long_polls_open,
                "context": {
                    "servers": args.servers,
                    "seconds": round(elapsed, 1),
                    "think_seconds": args.think,
                    "requests": requests,
                    "long_poll_answers": sum(r["long_polls"] for r in results),
                    "timed_requests": len(latencies),
                    "outcomes": outcomes,
                    "errors": dict(sorted(errors.items(), key=lambda kv: -kv[1])[:10]),
                    "seed_s": round(seed_seconds, 1),
                    "initial_sync_s": round(sync_seconds, 1),
                    "load_average": [round(x, 2) for x in os.getloadavg()],
                    "cores": os.cpu_count(),
                },
            }
        )
    )


if __name__ == "__main__":
    main()
