"""The REAL sync server for desktop tests: uvicorn on a free port, on the test PostgreSQL."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from sync_server.app import create_app
from sync_server.core.config import Settings


def free_port() -> int:
    """A port nobody listens on right now (also: an address where the server is unreachable)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_server(settings: Settings, database_url: str) -> Iterator[str]:
    """Start the server in a thread; yields its base URL and stops it afterwards."""
    app = create_app(settings, database_url=database_url)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the sync server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(15)
