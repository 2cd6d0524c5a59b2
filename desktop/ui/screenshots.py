"""Render screens to PNG for docs/screenshots (`python -m desktop.ui.screenshots`), offscreen by default.

`render_png` is the helper other screens use; `main` renders the calendar screens with demo data.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from datetime import date
from pathlib import Path

from PySide6.QtCore import QLocale, QSize, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QWidget

DEFAULT_SIZE = QSize(1400, 900)
DEFAULT_OUTPUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def render_png(
    widget: QWidget, path: Path, *, size: QSize = DEFAULT_SIZE, device_pixel_ratio: float = 2.0
) -> Path:
    """Lay `widget` out at `size` (device-independent pixels) and save it as a PNG at `path`.

    The widget is shown off screen so its layouts run, then hidden again. Raises OSError if the image
    cannot be written.
    """
    widget.resize(size)
    if not widget.isVisible():
        widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        widget.show()
        QApplication.processEvents()
        widget.hide()
    image = QImage(size * device_pixel_ratio, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(device_pixel_ratio)
    image.fill(Qt.GlobalColor.white)
    widget.render(image)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(path), "PNG"):
        raise OSError(f"could not write {path}")
    return path


def render_calendars(output: Path, *, language: str, locale: QLocale) -> list[Path]:
    """The week view of one doctor and the day view of four, on a demo week."""
    from desktop.ui.calendar import MultiDoctorDayView, WeekView
    from desktop.ui.calendar.demo import demo_calendar

    demo = demo_calendar(monday=date(2025, 3, 24))
    options = {"query": demo.query, "now": lambda: demo.now, "locale": locale, "slot_minutes": 20}
    written = []
    week = WeekView(doctor=demo.doctors[0], **options)  # type: ignore[arg-type]
    day = MultiDoctorDayView(doctors=demo.doctors, **options)  # type: ignore[arg-type]
    try:
        for view, name in ((week, "week"), (day, "day_multi")):
            view.show_today()
            written.append(render_png(view, output / f"{name}_{language}.png"))
        # A common ward PC's screen, less the window's navigation and status bar.
        written.append(render_png(week, output / f"week_1366_{language}.png", size=QSize(1166, 700)))
    finally:
        week.close()
        day.close()
        week.deleteLater()
        day.deleteLater()
    return written


LOCALES = {
    "en": QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom),
    "pt_BR": QLocale(QLocale.Language.Portuguese, QLocale.Country.Brazil),
}


def render_booking(output: Path, *, language: str, locale: QLocale) -> list[Path]:
    """The booking dialog of a free slot, made offline, with a patient chosen from the type-ahead."""
    import uuid
    from datetime import time

    from desktop.ops.calendar import local_instant
    from desktop.ops.calendar_query import RoomChoice
    from desktop.ops.patient_search import PatientIndex, PatientMatch
    from desktop.ui.calendar.booking_dialog import BookingDialog
    from desktop.ui.calendar.demo import DOCTORS, PATIENTS

    doctor = DOCTORS[0]
    patients = PatientIndex(
        PatientMatch(uuid.UUID(int=0x100 + n), name, f"MRN-{1040 + n:06d}", f"19{50 + n}-04-12")
        for n, name in enumerate(PATIENTS)
    )
    # Data, not interface text: what a Brazilian hospital's cache would hold.
    room, reason = (
        ("Consultório", "Retorno após alta")
        if language == "pt_BR"
        else (
            "Consultation room",
            "Follow-up after discharge",
        )
    )
    rooms = [RoomChoice(uuid.UUID(int=0x200 + n), f"{room} {n}") for n in (1, 2, 3)]
    dialog = BookingDialog(
        doctor=doctor,
        starts_at=local_instant(date(2025, 3, 27), time(11, 20), doctor.zone),
        patients=patients,
        rooms=rooms,
        slot_minutes=20,
        offline=True,
        is_open=lambda _starts, _ends: True,
        locale=locale,
    )
    try:
        (maria,) = patients.search("maria fer")
        dialog.choose_patient(maria)
        dialog.room.setCurrentIndex(2)
        dialog.reason.setText(reason)
        size = QSize(560, dialog.sizeHint().height())
        return [render_png(dialog, output / f"booking_{language}.png", size=size)]
    finally:
        dialog.close()
        dialog.deleteLater()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render WardDesk screens to PNG.")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--language", choices=sorted(LOCALES), help="one language (default: all)")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication([])
    from desktop.ui.admin.screenshots import render_admin
    from desktop.ui.documents.screenshots import render_documents
    from desktop.ui.patient.screenshots import render_patient
    from desktop.ui.shell.screenshots import render_shell
    from desktop.ui.shell.translations import install_translations
    from desktop.ui.tickets.screenshots import render_tickets, render_windows

    with tempfile.TemporaryDirectory() as cache_dir:
        for language in [args.language] if args.language else list(LOCALES):
            locale = LOCALES[language]
            translators = install_translations(app, language, cache_dir=Path(cache_dir))
            try:
                paths = render_calendars(args.output, language=language, locale=locale)
                paths += render_shell(args.output, language=language, locale=locale)
                paths += render_tickets(args.output, language=language, locale=locale)
                paths += render_booking(args.output, language=language, locale=locale)
                paths += render_windows(args.output, language=language, locale=locale)
                paths += render_patient(args.output, language=language, locale=locale)
                paths += render_admin(args.output, language=language, locale=locale)
                paths += render_documents(args.output, language=language, locale=locale)
            finally:
                for translator in translators:
                    app.removeTranslator(translator)
            for path in paths:
                print(path)
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
