"""The admin screen for docs/screenshots, on a demo report (no server): five workstations, one of them
silent for days, a stuck saga, and a dead letter inspected in the pane beside the queue."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QLocale, QSize

from desktop.ops.admin import AdminOps, AdminSnapshot
from desktop.ops.background import Executors
from desktop.sync.admin import (
    DeadLetter,
    DeadLetterDetail,
    OutboxHealth,
    StuckSaga,
    SyncHealth,
    WorkstationHealth,
)
from desktop.ui.admin.screen import AdminScreen

NOW = datetime(2025, 3, 26, 10, 40, tzinfo=UTC)
REDACTED = "«redacted»"


def _never_asked() -> object:
    raise RuntimeError("the screenshot's screen asks the server nothing")


def demo_report() -> tuple[AdminSnapshot, DeadLetterDetail]:
    desks = [
        ("WARD3-PC07", "nurse.ana", "1.4.2", 2, 0, 0, 0),
        ("WARD3-PC02", "nurse.joao", "1.4.2", 25, 0, 1, 0),
        ("PHARMACY-1", "pharm.rita", "1.4.1", 4, 3, 0, 1),
        ("CONSULT-2", "dr.costa", "1.3", 60 * 24 * 3, 5, 2, 0),
        ("FRONTDESK-1", "sched.lia", "1.4.2", 1, 0, 0, 0),
    ]
    workstations = [
        WorkstationHealth(
            client_id=uuid.UUID(int=n + 1),
            username=user,
            workstation=name,
            desktop_version=version,
            last_sync=NOW - timedelta(minutes=minutes),
            last_push=NOW - timedelta(minutes=minutes),
            queued_changes=queued,
            settled=40 + n,
            refused=refused,
            conflicts=conflicts,
        )
        for n, (name, user, version, minutes, queued, refused, conflicts) in enumerate(desks)
    ]
    saga = StuckSaga(
        saga_id=uuid.UUID("5a6a0000-0000-4000-8000-000000000001"),
        kind="book",
        status="running",
        step="confirm",
        attempts=6,
        next_attempt_at=NOW - timedelta(minutes=42),
        error="OperationalError: could not obtain lock on appointments",
    )
    letters = [
        DeadLetter(
            consumer="confirmation-email",
            message_id=uuid.UUID(int=0xD1 + n),
            event_type="appointment.confirmed",
            reason="delivery_limit",
            last_error="MailUnavailable: SES endpoint timed out",
            attempts=5,
            first_failed_at=NOW - timedelta(hours=2, minutes=10 * n),
            last_failed_at=NOW - timedelta(hours=1, minutes=5 * n),
            dead_since=NOW - timedelta(hours=1, minutes=5 * n),
        )
        for n in range(2)
    ]
    health = SyncHealth(
        generated_at=NOW,
        workstations=workstations,
        stuck_sagas=[saga],
        outbox=OutboxHealth(backlog=3, oldest_age_seconds=12.0),
        dead_letters=len(letters),
    )
    first = letters[0]
    detail = DeadLetterDetail(
        consumer=first.consumer,
        message_id=first.message_id,
        event_type=first.event_type,
        aggregate_type="appointment",
        aggregate_id="8d1f6c2e-1c1b-4d8e-9f61-0c1d2e3f4a5b",
        error=first.last_error or "",
        attempts=5,
        first_failed_at=first.first_failed_at,
        last_failed_at=first.last_failed_at,
        dead_since=first.dead_since,
        payload={
            "appointment_id": "8d1f6c2e-1c1b-4d8e-9f61-0c1d2e3f4a5b",
            "patient_name": REDACTED,
            "patient_email": REDACTED,
            "doctor_name": REDACTED,
            "starts_at": "2025-03-27T14:20:00+00:00",
            "status": "confirmed",
        },
    )
    return AdminSnapshot(health=health, dead_letters=letters), detail


def render_admin(output: Path, *, language: str, locale: QLocale) -> list[Path]:
    """The workstations tab and the dead-letter tab with one letter inspected, at 1366x768 less the
    window's navigation."""
    from desktop.ui.screenshots import render_png

    executors = Executors()
    screen = AdminScreen(
        AdminOps(client_for=_never_asked, executors=executors),  # type: ignore[arg-type]
        auto_refresh_ms=0,
        refresh_on_show=False,
        locale=locale,
    )
    written = []
    try:
        snapshot, detail = demo_report()
        screen.show_snapshot(snapshot)
        size = QSize(1166, 700)
        written.append(render_png(screen, output / f"admin_workstations_{language}.png", size=size))
        screen.tabs.setCurrentIndex(2)
        screen.show_detail(detail)
        written.append(render_png(screen, output / f"admin_dead_letters_{language}.png", size=size))
    finally:
        screen.close()
        screen.deleteLater()
        executors.shutdown()
    return written
