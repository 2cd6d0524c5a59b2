"""Admission: at most as many requests of this process at work as it has database connections.

Why: a request holds its database connection from its first query to its end, across several trips
through the worker-thread pool (each synchronous dependency and the endpoint are one trip each). With
more requests in flight than connections, the threads fill up with requests waiting for a connection
while the requests that hold one wait for a thread: nothing moves until the pool's checkout timeout
fails them (500s, measured with 1,000 desktops behind nginx). Letting in only as many requests as there
are connections (and fewer than there are threads) means an admitted request never waits for either;
the others wait here, in the event loop, costing nothing but their socket.

A long poll gives its place back while it waits (`waiting`), so 1,000 open long polls take no place.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

STATE_KEY = "admission"


class Admission:
    """The places of one process (one event loop)."""

    def __init__(self, places: int) -> None:
        self.places = places
        # One per event loop (the server has one; a test client may run the app in several in turn).
        self._semaphores: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        semaphore = self._semaphores.get(loop)
        if semaphore is None:
            semaphore = self._semaphores[loop] = asyncio.Semaphore(self.places)
        return semaphore


class AdmissionLimit:
    """ASGI middleware: each HTTP request takes a place before it runs and gives it back at its end.
    Paths in `exempt` (liveness) never touch the database and skip the queue."""

    def __init__(self, app: ASGIApp, *, admission: Admission, exempt: tuple[str, ...] = ()) -> None:
        self.app = app
        self.admission = admission
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        place = _Place(self.admission.semaphore)
        scope.setdefault("state", {})[STATE_KEY] = place
        await place.take()
        try:
            await self.app(scope, receive, send)
        finally:
            place.give_back()


class _Place:
    def __init__(self, semaphore: asyncio.Semaphore) -> None:
        self._semaphore = semaphore
        self._held = False

    async def take(self) -> None:
        await self._semaphore.acquire()
        self._held = True

    def give_back(self) -> None:
        if self._held:
            self._held = False
            self._semaphore.release()


@asynccontextmanager
async def waiting(request: Request) -> AsyncIterator[None]:
    """While a request waits without touching the database (a long poll between looks), its place is
    free for others; it queues for one again before its next look. The caller must hold no database
    connection (commit first)."""
    place: _Place | None = request.scope.get("state", {}).get(STATE_KEY)
    if place is None:
        yield
        return
    place.give_back()
    try:
        yield
    finally:
        await place.take()
