"""The ticket screens render for the docs (docs/screenshots), on the demo ward."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLocale
from PySide6.QtGui import QImage

from desktop.ui.tickets.screenshots import render_tickets


def test_the_ticket_screens_render_to_pngs(tmp_path: Path, english: QLocale) -> None:
    written = render_tickets(tmp_path, language="en", locale=english)

    assert [path.name for path in written] == [
        "tickets_en.png",
        "ticket_editor_en.png",
        "pharmacy_queue_en.png",
        "conflict_inbox_en.png",
    ]
    for path in written:
        image = QImage(str(path))
        assert image.width() >= 1600 and image.height() >= 1200  # painted at twice the screen's pixels
