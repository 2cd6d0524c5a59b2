from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QImage

from desktop.ui.calendar import WeekView
from desktop.ui.screenshots import render_png
from tests.desktop.ui.calendar_data import LISBON_DOCTOR, calendar


def test_a_screen_renders_to_a_png_at_the_screens_pixel_density(qtbot, tmp_path: Path, english) -> None:
    view = WeekView(doctor=LISBON_DOCTOR, query=calendar(), locale=english)
    qtbot.addWidget(view)
    view.show_today()

    path = render_png(view, tmp_path / "week.png", size=QSize(800, 600), device_pixel_ratio=2.0)

    image = QImage(str(path))
    assert (image.width(), image.height()) == (1600, 1200)
