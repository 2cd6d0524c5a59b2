"""A light HTTP/1.1 load generator for the benchmarks: asyncio streams, one keep-alive connection per
simulated client, in its own process, so the clients cost the machine little and never share the
server's interpreter (a client written with threads and httpx took a good share of a core here)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Answer:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Connection:
    """One keep-alive connection speaking just enough HTTP/1.1 for our JSON API."""

    host: str
    port: int
    headers: dict[str, str] = field(default_factory=dict)
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, method: str, path: str, body: Any = None) -> Answer:
        if self._writer is None:
            await self._open()
        assert self._reader is not None and self._writer is not None
        payload = b"" if body is None else json.dumps(body).encode()
        head = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            f"Content-Length: {len(payload)}",
        ]
        if body is not None:
            head.append("Content-Type: application/json")
        head += [f"{name}: {value}" for name, value in self.headers.items()]
        self._writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
        status_line = await self._reader.readline()
        status = int(status_line.split()[1])
        length, close = 0, False
        while True:
            line = await self._reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        data = await self._reader.readexactly(length) if length else b""
        if close:
            await self.close()
        return Answer(status, data)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except OSError:
                pass
        self._reader = self._writer = None


def connection(base_url: str, headers: dict[str, str] | None = None) -> Connection:
    parts = urlsplit(base_url)
    return Connection(parts.hostname or "127.0.0.1", parts.port or 80, dict(headers or {}))


async def run_clients(
    clients: int,
    work: list[Any],
    handle: Callable[[Connection, Any], Awaitable[tuple[str, float]]],
    make_connection: Callable[[], Connection],
) -> tuple[list[float], dict[str, int], float]:
    """`clients` connections take items off `work` until it is empty; `handle` answers (outcome,
    latency in seconds) for one item. Returns latencies, outcome counts and the elapsed time."""
    queue = list(reversed(work))
    latencies: list[float] = []
    outcomes: dict[str, int] = {}

    async def client() -> None:
        conn = make_connection()
        try:
            while queue:
                item = queue.pop()
                outcome, latency = await handle(conn, item)
                latencies.append(latency)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
        finally:
            await conn.close()

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, outcomes, time.perf_counter() - began
