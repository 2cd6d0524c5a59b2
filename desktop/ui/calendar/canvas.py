"""The painted calendar grid: columns of (doctor, day), hour rows, availability and appointments.

One widget paints everything; appointments are rows of an `AppointmentModel`, not child widgets. Work is
split by how often it is needed:

- placement (which column, which minutes, which lane): when the model, columns or windows change;
- geometry (pixel rectangles, elided text): when placement or the widget's size changes;
- paint: draws the cached geometry, plus the current-time line and the selection.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from PySide6.QtCore import QEvent, QLineF, QLocale, QPointF, QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetricsF,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QToolTip, QWidget

from desktop.ops.calendar import AppointmentItem, DoctorColumn, OpenWindow
from desktop.ui.calendar.model import AppointmentModel, describe
from desktop.ui.theme import StatusStyle, Theme
from shared.booking import AppointmentStatus

MINUTES_PER_DAY = 24 * 60
# Looked up once: attribute access on Qt's enums is slow in PySide6, and layout runs per appointment.
_ELIDE = Qt.TextElideMode.ElideRight
_SHORT = QLocale.FormatType.ShortFormat
# Statuses that occupy the doctor's time (counted in the header, preferred when a slot holds several).
_TAKES_TIME = frozenset(
    {
        AppointmentStatus.REQUESTED,
        AppointmentStatus.HELD,
        AppointmentStatus.CONFIRMED,
        AppointmentStatus.COMPLETED,
    }
)


@dataclass(frozen=True, slots=True)
class CanvasColumn:
    """One column of the grid: a doctor's local day, with the header text to show."""

    doctor: DoctorColumn
    day: date
    title: str


@dataclass(slots=True)
class _Placement:
    """Where an appointment sits in one column, in minutes of the local day (clipped to visible hours)."""

    item: AppointmentItem
    column: int
    top: float
    bottom: float
    lane: int = 0
    lanes: int = 1


@dataclass(slots=True)
class _Drawn:
    """A placement turned into pixels and pre-elided text, ready to paint."""

    item: AppointmentItem
    rect: QRectF
    style: StatusStyle
    texts: list[tuple[QPointF, str, int]]  # (baseline origin, text, font index)


@dataclass(slots=True)
class _Batch:
    """Everything drawn in one status style, so a repaint costs a few calls per style, not per item."""

    style: StatusStyle
    fill: QBrush
    hatch: QBrush | None
    border: QPen
    boxes: list[QRect]
    outlines: list[QRect]
    accents: list[QRect]
    texts: dict[int, list[tuple[QPointF, str]]]  # font index -> (baseline origin, text)
    pending: list[QPointF]


@dataclass(slots=True)
class _Grid:
    header: QRect
    gutter: QRect
    body: QRect
    below: QRect
    open_boxes: list[QRect]
    open_edges: list[QRect]
    half_lines: list[QLineF]
    hour_lines: list[QLineF]
    column_lines: list[QLineF]
    labels: list[tuple[QPointF, str]]
    headers: list[tuple[QPointF, str, QPointF, str]]


def _wall_minutes(instant: datetime, column: CanvasColumn) -> float:
    """Minutes from the column's local midnight to `instant`, on the doctor's wall clock."""
    wall = instant.astimezone(column.doctor.zone).replace(tzinfo=None)
    return (wall - datetime.combine(column.day, time(0))).total_seconds() / 60


def _assign_lanes(placements: list[_Placement]) -> None:
    """Side by side for overlapping appointments: each cluster of overlaps shares its lanes evenly."""
    placements.sort(key=lambda p: (p.top, -p.bottom))
    cluster: list[_Placement] = []
    lane_ends: list[float] = []
    cluster_end = -math.inf
    for placement in placements:
        if cluster and placement.top >= cluster_end:
            for member in cluster:
                member.lanes = len(lane_ends)
            cluster, lane_ends, cluster_end = [], [], -math.inf
        for lane, end in enumerate(lane_ends):
            if end <= placement.top:
                placement.lane = lane
                lane_ends[lane] = placement.bottom
                break
        else:
            placement.lane = len(lane_ends)
            lane_ends.append(placement.bottom)
        cluster.append(placement)
        cluster_end = max(cluster_end, placement.bottom)
    for member in cluster:
        member.lanes = len(lane_ends)


class CalendarCanvas(QWidget):
    """Paints columns of (doctor, day) between `day_start` and `day_end`, over an AppointmentModel.

    Signals: `slotActivated(doctor_id, starts_at_utc)` for a click/Enter on free time,
    `appointmentActivated(appointment_id)` for a click/Enter on an appointment, and
    `stepRequested(+1 | -1)` when the user pages to the next or previous range (PageDown/PageUp).
    """

    slotActivated = Signal(object, object)
    appointmentActivated = Signal(object)
    stepRequested = Signal(int)

    def __init__(
        self,
        model: AppointmentModel,
        *,
        theme: Theme,
        now: Callable[[], datetime],
        locale: QLocale | None = None,
        day_start: time = time(7),
        day_end: time = time(20),
        slot_minutes: int = 15,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        start = day_start.hour * 60 + day_start.minute
        end = day_end.hour * 60 + day_end.minute
        if not 0 <= start < end <= MINUTES_PER_DAY or not 5 <= slot_minutes <= 240:
            raise ValueError("the visible day must start before it ends, with slots of 5-240 minutes")
        self._model = model
        self._theme = theme
        self._now = now
        self._locale = locale if locale is not None else QLocale()
        self._start_min = start
        self._end_min = end
        self._slot_minutes = slot_minutes
        self._columns: list[CanvasColumn] = []
        self._windows: list[OpenWindow] = []
        self._placements: list[_Placement] | None = None
        self._outside: list[int] = []  # per column: appointments of that day outside the visible hours
        self._booked: list[int] = []  # per column: appointments that still take time
        self._drawn: list[_Drawn] | None = None
        self._batches: list[_Batch] = []
        self._grid: _Grid | None = None
        self._selected: tuple[int, int] = (0, 0)  # (column, slot)
        self._press_target: object = None

        self._fonts = [
            theme.font(scale=0.92, bold=True),  # 0 time
            theme.font(),  # 1 patient
            theme.font(scale=0.92, bold=True, struck=True),  # 2 time, cancelled
            theme.font(struck=True),  # 3 patient, cancelled
            theme.font(scale=0.92, italic=True),  # 4 reason / secondary
        ]
        self._metrics = [QFontMetricsF(font) for font in self._fonts]
        self._line_height = max(self._metrics[0].height(), self._metrics[1].height())
        self._name_ascent = self._metrics[1].ascent()
        self._name_middle = (self._metrics[1].ascent() - self._metrics[1].descent()) / 2
        self._clock_texts: dict[int, str] = {}
        self._widths: dict[tuple[int, str], float] = {}
        self._pens = [QPen(theme.grid_half, 1), QPen(theme.grid_hour, 1), QPen(theme.grid_column, 1)]
        self._header_title_font = theme.font(scale=1.08, bold=True)
        self._header_caption_font = theme.font(scale=0.9)
        self._gutter_font = theme.font(scale=0.9)
        self._hour_labels = [
            self._locale.toString(time(hour), QLocale.FormatType.ShortFormat)
            for hour in range(start // 60, math.ceil(end / 60) + 1)
            if hour < 24
        ]
        # Wide enough for the longest hour label in this locale and font ("10:00 AM" at 2x scaling too).
        widest = max(
            (QFontMetricsF(self._gutter_font).horizontalAdvance(t) for t in self._hour_labels), default=0
        )
        self._gutter = max(theme.gutter_width, math.ceil(widest) + 16)

        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setAccessibleName(self.tr("Calendar"))
        # A slot holds at least one line of text: a 15-minute appointment is never a clipped sliver.
        hour_height = max(theme.min_hour_height, math.ceil(60 / slot_minutes * (self._line_height + 6)))
        self.setMinimumHeight(theme.header_height + math.ceil((end - start) / 60 * hour_height))
        self.setMinimumWidth(self._gutter + 120)

        for signal in (
            model.modelReset,
            model.rowsInserted,
            model.rowsRemoved,
            model.dataChanged,
            model.layoutChanged,
            model.rowsMoved,
        ):
            signal.connect(self._invalidate_placement)

        # The current-time line moves once a minute; the timer dies with the widget.
        self._clock = QTimer(self)
        self._clock.setInterval(60_000)
        self._clock.timeout.connect(self.update)
        self._clock.start()

    # -- what to show

    def set_columns(self, columns: Sequence[CanvasColumn]) -> None:
        self._columns = list(columns)
        self._selected = (min(self._selected[0], max(len(self._columns) - 1, 0)), self._selected[1])
        self._invalidate_placement()

    def set_open_windows(self, windows: Sequence[OpenWindow]) -> None:
        self._windows = list(windows)
        self._invalidate_placement()

    def columns(self) -> list[CanvasColumn]:
        return list(self._columns)

    @property
    def slot_count(self) -> int:
        return math.ceil((self._end_min - self._start_min) / self._slot_minutes)

    def sizeHint(self) -> QSize:
        return QSize(1100, self.minimumHeight())

    # -- geometry

    def _invalidate_placement(self, *_args: object) -> None:
        self._placements = None
        self._drawn = None
        self.update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._drawn = None
        super().resizeEvent(event)

    def _body_top(self) -> float:
        return float(self._theme.header_height)

    def _pixels_per_minute(self) -> float:
        visible = self._end_min - self._start_min
        return max(self.height() - self._body_top() - 1, 1) / visible

    def _column_width(self) -> float:
        return (self.width() - self._gutter) / max(len(self._columns), 1)

    def _column_x(self, column: int) -> float:
        return self._gutter + column * self._column_width()

    def _y(self, minutes: float) -> float:
        return self._body_top() + (minutes - self._start_min) * self._pixels_per_minute()

    def _place(self) -> list[_Placement]:
        if self._placements is not None:
            return self._placements
        by_doctor: dict[uuid.UUID, list[int]] = {}
        for index, column in enumerate(self._columns):
            by_doctor.setdefault(column.doctor.id, []).append(index)
        per_column: list[list[_Placement]] = [[] for _ in self._columns]
        self._outside = [0] * len(self._columns)
        self._booked = [0] * len(self._columns)
        for item in self._model.items():
            indexes = by_doctor.get(item.doctor_id, ())
            if not indexes:
                continue
            # Convert to the doctor's wall clock once; each other day is a whole number of days away.
            first = self._columns[indexes[0]]
            first_top = _wall_minutes(item.starts_at, first)
            first_bottom = _wall_minutes(item.ends_at, first)
            for index in indexes:
                shift = (self._columns[index].day - first.day).days * MINUTES_PER_DAY
                top, bottom = first_top - shift, first_bottom - shift
                if bottom <= 0 or top >= MINUTES_PER_DAY:
                    continue  # another day of this doctor
                if item.status in _TAKES_TIME:
                    self._booked[index] += 1
                if bottom <= self._start_min or top >= self._end_min:
                    self._outside[index] += 1
                    continue
                per_column[index].append(
                    _Placement(
                        item=item,
                        column=index,
                        top=max(top, self._start_min),
                        bottom=min(bottom, self._end_min),
                    )
                )
        placements: list[_Placement] = []
        for column_placements in per_column:
            _assign_lanes(column_placements)
            placements.extend(column_placements)
        self._placements = placements
        return placements

    def _layout(self) -> list[_Drawn]:
        if self._drawn is not None:
            return self._drawn
        theme = self._theme
        width = self._column_width() - 2 * theme.column_padding
        column_xs = [self._column_x(index) + theme.column_padding for index in range(len(self._columns))]
        body_top, ppm, start = self._body_top(), self._pixels_per_minute(), self._start_min
        drawn: list[_Drawn] = []
        batches: dict[AppointmentStatus, _Batch] = {}
        for placement in self._place():
            lane_width = width / placement.lanes
            x = round(column_xs[placement.column] + placement.lane * lane_width)
            right = round(x + lane_width - theme.lane_gap)
            top = round(body_top + (placement.top - start) * ppm) + 1
            bottom = max(round(body_top + (placement.bottom - start) * ppm) - 1, top + 2)
            box = QRect(x, top, right - x, bottom - top)
            rect = QRectF(box)
            status = placement.item.status
            batch = batches.get(status)
            if batch is None:
                batch = batches[status] = self._new_batch(theme.status_style(status))
            texts = self._item_texts(placement, rect, batch.style)
            drawn.append(_Drawn(item=placement.item, rect=rect, style=batch.style, texts=texts))
            batch.boxes.append(box)
            batch.outlines.append(box.adjusted(0, 0, -1, -1))  # aliased outlines are drawn one pixel wider
            batch.accents.append(QRect(x, top, theme.accent_width, bottom - top))
            for origin, text, font in texts:
                batch.texts.setdefault(font, []).append((origin, text))
            if placement.item.pending:
                batch.pending.append(QPointF(rect.right() - 6, rect.top() + 6))
        self._drawn = drawn
        self._batches = list(batches.values())
        self._grid = self._layout_grid()
        return drawn

    @staticmethod
    def _new_batch(style: StatusStyle) -> _Batch:
        hatch = None
        if style.hatched:
            lines = QColor(style.border)
            lines.setAlpha(90)
            hatch = QBrush(lines, Qt.BrushStyle.BDiagPattern)
        border = QPen(style.border, 1, Qt.PenStyle.DashLine if style.dashed else Qt.PenStyle.SolidLine)
        if style.border_width > 1.2:
            border.setWidth(2)
        return _Batch(
            style=style,
            fill=QBrush(style.fill),
            hatch=hatch,
            border=border,
            boxes=[],
            outlines=[],
            accents=[],
            texts={},
            pending=[],
        )

    def _clock_text(self, at: datetime) -> str:
        """A wall-clock time in the locale's short format (cached: a week repeats the same few)."""
        key = at.hour * 60 + at.minute
        text = self._clock_texts.get(key)
        if text is None:
            text = self._clock_texts[key] = self._locale.toString(at.time(), _SHORT)
        return text

    def _width(self, font: int, text: str) -> float:
        key = (font, text)
        width = self._widths.get(key)
        if width is None:
            if len(self._widths) > 50_000:
                self._widths.clear()  # names come and go with the weeks shown; keep the cache small
            width = self._widths[key] = self._metrics[font].horizontalAdvance(text)
        return width

    def _fit(self, font: int, text: str, room: float) -> str:
        return text if self._width(font, text) <= room else self._metrics[font].elidedText(text, _ELIDE, room)

    def _item_texts(
        self, placement: _Placement, rect: QRectF, style: StatusStyle
    ) -> list[tuple[QPointF, str, int]]:
        """Lay the text of one appointment out inside its rectangle, elided to fit."""
        padding = self._theme.item_padding
        item = placement.item
        zone = self._columns[placement.column].doctor.zone
        time_font, name_font = (2, 3) if style.struck else (0, 1)
        left = rect.left() + self._theme.accent_width + padding
        room = rect.right() - left - padding
        if room < 8:
            return []
        starts = self._clock_text(item.starts_at.astimezone(zone))
        line = self._line_height
        texts: list[tuple[QPointF, str, int]] = []
        if rect.height() >= 2 * line + 4:
            baseline = rect.top() + 2 + self._name_ascent
            texts.append((QPointF(left, baseline), self._fit(name_font, item.patient_name, room), name_font))
            span = f"{starts}–{self._clock_text(item.ends_at.astimezone(zone))}"
            if self._width(time_font, span) > room:
                span = starts  # a narrow lane: the start is what matters
            baseline += line
            texts.append((QPointF(left, baseline), span, time_font))
            if item.reason and rect.height() >= 3 * line + 4:
                baseline += line
                texts.append((QPointF(left, baseline), self._fit(4, item.reason, room), 4))
            return texts
        # One line: start time, then as much of the name as fits, then the reason if there is room.
        baseline = rect.center().y() + self._name_middle
        start_width = self._width(time_font, starts)
        if start_width > room:
            return []
        texts.append((QPointF(left, baseline), starts, time_font))
        name_room = room - start_width - 5
        if name_room > 12:
            name = self._fit(name_font, item.patient_name, name_room)
            texts.append((QPointF(left + start_width + 5, baseline), name, name_font))
            reason_left = left + start_width + 5 + self._width(name_font, name) + 12
            reason_room = rect.right() - padding - reason_left
            if item.reason and name == item.patient_name and reason_room > 60:
                texts.append((QPointF(reason_left, baseline), self._fit(4, item.reason, reason_room), 4))
        return texts

    # -- hit testing

    def appointment_at(self, point: QPointF) -> AppointmentItem | None:
        """The appointment drawn at `point` (the topmost if several), or None."""
        for drawn in reversed(self._layout()):
            if drawn.rect.contains(point):
                return drawn.item
        return None

    def slot_at(self, point: QPointF) -> tuple[int, int] | None:
        """(column, slot) under `point`, or None outside the grid."""
        if not self._columns or point.x() < self._gutter or point.y() < self._body_top():
            return None
        column = int((point.x() - self._gutter) / self._column_width())
        slot = int((point.y() - self._body_top()) / self._pixels_per_minute() / self._slot_minutes)
        if not (0 <= column < len(self._columns) and 0 <= slot < self.slot_count):
            return None
        return column, slot

    def slot_at_minutes(self, minutes: float) -> int:
        """The slot holding a wall-clock minute of the day, clamped to the visible hours."""
        slot = int((minutes - self._start_min) // self._slot_minutes)
        return min(max(slot, 0), self.slot_count - 1)

    def slot_start(self, column: int, slot: int) -> datetime:
        """The UTC instant at which a slot starts, from the wall clock of the column's doctor."""
        target = self._columns[column]
        wall = datetime.combine(target.day, time(0)) + timedelta(
            minutes=self._start_min + slot * self._slot_minutes
        )
        return wall.replace(tzinfo=target.doctor.zone).astimezone(UTC)

    def slot_rect(self, column: int, slot: int) -> QRectF:
        top = self._y(self._start_min + slot * self._slot_minutes)
        bottom = self._y(min(self._start_min + (slot + 1) * self._slot_minutes, self._end_min))
        return QRectF(self._column_x(column), top, self._column_width(), bottom - top)

    def appointment_rects(self) -> dict[uuid.UUID, list[QRectF]]:
        """Where each appointment is drawn (several rectangles if it spans days); for tests and overlays."""
        rects: dict[uuid.UUID, list[QRectF]] = {}
        for drawn in self._layout():
            rects.setdefault(drawn.item.id, []).append(QRectF(drawn.rect))
        return rects

    def _appointment_in_slot(self, column: int, slot: int) -> AppointmentItem | None:
        starts = self._start_min + slot * self._slot_minutes
        ends = starts + self._slot_minutes
        candidates = [
            p.item for p in self._place() if p.column == column and p.top < ends and p.bottom > starts
        ]
        # A slot holding a live appointment and a cancelled one opens the live one.
        candidates.sort(key=lambda item: item.status not in _TAKES_TIME)
        return candidates[0] if candidates else None

    def _is_open(self, column: int, instant: datetime) -> bool:
        doctor_id = self._columns[column].doctor.id
        return any(w.doctor_id == doctor_id and w.starts_at <= instant < w.ends_at for w in self._windows)

    # -- selection and activation

    def selected_slot(self) -> tuple[int, int]:
        return self._selected

    def select_slot(self, column: int, slot: int) -> None:
        if not self._columns:
            return
        column = min(max(column, 0), len(self._columns) - 1)
        slot = min(max(slot, 0), self.slot_count - 1)
        if (column, slot) != self._selected:
            self._selected = (column, slot)
            self.setAccessibleDescription(self._describe_slot(column, slot))
            self.update()

    def _describe_slot(self, column: int, slot: int) -> str:
        item = self._appointment_in_slot(column, slot)
        target = self._columns[column]
        if item is not None:
            return describe(item, zone=target.doctor.zone, locale=self._locale)
        starts = self.slot_start(column, slot)
        local = starts.astimezone(target.doctor.zone)
        when = self._locale.toString(local.date(), QLocale.FormatType.LongFormat)
        at = self._locale.toString(local.time(), QLocale.FormatType.ShortFormat)
        if self._is_open(column, starts):
            return self.tr("{doctor}, {day} at {time}: free").format(
                doctor=target.doctor.name, day=when, time=at
            )
        return self.tr("{doctor}, {day} at {time}: outside opening hours").format(
            doctor=target.doctor.name, day=when, time=at
        )

    def activate_selected(self) -> None:
        """Open what is in the selected slot: its appointment, or a booking at its start."""
        if not self._columns:
            return
        column, slot = self._selected
        item = self._appointment_in_slot(column, slot)
        if item is not None:
            self.appointmentActivated.emit(item.id)
        else:
            self.slotActivated.emit(self._columns[column].doctor.id, self.slot_start(column, slot))

    def _target_at(self, point: QPointF) -> object:
        item = self.appointment_at(point)
        if item is not None:
            return item.id
        return self.slot_at(point)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        point = event.position()
        self._press_target = self._target_at(point)
        hit = self.slot_at(point)
        if hit is not None:
            self.select_slot(*hit)
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mouseReleaseEvent(event)
            return
        point = event.position()
        target = self._target_at(point)
        # Activate only when the press and the release land on the same thing (a dragged-off click cancels).
        if target is not None and target == self._press_target:
            if isinstance(target, uuid.UUID):
                self.appointmentActivated.emit(target)
            else:
                column, slot = target  # type: ignore[misc]
                self.slotActivated.emit(self._columns[column].doctor.id, self.slot_start(column, slot))
        self._press_target = None
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        # The first click of a double click has already activated; a second activation would open twice.
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        column, slot = self._selected
        key = event.key()
        moves = {
            Qt.Key.Key_Up: (column, slot - 1),
            Qt.Key.Key_Down: (column, slot + 1),
            Qt.Key.Key_Left: (column - 1, slot),
            Qt.Key.Key_Right: (column + 1, slot),
            Qt.Key.Key_Home: (column, 0),
            Qt.Key.Key_End: (column, self.slot_count - 1),
        }
        if key in moves:
            self.select_slot(*moves[key])
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.activate_selected()
        elif key == Qt.Key.Key_PageUp:
            self.stepRequested.emit(-1)
        elif key == Qt.Key.Key_PageDown:
            self.stepRequested.emit(1)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            self._show_tooltip(event)
            return True
        return super().event(event)

    def _show_tooltip(self, event: QHelpEvent) -> None:
        point = QPointF(event.pos())
        item = self.appointment_at(point)
        hit = self.slot_at(point)
        if item is not None and hit is not None:
            text = describe(item, zone=self._columns[hit[0]].doctor.zone, locale=self._locale)
        elif hit is not None:
            text = self._describe_slot(*hit)
        else:
            QToolTip.hideText()
            event.ignore()
            return
        QToolTip.showText(event.globalPos(), text, self)

    # -- painting

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            if not self._columns:
                painter.fillRect(self.rect(), self._theme.window)
                return
            self._layout()
            now = self._now()
            today = [column.day == now.astimezone(column.doctor.zone).date() for column in self._columns]
            # Marking today in the header only means something when the columns are different days.
            several_days = len({column.day for column in self._columns}) > 1
            self._paint_grid(painter, [is_today and several_days for is_today in today])
            self._paint_items(painter)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            self._paint_now(painter, now, today)
            self._paint_selection(painter)
        finally:
            painter.end()

    def _layout_grid(self) -> _Grid:
        """Pixels of everything but the appointments: backgrounds, availability, lines, labels, headers."""
        body_top = round(self._body_top())
        bottom = round(self._y(self._end_min))
        width = self.width()
        gutter = self._gutter

        open_boxes, open_edges = [], []
        by_doctor: dict[uuid.UUID, list[int]] = {}
        for index, column in enumerate(self._columns):
            by_doctor.setdefault(column.doctor.id, []).append(index)
        for window in self._windows:
            for index in by_doctor.get(window.doctor_id, ()):
                column = self._columns[index]
                top = max(_wall_minutes(window.starts_at, column), self._start_min)
                end = min(_wall_minutes(window.ends_at, column), self._end_min)
                if end <= top:
                    continue
                x = round(self._column_x(index))
                y, y_end = round(self._y(top)), round(self._y(end))
                open_boxes.append(QRect(x, y, round(self._column_x(index + 1)) - x, y_end - y))
                open_edges.append(QRect(x + 1, y, 2, y_end - y))

        half_lines, hour_lines = [], []
        first_hour = math.ceil(self._start_min / 60) * 60
        for minutes in range(first_hour - 30, self._end_min + 1, 30):
            if minutes <= self._start_min:
                continue
            y = round(self._y(minutes)) + 0.5
            if minutes % 60:
                half_lines.append(QLineF(gutter, y, width, y))
            else:
                hour_lines.append(QLineF(gutter - 6, y, width, y))
        column_lines = [
            QLineF(round(self._column_x(i)) - 0.5, 0, round(self._column_x(i)) - 0.5, bottom)
            for i in range(len(self._columns))
        ]
        column_lines.append(QLineF(0, body_top - 0.5, width, body_top - 0.5))

        # Hour labels in the gutter, centred on their line (the first and last kept inside the grid).
        labels = []
        metrics = QFontMetricsF(self._gutter_font)
        first_label_hour = self._start_min // 60
        for offset, label in enumerate(self._hour_labels):
            minutes = (first_label_hour + offset) * 60
            if minutes < self._start_min or minutes > self._end_min:
                continue
            y = self._y(minutes)
            x = gutter - 10 - metrics.horizontalAdvance(label)
            if minutes == self._start_min:
                baseline = y + metrics.ascent() + 3
            elif minutes == self._end_min:
                baseline = y - metrics.descent() - 3
            else:
                baseline = y + metrics.ascent() / 2 - 1
            labels.append((QPointF(x, baseline), label))

        # Header: the column's title, then a count of what it holds.
        headers = []
        title_metrics = QFontMetricsF(self._header_title_font)
        caption_metrics = QFontMetricsF(self._header_caption_font)
        room = self._column_width() - 20
        for index, column in enumerate(self._columns):
            x = self._column_x(index) + 10
            title = title_metrics.elidedText(column.title, Qt.TextElideMode.ElideRight, room)
            caption = caption_metrics.elidedText(self._caption(index), Qt.TextElideMode.ElideRight, room)
            headers.append(
                (
                    QPointF(x, 8 + title_metrics.ascent()),
                    title,
                    QPointF(x, 8 + title_metrics.height() + 3 + caption_metrics.ascent()),
                    caption,
                )
            )
        return _Grid(
            header=QRect(0, 0, width, body_top),
            gutter=QRect(0, body_top, gutter, self.height() - body_top),
            body=QRect(gutter, body_top, width - gutter, bottom - body_top),
            below=QRect(gutter, bottom, width - gutter, max(self.height() - bottom, 0)),
            open_boxes=open_boxes,
            open_edges=open_edges,
            half_lines=half_lines,
            hour_lines=hour_lines,
            column_lines=column_lines,
            labels=labels,
            headers=headers,
        )

    def _paint_grid(self, painter: QPainter, today: list[bool]) -> None:
        theme = self._theme
        grid = self._grid
        assert grid is not None, "laid out before painting"
        # Each pixel filled once where possible: big fills are what a repaint spends most time on.
        painter.fillRect(grid.header, theme.header)
        painter.fillRect(grid.gutter, theme.window)
        painter.fillRect(grid.below, theme.window)
        painter.fillRect(grid.body, theme.closed_hours)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme.open_hours)
        painter.drawRects(grid.open_boxes)
        painter.setBrush(theme.open_edge)
        painter.drawRects(grid.open_edges)

        painter.setPen(self._pens[0])
        painter.drawLines(grid.half_lines)
        painter.setPen(self._pens[1])
        painter.drawLines(grid.hour_lines)
        painter.setPen(self._pens[2])
        painter.drawLines(grid.column_lines)

        painter.setFont(self._gutter_font)
        painter.setPen(theme.text_muted)
        for origin, label in grid.labels:
            painter.drawText(origin, label)

        painter.setFont(self._header_title_font)
        for index, (origin, title, _, _) in enumerate(grid.headers):
            painter.setPen(theme.today if today[index] else theme.text)
            painter.drawText(origin, title)
        painter.setFont(self._header_caption_font)
        painter.setPen(theme.text_muted)
        for _, _, origin, caption in grid.headers:
            painter.drawText(origin, caption)
        column_width = self._column_width()
        for index, is_today in enumerate(today):
            if is_today:
                x = self._column_x(index)
                painter.fillRect(QRectF(x, grid.header.bottom() - 2, column_width, 3), theme.today)

    def _caption(self, index: int) -> str:
        booked = self._booked[index]
        caption = self.tr("{count} booked").format(count=booked) if booked else self.tr("Nothing booked")
        if self._outside[index]:
            caption += " · " + self.tr("{count} outside these hours").format(count=self._outside[index])
        return caption

    def _paint_items(self, painter: QPainter) -> None:
        # Square, pixel-aligned boxes drawn without antialiasing, a few calls per status: this keeps a
        # crowded week well under a frame (antialiased rounded boxes cost about 20 us each).
        no_pen, no_brush = Qt.PenStyle.NoPen, Qt.BrushStyle.NoBrush
        fonts = self._fonts
        for batch in self._batches:
            painter.setPen(no_pen)
            painter.setBrush(batch.fill)
            painter.drawRects(batch.boxes)
            if batch.hatch is not None:
                painter.setBrush(batch.hatch)
                painter.drawRects(batch.boxes)
            painter.setBrush(no_brush)
            painter.setPen(batch.border)
            painter.drawRects(batch.outlines)
            painter.setPen(no_pen)
            painter.setBrush(batch.style.accent)
            painter.drawRects(batch.accents)
            painter.setPen(batch.style.text)
            for font, texts in batch.texts.items():
                painter.setFont(fonts[font])
                for origin, text in texts:
                    painter.drawText(origin, text)
        pending = [point for batch in self._batches for point in batch.pending]
        if pending:
            # A local change the server has not answered yet: a dot in the corner (the tooltip says so).
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setPen(QPen(self._theme.window, 1.5))
            painter.setBrush(self._theme.pending_mark)
            for point in pending:
                painter.drawEllipse(point, 3.5, 3.5)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    def _paint_now(self, painter: QPainter, now: datetime, today: list[bool]) -> None:
        theme = self._theme
        for index, column in enumerate(self._columns):
            if not today[index]:
                continue
            minutes = _wall_minutes(now, column)
            if not self._start_min <= minutes <= self._end_min:
                continue
            y = self._y(minutes)
            x = self._column_x(index)
            painter.setPen(QPen(theme.now_line, 2))
            painter.drawLine(QLineF(x, y, x + self._column_width(), y))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(theme.now_line)
            painter.drawEllipse(QPointF(x + 1, y), 4.5, 4.5)

    def _paint_selection(self, painter: QPainter) -> None:
        column, slot = self._selected
        # The selection is the keyboard's cursor: shown while the calendar has the focus.
        if column >= len(self._columns) or not self.hasFocus():
            return
        rect = self.slot_rect(column, slot).adjusted(1.5, 0.5, -1.5, -0.5)
        painter.setBrush(self._theme.selection_fill)
        painter.setPen(QPen(self._theme.selection, 2))
        painter.drawRoundedRect(rect, 3, 3)
