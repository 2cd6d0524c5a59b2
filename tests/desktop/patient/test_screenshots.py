"""`make screenshots` renders the patient screen and the cash report from a real demo cache."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from desktop.ui.patient.screenshots import render_patient
from desktop.ui.screenshots import LOCALES


def test_the_patient_screens_render_to_pngs_that_are_not_blank(qapp: QApplication, tmp_path: Path) -> None:
    written = render_patient(tmp_path, language="en", locale=LOCALES["en"])
    assert [path.name for path in written] == [
        "patient_history_en.png",
        "patient_payments_en.png",
        "cash_report_en.png",
    ]
    for path in written:
        image = QImage(str(path))
        assert not image.isNull() and image.width() >= 2000
        colours = {
            image.pixel(x, y) for x in range(0, image.width(), 40) for y in range(0, image.height(), 40)
        }
        assert len(colours) > 3, path.name  # text and controls, not an empty pane
