"""Screenshots of the shell (sign-in window, list of unsettled changes), for desktop/ui/screenshots.py."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QLocale, QSize

from desktop.ops.background import Executors
from desktop.store import LocalStore, OutboxEntry
from desktop.ui.shell.sign_in import SignInWindow
from desktop.ui.shell.sync_list import SyncListDialog
from shared.protocol import Entity, MutationName


def _entry(
    number: int, name: MutationName, state: str, made_at: datetime, reason: str | None = None
) -> OutboxEntry:
    return OutboxEntry(
        mutation_id=number,
        idempotency_key=uuid.UUID(int=number),
        name=name,
        entity=Entity(name.value.split(".")[0]),
        entity_id=uuid.UUID(int=1000 + number),
        base_version=None,
        payload={},
        made_at=made_at,
        state=state,
        code=None if reason is None else "refused",
        reason=reason,
        server_record=None,
        updated_at=made_at,
    )


def demo_entries() -> list[OutboxEntry]:
    """A morning's unsettled changes: two waiting, one refused by the server, one conflict."""
    day = datetime(2025, 3, 26, tzinfo=UTC)
    return [
        _entry(
            7,
            MutationName.APPOINTMENT_BOOK,
            "rejected",
            day.replace(hour=8, minute=12),
            "Dr. Ana Ferreira already has an appointment at 10:40 (slot taken). "
            "Free slots: 11:20, 11:40, 14:00.",
        ),
        _entry(
            8,
            MutationName.TICKET_EDIT,
            "conflict",
            day.replace(hour=8, minute=31),
            "The pharmacy approved this ticket before your edit arrived.",
        ),
        _entry(9, MutationName.APPOINTMENT_RESCHEDULE, "sent", day.replace(hour=9, minute=5)),
        _entry(10, MutationName.TICKET_SUBMIT, "queued", day.replace(hour=9, minute=14)),
    ]


def render_shell(output: Path, *, language: str, locale: QLocale) -> list[Path]:
    """sign_in_<language>.png and sync_list_<language>.png."""
    from desktop.ui.screenshots import render_png

    QLocale.setDefault(locale)
    executors = Executors()
    written = []
    try:
        sign_in = SignInWindow(
            attempt=lambda *_: None,  # type: ignore[arg-type, return-value]
            executors=executors,
            server_url="https://warddesk.hospital.example",
            username="ines.carvalho",
        )
        sign_in.password.setText("correct horse")
        sign_in.show_keyring_state(False)
        written.append(render_png(sign_in, output / f"sign_in_{language}.png", size=QSize(640, 560)))
        sign_in.deleteLater()

        store: LocalStore = None  # type: ignore[assignment]  # the list is filled directly, never reloaded
        dialog = SyncListDialog(store, executors=executors)
        dialog._show(demo_entries())
        written.append(render_png(dialog, output / f"sync_list_{language}.png", size=QSize(980, 360)))
        dialog.deleteLater()
    finally:
        executors.shutdown()
    return written
