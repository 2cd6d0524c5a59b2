"""Colours, fonts and spacing of the desktop, in one place.

Sizes are in device-independent pixels and fonts in points, so the same numbers look right on a 4K ward
screen (Qt 6 scales by the screen's device pixel ratio). `configure_high_dpi()` must run before the
QApplication exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication

from shared.booking import AppointmentStatus


def configure_high_dpi() -> None:
    """Use the screen's exact scale factor (e.g. 1.5) instead of rounding it; call before QApplication."""
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)


@dataclass(frozen=True)
class StatusStyle:
    """How an appointment of one status is drawn."""

    fill: QColor
    border: QColor
    accent: QColor  # the bar on the item's left edge
    text: QColor
    dashed: bool = False  # outline drawn dashed (not yet accepted by the server)
    hatched: bool = False  # fill drawn with diagonal lines
    struck: bool = False  # text struck through (no longer happening)
    border_width: float = 1.0


def status_label(status: AppointmentStatus) -> str:
    """The translated name of a status, as the user reads it."""
    labels = {
        AppointmentStatus.REQUESTED: QCoreApplication.translate("AppointmentStatus", "Requested"),
        AppointmentStatus.HELD: QCoreApplication.translate("AppointmentStatus", "Held"),
        AppointmentStatus.CONFIRMED: QCoreApplication.translate("AppointmentStatus", "Confirmed"),
        AppointmentStatus.REJECTED: QCoreApplication.translate("AppointmentStatus", "Rejected"),
        AppointmentStatus.CANCELLED: QCoreApplication.translate("AppointmentStatus", "Cancelled"),
        AppointmentStatus.COMPLETED: QCoreApplication.translate("AppointmentStatus", "Completed"),
        AppointmentStatus.NO_SHOW: QCoreApplication.translate("AppointmentStatus", "No-show"),
    }
    return labels[status]


def _status_styles() -> dict[AppointmentStatus, StatusStyle]:
    c = QColor
    return {
        AppointmentStatus.REQUESTED: StatusStyle(
            fill=c("#EEF0FF"),
            border=c("#5B5FC7"),
            accent=c("#5B5FC7"),
            text=c("#2E3192"),
            dashed=True,
            hatched=True,
            border_width=1.2,
        ),
        AppointmentStatus.HELD: StatusStyle(
            fill=c("#FFF1C7"),
            border=c("#E0A100"),
            accent=c("#D48A00"),
            text=c("#5C3B00"),
        ),
        AppointmentStatus.CONFIRMED: StatusStyle(
            fill=c("#DCEBFF"),
            border=c("#8DB6F0"),
            accent=c("#1F6FD1"),
            text=c("#0F2F5C"),
        ),
        AppointmentStatus.COMPLETED: StatusStyle(
            fill=c("#DDF3E6"),
            border=c("#96D1AE"),
            accent=c("#1E8A4C"),
            text=c("#0F4427"),
        ),
        AppointmentStatus.CANCELLED: StatusStyle(
            fill=c("#EDEEF0"),
            border=c("#C4C8CE"),
            accent=c("#9AA1AA"),
            text=c("#6B7280"),
            struck=True,
        ),
        AppointmentStatus.NO_SHOW: StatusStyle(
            fill=c("#EDEEF0"),
            border=c("#C98A4B"),
            accent=c("#B4691F"),
            text=c("#5F6670"),
            dashed=True,
        ),
        AppointmentStatus.REJECTED: StatusStyle(
            fill=c("#FFF3F3"),
            border=c("#D23B3B"),
            accent=c("#D23B3B"),
            text=c("#8E1C1C"),
            border_width=1.6,
        ),
    }


@dataclass(frozen=True)
class Theme:
    """The look of the calendars (and, later, the rest of the desktop)."""

    base_font: QFont
    # Surfaces
    window: QColor = field(default_factory=lambda: QColor("#FFFFFF"))
    closed_hours: QColor = field(default_factory=lambda: QColor("#F1F3F6"))  # outside availability
    open_hours: QColor = field(default_factory=lambda: QColor("#FFFFFF"))  # availability, shaded lighter
    open_edge: QColor = field(default_factory=lambda: QColor("#7CC4A0"))  # marks where availability runs
    header: QColor = field(default_factory=lambda: QColor("#FAFBFC"))
    grid_hour: QColor = field(default_factory=lambda: QColor("#D9DDE3"))
    grid_half: QColor = field(default_factory=lambda: QColor("#ECEEF1"))
    grid_column: QColor = field(default_factory=lambda: QColor("#D9DDE3"))
    text: QColor = field(default_factory=lambda: QColor("#1F2328"))
    text_muted: QColor = field(default_factory=lambda: QColor("#656D76"))
    today: QColor = field(default_factory=lambda: QColor("#1F6FD1"))
    today_text: QColor = field(default_factory=lambda: QColor("#FFFFFF"))
    now_line: QColor = field(default_factory=lambda: QColor("#E5484D"))
    selection: QColor = field(default_factory=lambda: QColor("#1F6FD1"))
    selection_fill: QColor = field(default_factory=lambda: QColor(31, 111, 209, 28))
    pending_mark: QColor = field(default_factory=lambda: QColor("#6E56CF"))
    # Spacing (device-independent pixels)
    gutter_width: int = 58
    header_height: int = 52
    min_hour_height: int = 44
    item_radius: float = 4.0
    item_padding: int = 5
    accent_width: int = 4
    lane_gap: int = 2
    column_padding: int = 3
    statuses: dict[AppointmentStatus, StatusStyle] = field(default_factory=_status_styles)

    @classmethod
    def default(cls, base_font: QFont | None = None) -> Theme:
        """The light theme, on the application's font unless one is given."""
        font = QFont(base_font) if base_font is not None else QGuiApplication.font()
        if font.pointSizeF() < 9:
            font.setPointSizeF(9)
        return cls(base_font=font)

    def font(
        self, *, scale: float = 1.0, bold: bool = False, italic: bool = False, struck: bool = False
    ) -> QFont:
        """A variant of the base font."""
        font = QFont(self.base_font)
        font.setPointSizeF(self.base_font.pointSizeF() * scale)
        font.setBold(bold)
        font.setItalic(italic)
        font.setStrikeOut(struck)
        return font

    def status_style(self, status: AppointmentStatus) -> StatusStyle:
        return self.statuses[status]
