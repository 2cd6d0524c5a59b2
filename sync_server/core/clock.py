"""The server's clock, injected: routes ask for `Now`; tests build the app with a clock of their own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The wall clock, as an aware UTC datetime."""
    return datetime.now(UTC)


async def get_now(request: Request) -> datetime:
    clock: Clock = getattr(request.app.state, "clock", system_clock)
    return clock()


Now = Annotated[datetime, Depends(get_now)]
