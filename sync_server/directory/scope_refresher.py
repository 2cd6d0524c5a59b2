"""Keeps the day-bound part of the scope rule current: a patient with an appointment today in a ward's
room is in that ward's nurses' scope today only, so someone must re-publish him when the day turns."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from sync_server.core.clock import Clock
from sync_server.core.db import transaction
from sync_server.directory.feed import refresh_visit_scopes

log = logging.getLogger(__name__)


def start_scope_refresher(app_state: Any) -> Callable[[], None]:
    """Refresh the visit scopes at once and then every `scope_refresh_seconds`, in a daemon thread.
    Returns the function that stops it. Uses app_state.settings, .session_factory and .clock."""
    settings = app_state.settings
    if settings.scope_refresh_seconds <= 0:
        return lambda: None
    clock: Clock = app_state.clock
    stopping = threading.Event()

    def loop() -> None:
        while not stopping.is_set():
            try:
                with transaction(app_state.session_factory) as session:
                    refresh_visit_scopes(session, now=clock())
            except Exception:  # the next pass tries again
                log.exception("refreshing the patients' visit scopes failed")
            stopping.wait(settings.scope_refresh_seconds)

    thread = threading.Thread(target=loop, name="scope-refresher", daemon=True)
    thread.start()

    def stop() -> None:
        stopping.set()
        thread.join(timeout=10)

    return stop
