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


def test_the_whole_window_renders_at_1366_by_768_with_the_notification_centre_open(
    tmp_path: Path, english: QLocale
) -> None:
    from desktop.ui.tickets.screenshots import render_windows

    written = render_windows(tmp_path, language="en", locale=english)

    assert [path.name for path in written] == ["notification_centre_en.png", "window_1366_pharmacy_en.png"]
    for path in written:
        image = QImage(str(path))
        assert (image.width(), image.height()) == (2732, 1536)
        colours = {image.pixel(x, y) for x in range(0, 2732, 16) for y in range(0, 1536, 16)}
        assert len(colours) > 20  # painted: text, rows, banners, not a blank window
