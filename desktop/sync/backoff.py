"""Exponential backoff with jitter, honouring the server's Retry-After."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

MAX_RETRY_AFTER = 900.0  # a server asking for more than 15 minutes is not believed beyond that


@dataclass
class Backoff:
    """delay(n) grows as base * 2**n up to `cap`; the jitter keeps a ward's workstations from retrying
    in lock-step after the server comes back."""

    base: float = 0.5
    cap: float = 60.0
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, *, retry_after: float | None = None) -> float:
        """Seconds to wait before attempt number `attempt` (1 = the first retry)."""
        ceiling = min(self.cap, self.base * 2 ** max(0, attempt - 1))
        jittered = self.rng.uniform(ceiling / 2, ceiling)
        if retry_after is not None:
            return max(jittered, min(retry_after, MAX_RETRY_AFTER))
        return jittered
