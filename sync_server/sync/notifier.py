"""Wake long polls when their scopes change: one LISTEN connection per process fans out to waiters.

`record_change` calls pg_notify(channel, scope) in the writer's transaction; PostgreSQL delivers the
notice only when that transaction commits, so a woken pull always finds the change. Waiting requests
hold no database connection: they await an asyncio.Event that the listener thread sets.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterable

import psycopg
from sqlalchemy.engine import make_url

from sync_server.core.retry import backoff_seconds
from sync_server.feed.changes import NOTIFY_CHANNEL

log = logging.getLogger(__name__)

# The listener's connection: a dead peer is noticed within seconds, not the kernel's 15 minutes.
_ALIVE = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 3,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,
}


class Waiter:
    """One long poll waiting for any of its scopes."""

    def __init__(self, scopes: Iterable[str], loop: asyncio.AbstractEventLoop) -> None:
        self.scopes = frozenset(scopes)
        self.loop = loop
        self.event = asyncio.Event()

    def wake(self) -> None:
        self.loop.call_soon_threadsafe(self.event.set)

    async def wait(self, timeout: float) -> bool:
        """True when woken, False on timeout. The event stays cleared for the next wait."""
        try:
            await asyncio.wait_for(self.event.wait(), timeout)
        except TimeoutError:
            return False
        self.event.clear()
        return True


class ChangeNotifier:
    """Listens on the feed's channel in a thread; `listening` is False while it is not connected, and
    long polls then re-check the feed on a short timer instead."""

    def __init__(self, conninfo: str, *, check_seconds: float = 5.0) -> None:
        self.conninfo = conninfo
        # How often the listener proves its connection alive (a round trip): long polls rely on its
        # notices and re-check nothing themselves while it listens.
        self.check_seconds = check_seconds
        self._waiters: set[Waiter] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.listening = False

    @classmethod
    def for_database(cls, database_url: str, *, check_seconds: float = 5.0) -> ChangeNotifier:
        """A notifier for an SQLAlchemy-style URL (postgresql+psycopg://...)."""
        url = make_url(database_url).set(drivername="postgresql")
        return cls(url.render_as_string(hide_password=False), check_seconds=check_seconds)

    def add(self, scopes: Iterable[str], *, loop: asyncio.AbstractEventLoop | None = None) -> Waiter:
        """A waiter woken on `loop` (the running one by default; pass it when adding from a worker
        thread on the request's behalf)."""
        waiter = Waiter(scopes, loop or asyncio.get_running_loop())
        with self._lock:
            self._waiters.add(waiter)
        return waiter

    def remove(self, waiter: Waiter) -> None:
        with self._lock:
            self._waiters.discard(waiter)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sync-change-listener", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _fan_out(self, scope: str) -> None:
        with self._lock:
            woken = [w for w in self._waiters if scope in w.scopes]
        for waiter in woken:
            waiter.wake()

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True, **_ALIVE) as conn:
                    conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self.listening = True
                    failures = 0
                    # Anything committed while we were not listening: let every waiter look once.
                    self._wake_all()
                    checked = time.monotonic()
                    while not self._stop.is_set():
                        for notice in conn.notifies(timeout=0.5):
                            self._fan_out(notice.payload)
                        if time.monotonic() - checked >= self.check_seconds:
                            # A connection that died quietly (no reset) would deliver nothing, and
                            # nobody would notice: a round trip fails it within tcp_user_timeout.
                            conn.execute("SELECT 1")
                            checked = time.monotonic()
            except psycopg.Error:
                failures += 1
                log.warning("sync change listener lost its connection; retrying", exc_info=True)
            finally:
                self.listening = False
            self._stop.wait(backoff_seconds(min(failures, 6), base=0.25, cap=10.0))

    def _wake_all(self) -> None:
        with self._lock:
            waiters = list(self._waiters)
        for waiter in waiters:
            waiter.wake()
