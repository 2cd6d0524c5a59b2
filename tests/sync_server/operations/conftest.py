"""The real server over HTTP: uvicorn run with `serve`'s own options, in a thread, on a free port."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

from sync_server.cli import uvicorn_options
from sync_server.core.config import Settings
from tests.sync_server.booking.conftest import clinic  # noqa: F401 - a fixture the tests here use


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(app: FastAPI, settings: Settings) -> Iterator[str]:
    """`app` served as `warddesk-server serve` serves it; yields its base address."""
    port = free_port()
    options = {**uvicorn_options(settings), "log_level": "warning"}
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, **options))
    thread = threading.Thread(target=server.run, name="uvicorn-operations", daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            thread.join(0.05)
        scheme = "https" if settings.tls else "http"
        yield f"{scheme}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()
