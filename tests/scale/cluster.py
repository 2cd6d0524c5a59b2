"""WardDesk scaled out on real parts, on loopback: nginx (Debian's package, as a non-daemon with its
configuration in a temp directory) in front of several `warddesk-server serve` processes, and separate
`warddesk-server relay` and `warddesk-server worker` processes, on one PostgreSQL database and one
RabbitMQ (a private topology: every queue name carries a prefix).

Used by the scale test (tests/scale/test_scale_out.py) and the load bench (bench/load_day.py).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pika

REPO = Path(__file__).resolve().parents[2]
SERVER = str(Path(sys.executable).with_name("warddesk-server"))
SECRET = "scale-" + "s" * 40


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        raise RuntimeError("nginx is not installed: `apt-get install -y nginx` (make test-setup does it)")
    return found


def nginx_config(*, listen: int, upstreams: list[int], work_dir: Path, worker_connections: int = 4096) -> str:
    """The test's nginx: the production example's proxy settings (deploy/nginx/warddesk.conf), on
    loopback, writing only under `work_dir`, and telling the client which upstream(s) answered."""
    servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=2 fail_timeout=3s;" for port in upstreams)
    return f"""
worker_processes 1;
daemon off;
pid {work_dir}/nginx.pid;
error_log {work_dir}/error.log warn;
worker_rlimit_nofile {worker_connections * 3};
events {{ worker_connections {worker_connections}; }}
http {{
    access_log off;
    client_body_temp_path {work_dir}/client_body;
    proxy_temp_path {work_dir}/proxy;
    fastcgi_temp_path {work_dir}/fastcgi;
    uwsgi_temp_path {work_dir}/uwsgi;
    scgi_temp_path {work_dir}/scgi;
    upstream warddesk {{
{servers}
        keepalive 128;
    }}
    server {{
        listen 127.0.0.1:{listen};
        client_max_body_size 30m;
        keepalive_requests 100000;
        location / {{
            proxy_pass http://warddesk;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_connect_timeout 2s;
            proxy_read_timeout 65s;
            proxy_send_timeout 65s;
            proxy_buffering off;
            # A dead process: the request goes to the next one. Pushes and bookings are idempotent
            # (mutation numbers, client_request_id), so POSTs may be retried too.
            proxy_next_upstream error timeout http_502 http_503 non_idempotent;
            proxy_next_upstream_tries 3;
            add_header X-WardDesk-Upstream $upstream_addr always;
        }}
    }}
}}
"""


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    port: int | None = None
    log: Path | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no cleanup, as a crash or the OOM killer does it."""
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=30)

    def stop(self) -> None:
        if not self.alive():
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()


def wait_until(check: Callable[[], bool], *, timeout: float, what: str, every: float = 0.1) -> None:
    """Wait until `check()` is true; fail with `what` after `timeout` seconds (a bound, not a figure)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f}s")
        time.sleep(every)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Cluster:
    """nginx + `servers` serve processes + `relays` relay and `workers` worker processes."""

    database_url: str
    amqp_url: str
    amqp_prefix: str
    servers: int = 2
    relays: int = 2
    workers: int = 2
    env: dict[str, str] = field(default_factory=dict)
    work_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="warddesk-scale-")))
    serve: list[Process] = field(default_factory=list)
    relay: list[Process] = field(default_factory=list)
    worker: list[Process] = field(default_factory=list)
    nginx: Process | None = None
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "WARDDESK_DATABASE_URL": self.database_url,
            "WARDDESK_AMQP_URL": self.amqp_url,
            "WARDDESK_AMQP_PREFIX": self.amqp_prefix,
            "WARDDESK_MESSAGING_IN_APP": "false",
            "WARDDESK_ENVIRONMENT": "test",
            "WARDDESK_SECRET_KEY": SECRET,
            "WARDDESK_TRUSTED_PROXIES": "127.0.0.1",
            "WARDDESK_MAIL_DIR": str(self.work_dir / "mail"),
            "WARDDESK_DATA_DIR": str(self.work_dir / "data"),
            "WARDDESK_RATE_LIMIT_PER_ADDRESS": "0",
            "WARDDESK_RATE_LIMIT_PER_USER": "0",
            "WARDDESK_LOGIN_MAX_FAILURES_PER_ADDRESS": "100000",
            "WARDDESK_RELAY_POLL_SECONDS": "0.2",
            "WARDDESK_LOG_LEVEL": "WARNING",
            **self.env,
        }

    def _spawn(self, name: str, args: list[str], port: int | None = None) -> Process:
        log = self.work_dir / f"{name}.log"
        with log.open("wb") as sink:
            popen = subprocess.Popen(
                args, env=self.environment(), cwd=REPO, stdout=sink, stderr=subprocess.STDOUT
            )
        return Process(name, popen, port, log)

    def start_server(self, index: int) -> Process:
        port = free_port()
        process = self._spawn(
            f"serve-{index}",
            [SERVER, "serve", "--host", "127.0.0.1", "--port", str(port), "--no-migrate"],
            port,
        )
        self.serve.append(process)
        return process

    def start(self) -> Cluster:
        (self.work_dir / "mail").mkdir(parents=True, exist_ok=True)
        for index in range(self.servers):
            self.start_server(index)
        for index in range(self.relays):
            self.relay.append(self._spawn(f"relay-{index}", [SERVER, "relay"]))
        for index in range(self.workers):
            self.worker.append(self._spawn(f"worker-{index}", [SERVER, "worker"]))
        for process in self.serve:
            wait_until(
                lambda p=process: not p.alive() or _answers(f"http://127.0.0.1:{p.port}/readyz"),
                timeout=90,
                what=f"{process.name} answering /readyz",
            )
            if not process.alive():
                raise AssertionError(f"{process.name} stopped: {self.tail(process)}")
        self.port = free_port()
        config = self.work_dir / "nginx.conf"
        config.write_text(
            nginx_config(
                listen=self.port, upstreams=[p.port for p in self.serve if p.port], work_dir=self.work_dir
            )
        )
        self.nginx = self._spawn("nginx", [nginx_binary(), "-c", str(config), "-p", str(self.work_dir)])
        wait_until(
            lambda: not self.nginx.alive() or _answers(f"{self.base_url}/healthz"),  # type: ignore[union-attr]
            timeout=30,
            what="nginx answering /healthz",
        )
        if not self.nginx.alive():
            raise AssertionError(f"nginx stopped: {self.tail(self.nginx)}")
        self.wait_for_consumers(len(self.worker))
        return self

    def wait_for_consumers(self, count: int, *, timeout: float = 60) -> None:
        """Until the consumer's queue has `count` consumers (every worker connected)."""
        queue = f"{self.amqp_prefix}warddesk.confirmation-email"

        def consumers() -> int:
            try:
                with pika.BlockingConnection(pika.URLParameters(self.amqp_url)) as connection:
                    return int(connection.channel().queue_declare(queue, passive=True).method.consumer_count)
            except pika.exceptions.AMQPError:
                return -1

        wait_until(lambda: consumers() == count, timeout=timeout, what=f"{count} worker(s) consuming {queue}")

    def long_polls_open(self, process: Process) -> int:
        """Long polls waiting in one serve process now (its own /metrics, not through nginx)."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{process.port}/metrics", timeout=20) as answer:
                text = answer.read().decode()
        except (urllib.error.URLError, OSError):
            return 0
        found = re.search(r"^warddesk_sync_long_polls (\S+)$", text, re.MULTILINE)
        return int(float(found.group(1))) if found else 0

    def tail(self, process: Process, lines: int = 30) -> str:
        if process.log is None or not process.log.exists():
            return ""
        return "\n".join(process.log.read_text(errors="replace").splitlines()[-lines:])

    def processes(self) -> list[Process]:
        return [*self.serve, *self.relay, *self.worker, *([self.nginx] if self.nginx else [])]

    def stop(self) -> None:
        for process in reversed(self.processes()):
            process.stop()

    def delete_topology(self) -> None:
        """Remove the private topology: the exchanges and every consumer's queues."""
        from sync_server.app import consumers_of
        from sync_server.core.config import Settings
        from sync_server.messaging.consumers import subscription
        from sync_server.messaging.topology import Topology, delete

        settings = Settings(environment="test", secret_key=SECRET, data_dir=self.work_dir / "data")
        with pika.BlockingConnection(pika.URLParameters(self.amqp_url)) as connection:
            delete(
                connection.channel(),
                Topology(prefix=self.amqp_prefix),
                [subscription(c) for c in consumers_of(settings)],
            )


# -- the hospital the load works on -------------------------------------------------------------------

PASSWORD = "scale horse battery staple"
MEDICATION = "PARA500"


@dataclass(frozen=True)
class Hospital:
    ward_ids: list[str]
    doctor_ids: list[str]
    patient_ids: list[str]
    nurses: dict[str, str]  # user name -> ward id
    schedulers: list[str]


def seed_hospital(
    url: str, *, wards: int, doctors: int, patients: int, nurses: int, schedulers: int
) -> Hospital:
    """Wards, doctors open 08:00-20:00 (Lisbon) every day, patients with an e-mail address, a medication,
    nurses spread over the wards and schedulers; all with the password PASSWORD. Written straight in
    PostgreSQL (seconds for thousands of users), then put on the sync feed by the server's backfill."""
    import uuid
    from datetime import date
    from datetime import time as clock

    import psycopg

    from sync_server.auth.passwords import hash_password

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    ward_ids = [str(uuid.uuid4()) for _ in range(wards)]
    doctor_ids = [str(uuid.uuid4()) for _ in range(doctors)]
    patient_ids = [str(uuid.uuid4()) for _ in range(patients)]
    nurse_wards = {f"nurse-{n:05d}": ward_ids[n % wards] for n in range(nurses)}
    scheduler_names = [f"scheduler-{n:04d}" for n in range(schedulers)]
    password_hash = hash_password(PASSWORD)
    with psycopg.connect(plain) as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO wards (id, code, name, active) VALUES (%s, %s, %s, true)",
            [(w, f"W{n}", f"Ward {n}") for n, w in enumerate(ward_ids)],
        )
        cur.execute(
            "INSERT INTO medications (code, name, form, strength, unit, active, pack_size)"
            " VALUES (%s, 'Paracetamol', 'tablet', '500 mg', 'tablet', true, 1)",
            (MEDICATION,),
        )
        cur.executemany(
            "INSERT INTO doctors (id, full_name, specialty, license_number, time_zone, default_slot_minutes,"
            " active) VALUES (%s, %s, 'General practice', %s, 'Europe/Lisbon', 20, true)",
            [(d, f"Dr. Scale {n}", f"SCALE-{n}") for n, d in enumerate(doctor_ids)],
        )
        cur.executemany(
            "INSERT INTO availability_rules (id, doctor_id, weekday, starts, ends)"
            " VALUES (%s, %s, %s, %s, %s)",
            [(str(uuid.uuid4()), d, wd, clock(8), clock(20)) for d in doctor_ids for wd in range(1, 8)],
        )
        cur.executemany(
            "INSERT INTO patients (id, mrn, full_name, birth_date, email, ward_id)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            [
                (p, f"S{n:09d}", f"Patient {n}", date(1960, 1, 1), f"p{n}@example.org", ward_ids[n % wards])
                for n, p in enumerate(patient_ids)
            ],
        )
        users = [(name, "nurse") for name in nurse_wards] + [(name, "scheduler") for name in scheduler_names]
        ids = {name: str(uuid.uuid4()) for name, _ in users}
        cur.executemany(
            "INSERT INTO users (id, username, full_name, role, password_hash, active)"
            " VALUES (%s, %s, %s, %s, %s, true)",
            [(ids[name], name, name.replace("-", " ").title(), role, password_hash) for name, role in users],
        )
        cur.executemany(
            "INSERT INTO user_wards (user_id, ward_id) VALUES (%s, %s)",
            [(ids[name], ward) for name, ward in nurse_wards.items()],
        )
    from sync_server.core.db import make_engine, make_session_factory, transaction
    from sync_server.sync.backfill import backfill

    engine = make_engine(url, pool_size=1)
    try:
        with transaction(make_session_factory(engine)) as session:
            backfill(session)
    finally:
        engine.dispose()
    return Hospital(ward_ids, doctor_ids, patient_ids, nurse_wards, scheduler_names)
