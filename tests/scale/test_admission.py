"""Admission: a process lets in only as many requests as it has database connections; the others wait in
the event loop, and a long poll gives its place back while it waits."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from sync_server.core.admission import Admission, AdmissionLimit, waiting


class Recorder:
    """An ASGI app whose requests run until the test lets them finish; /poll waits like a long poll."""

    def __init__(self) -> None:
        self.running: set[str] = set()
        self.finish: dict[str, asyncio.Event] = {}
        self.waiting_started: dict[str, asyncio.Event] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = scope["query_string"].decode()
        self.running.add(name)
        try:
            if scope["path"] == "/poll":
                async with waiting(Request(scope, receive)):
                    self.running.discard(name)
                    self.waiting_started[name].set()
                    await self.finish[name].wait()
                self.running.add(name)
            else:
                await self.finish[name].wait()
        finally:
            self.running.discard(name)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def _request(app: AdmissionLimit, path: str, name: str) -> None:
    scope = {"type": "http", "path": path, "query_string": name.encode(), "headers": [], "method": "GET"}

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b""}

    async def send(_message: dict[str, object]) -> None:
        return None

    await app(scope, receive, send)


async def _settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


def test_requests_beyond_the_places_wait_for_one() -> None:
    async def scenario() -> None:
        inner = Recorder()
        app = AdmissionLimit(inner, admission=Admission(2), exempt=("/healthz",))
        for name in ("a", "b", "c", "health"):
            inner.finish[name] = asyncio.Event()
        tasks = [asyncio.create_task(_request(app, "/x", name)) for name in ("a", "b", "c")]
        health = asyncio.create_task(_request(app, "/healthz", "health"))
        await _settle()
        assert inner.running == {"a", "b", "health"}  # c waits; liveness skips the queue
        inner.finish["a"].set()
        await _settle()
        assert inner.running == {"b", "c", "health"}
        for name in ("b", "c", "health"):
            inner.finish[name].set()
        await asyncio.gather(*tasks, health)
        assert inner.running == set()

    asyncio.run(scenario())


def test_a_long_poll_frees_its_place_while_it_waits() -> None:
    async def scenario() -> None:
        inner = Recorder()
        app = AdmissionLimit(inner, admission=Admission(1))
        for name in ("poll", "push", "pull"):
            inner.finish[name] = asyncio.Event()
        inner.waiting_started["poll"] = asyncio.Event()
        poll = asyncio.create_task(_request(app, "/poll", "poll"))
        await inner.waiting_started["poll"].wait()
        push = asyncio.create_task(_request(app, "/x", "push"))
        await _settle()
        assert inner.running == {"push"}  # the only place is free while the long poll waits
        inner.finish["poll"].set()
        await _settle()
        assert "poll" not in inner.running  # woken, it queues for a place before its next look
        inner.finish["push"].set()
        await asyncio.gather(push, poll)

    asyncio.run(scenario())
