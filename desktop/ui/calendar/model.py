"""The Qt item model behind the calendar views: the appointments of the visible range, nothing more."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, tzinfo
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from desktop.ops.calendar import AppointmentItem, DoctorColumn
from desktop.ui.theme import status_label

ItemRole = Qt.ItemDataRole.UserRole + 1  # the AppointmentItem itself
IdRole = Qt.ItemDataRole.UserRole + 2  # the appointment id (uuid.UUID)

_Index = QModelIndex | QPersistentModelIndex


def describe(item: AppointmentItem, *, zone: tzinfo, locale: QLocale) -> str:
    """A one-paragraph description of an appointment in the doctor's zone, for tooltips and screen readers."""
    tr = QCoreApplication.translate
    starts = item.starts_at.astimezone(zone)
    ends = item.ends_at.astimezone(zone)
    when = tr("Appointment", "{day}, {start} to {end}").format(
        day=locale.toString(starts.date(), QLocale.FormatType.ShortFormat),
        start=locale.toString(starts.time(), QLocale.FormatType.ShortFormat),
        end=locale.toString(ends.time(), QLocale.FormatType.ShortFormat),
    )
    lines = [
        item.patient_name,
        when,
        tr("Appointment", "Status: {status}").format(status=status_label(item.status)),
    ]
    if item.pending:
        lines.append(tr("Appointment", "Waiting for the server's answer"))
    if item.reason:
        lines.append(tr("Appointment", "Reason: {reason}").format(reason=item.reason))
    return "\n".join(lines)


class AppointmentModel(QAbstractListModel):
    """A list of AppointmentItems, replaced whole when the range changes and patched for single changes."""

    def __init__(self, parent: Any = None, *, locale: QLocale | None = None) -> None:
        super().__init__(parent)
        self._items: list[AppointmentItem] = []
        self._locale = locale if locale is not None else QLocale()
        self._zones: dict[uuid.UUID, tzinfo] = {}

    # -- reading

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items) or index.column() != 0:
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return item.patient_name
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleDescriptionRole):
            return describe(item, zone=self._zones.get(item.doctor_id, UTC), locale=self._locale)
        if role == ItemRole:
            return item
        if role == IdRole:
            return item.id
        return None

    def items(self) -> list[AppointmentItem]:
        """The current items (do not mutate)."""
        return self._items

    def row_of(self, appointment_id: uuid.UUID) -> int | None:
        for row, item in enumerate(self._items):
            if item.id == appointment_id:
                return row
        return None

    # -- changing

    def set_doctors(self, doctors: Sequence[DoctorColumn]) -> None:
        """The doctors shown, whose zones the descriptions use."""
        self._zones = {doctor.id: doctor.zone for doctor in doctors}

    def set_items(self, items: Iterable[AppointmentItem]) -> None:
        """Replace everything (a new visible range)."""
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def upsert(self, item: AppointmentItem) -> None:
        """Add an appointment or replace the one with the same id (one change reported by a mutation)."""
        row = self.row_of(item.id)
        if row is None:
            self.beginInsertRows(QModelIndex(), len(self._items), len(self._items))
            self._items.append(item)
            self.endInsertRows()
        else:
            self._items[row] = item
            changed = self.index(row, 0)
            self.dataChanged.emit(changed, changed)

    def remove(self, appointment_id: uuid.UUID) -> None:
        """Drop an appointment if shown (it moved out of the range or was deleted)."""
        row = self.row_of(appointment_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._items[row]
        self.endRemoveRows()
