"""The one retry schedule of the server: exponential back-off with full jitter, so that many waiters
(sagas, consumers, the relay, a lost broker) do not retry in step."""

from __future__ import annotations

import random


def backoff_seconds(attempt: int, *, base: float = 0.05, cap: float = 5.0, jitter: bool = True) -> float:
    """How long to wait before retry number `attempt` (1, 2, ...): base * 2**attempt, at most `cap`;
    with jitter, a random share of it between a half and the whole (never zero: a retry always waits)."""
    delay: float = min(cap, base * 2 ** max(attempt, 0))
    if not jitter:
        return delay
    return delay * (0.5 + random.random() / 2)
