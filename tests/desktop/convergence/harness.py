"""The fault-injecting network and the restartable real server the convergence test runs against.

`FaultyTransport` sits under a desktop's httpx client and plays a script of faults, one per request:
the request is lost before it reaches the server, the answer is lost after the server has acted on
it, the request arrives twice (one after the other, or two copies at once), it is slow, the server
answers 503, or the server restarts while the answer is on its way. Requests beyond the script go
through untouched, so a test decides exactly which faults happen and Hypothesis can shrink them.

`LiveServer` runs the real sync server (uvicorn over `create_app`, on the test PostgreSQL) in a thread
on a fixed port, and can restart it on the same port: the desktops' base URL never changes.
"""

from __future__ import annotations

import enum
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import uvicorn


class Fault(enum.StrEnum):
    NONE = "none"
    OFFLINE = "offline"  # the connection cannot be made: nothing reaches the server
    REQUEST_LOST = "request_lost"  # sent into the void: the client times out, the server saw nothing
    ANSWER_LOST = "answer_lost"  # the server acted and answered; the answer never arrives
    DUPLICATE = "duplicate"  # the request arrives twice, one after the other
    PARALLEL_DUPLICATE = "parallel_duplicate"  # two copies arrive at the same time
    SLOW = "slow"  # arrives late
    SERVER_ERROR = "server_error"  # a proxy in between answers 503
    RESTART = "restart"  # the server acts, then restarts before its answer leaves


class FaultyTransport(httpx.BaseTransport):
    """An httpx transport that plays `script` (a list of Faults, one per request) over a real one."""

    def __init__(self, *, restart: Callable[[], None], only_paths: tuple[str, ...] = ("/sync/",)) -> None:
        self._inner = httpx.HTTPTransport()
        self._restart = restart
        self._only_paths = only_paths
        self._lock = threading.Lock()
        self.script: list[Fault] = []
        self.played: list[tuple[str, Fault]] = []  # (path, fault): what happened, for failure reports

    def play(self, faults: list[Fault]) -> None:
        with self._lock:
            self.script = list(faults)

    def calm(self) -> None:
        """No more faults: every request goes through."""
        with self._lock:
            self.script = []

    def _next(self, request: httpx.Request) -> Fault:
        if not any(request.url.path.startswith(p) for p in self._only_paths):
            return Fault.NONE
        with self._lock:
            fault = self.script.pop(0) if self.script else Fault.NONE
            self.played.append((request.url.path, fault))
        return fault

    def _forward(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        body = response.read()  # the whole answer, so the server has finished with the request
        response.close()
        return httpx.Response(response.status_code, headers=response.headers, content=body)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()  # a byte body can be sent again (duplicates)
        fault = self._next(request)
        if fault is Fault.OFFLINE:
            raise httpx.ConnectError("injected: no route to the server", request=request)
        if fault is Fault.REQUEST_LOST:
            raise httpx.ReadTimeout("injected: the request was lost on the way", request=request)
        if fault is Fault.SERVER_ERROR:
            return httpx.Response(
                503,
                headers={"Retry-After": "0"},
                json={"error": {"code": "service_unavailable", "message": "injected"}},
            )
        if fault is Fault.SLOW:
            time.sleep(0.05)
        if fault is Fault.DUPLICATE:
            self._forward(request)
        if fault is Fault.PARALLEL_DUPLICATE:
            return self._twice_at_once(request)
        response = self._forward(request)
        if fault is Fault.ANSWER_LOST:
            raise httpx.ReadError("injected: the answer was lost on the way", request=request)
        if fault is Fault.RESTART:
            self._restart()
            raise httpx.RemoteProtocolError("injected: the server went away mid-answer", request=request)
        return response

    def _twice_at_once(self, request: httpx.Request) -> httpx.Response:
        answers: list[Any] = [None, None]
        start = threading.Barrier(2)

        def send(slot: int) -> None:
            start.wait()
            try:
                answers[slot] = self._forward(request)
            except httpx.HTTPError as exc:
                answers[slot] = exc

        copies = [threading.Thread(target=send, args=(slot,)) for slot in (0, 1)]
        for copy in copies:
            copy.start()
        for copy in copies:
            copy.join()
        for answer in answers:  # the client sees the first answer that came back whole
            if isinstance(answer, httpx.Response):
                return answer
        raise answers[0]

    def close(self) -> None:
        self._inner.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LiveServer:
    """The real sync server in a thread; `restart()` stops it and starts a fresh app on the same port."""

    def __init__(self, make_app: Callable[[], Any], *, port: int | None = None) -> None:
        self._make_app = make_app
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.restarts = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        config = uvicorn.Config(
            self._make_app(), host="127.0.0.1", port=self.port, log_level="warning", access_log=False
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name=f"uvicorn-{self.port}", daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the sync server did not start")
            time.sleep(0.01)
        self._server, self._thread = server, thread

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(20)
        if self._thread.is_alive():
            raise RuntimeError("the sync server did not stop")
        self._server = self._thread = None

    def restart(self) -> None:
        self.stop()
        self.restarts += 1
        self.start()
