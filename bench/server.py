"""The sync server as the benchmarks run it: uvicorn over create_app() in its own process, on a TCP port.

Why host/port and not a socket passed with `--fd`: uvicorn wraps a passed descriptor as an AF_UNIX
socket, so asyncio does not set TCP_NODELAY on the connections, and every keep-alive answer written in
two parts (head, then body) waits for the client's delayed ACK: about 40 ms per request. `serve` (the
production command) binds host and port itself, as this does.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
SECRET = "bench-" + "s" * 40


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(url: str, *, workers: int, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "sync_server.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--no-server-header",
            "--workers",
            str(workers),
        ],
        env={
            **os.environ,
            "WARDDESK_DATABASE_URL": url,
            "WARDDESK_ENVIRONMENT": "test",
            "WARDDESK_SECRET_KEY": SECRET,
            "WARDDESK_MESSAGING_IN_APP": "false",
            "WARDDESK_LOGIN_MAX_FAILURES_PER_ADDRESS": "1000",
            # The benchmarks measure the server, not its limits (one address sends everything).
            "WARDDESK_RATE_LIMIT_PER_ADDRESS": "0",
            "WARDDESK_RATE_LIMIT_PER_USER": "0",
            **env,
        },
        cwd=REPO,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    process.wait()
    raise RuntimeError("the server did not start")


@contextmanager
def running_server(
    url: str, *, workers: int = 1, env: dict[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """(process, base URL) of a server on `url`; stopped with SIGTERM afterwards."""
    for attempt in range(3):  # another process may take the free port before uvicorn binds it
        try:
            process, base = _start(url, workers=workers, env=env or {})
            break
        except RuntimeError:
            if attempt == 2:
                raise SystemExit("the server did not start") from None
    try:
        yield process, base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
