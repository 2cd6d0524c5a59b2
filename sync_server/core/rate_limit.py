"""Per-address and per-user request limits: token buckets in this process, answering 429 with
Retry-After.

The buckets live in one process's memory: behind several processes or replicas each keeps its own, so
the effective limit is multiplied. There, put the limits at the gateway (ADR 006) or share the buckets
(docs/operations.md).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from shared.errors import ErrorCode
from sync_server.core.errors import error_response

EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
_MAX_BUCKETS = 50_000  # past this, full buckets are forgotten (they carry no state worth keeping)


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """One bucket per key: `per_minute` tokens at most, refilled continuously at per_minute/60 a second."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float]) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> float:
        """Take one token for `key`: 0 when granted, else the seconds until one is available."""
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= _MAX_BUCKETS:
                self._forget_full(now)
            bucket = self._buckets[key] = _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        for key, bucket in list(self._buckets.items()):
            if bucket.tokens + (now - bucket.updated) * self.rate >= self.capacity:
                del self._buckets[key]


class RateLimit:
    """ASGI middleware: every request spends a token of its client address and, when it carries a valid
    access token, one of its user. `user_of` reads the user from the Authorization header (or None)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        per_address: int,
        per_user: int,
        user_of: Callable[[str], str | None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.addresses = TokenBuckets(per_address, clock=clock) if per_address else None
        self.users = TokenBuckets(per_user, clock=clock) if per_user else None
        self.user_of = user_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        wait = 0.0
        if self.addresses is not None:
            client = scope.get("client")
            wait = self.addresses.take("a:" + (client[0] if client else ""))
        if not wait and self.users is not None:
            authorization = dict(scope.get("headers") or []).get(b"authorization")
            user = self.user_of(authorization.decode("latin-1")) if authorization else None
            if user is not None:
                wait = self.users.take("u:" + user)
        if wait:
            seconds = max(1, math.ceil(wait))
            response = error_response(
                429,
                ErrorCode.RATE_LIMITED,
                f"Too many requests; try again in {seconds} s.",
                details={"retry_after_seconds": seconds},
                headers={"Retry-After": str(seconds)},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
