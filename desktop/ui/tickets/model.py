"""Qt models of the ticket screens: thin adapters over the store, fast with tens of thousands of tickets.

`TicketTableModel` holds only the ids of the tickets that match (from a `TicketIndex`, filtered and
sorted in memory) and a bounded cache of rows. A row the view asks for and the cache lacks is requested
from the store worker in a batch with its neighbours (the `request_rows` callback, answered through
`deliver_rows`): until it arrives the row shows an ellipsis. Anki's browser table works the same way.
`FormularyModel` feeds the medication type-ahead.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QStyle

from desktop.ops.tickets import FormularyItem, TicketFilter, TicketIndex, TicketOrder, TicketRow
from desktop.ui.tickets import text
from shared.tickets import Priority

IdRole = Qt.ItemDataRole.UserRole + 1  # the ticket id as text
RowRole = Qt.ItemDataRole.UserRole + 2  # the TicketRow, or None while it loads
CodeRole = Qt.ItemDataRole.UserRole + 3  # formulary: the medication code
ItemRole = Qt.ItemDataRole.UserRole + 4  # formulary: the FormularyItem

_Index = QModelIndex | QPersistentModelIndex
MAX_CACHED_ROWS = 5000
PREFETCH = 40  # rows fetched on either side of the ones the view asked for
LOADING = "…"
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


class Column(enum.Enum):
    PRIORITY = "priority"
    STATUS = "status"
    WARD = "ward"
    MEDICATIONS = "medications"
    NEEDED_BY = "needed_by"
    SUBMITTED = "submitted"
    REQUESTED_BY = "requested_by"
    SYNC = "sync"


SORT_ORDERS = {
    Column.PRIORITY: TicketOrder.PRIORITY,
    Column.STATUS: TicketOrder.STATUS,
    Column.WARD: TicketOrder.WARD,
    Column.NEEDED_BY: TicketOrder.NEEDED_BY,
    Column.SUBMITTED: TicketOrder.SUBMITTED_AT,
}


def column_title(column: Column) -> str:
    titles = {
        Column.PRIORITY: text.tr("Priority"),
        Column.STATUS: text.tr("Status"),
        Column.WARD: text.tr("Ward"),
        Column.MEDICATIONS: text.tr("Medications"),
        Column.NEEDED_BY: text.tr("Needed by"),
        Column.SUBMITTED: text.tr("Submitted"),
        Column.REQUESTED_BY: text.tr("Requested by"),
        Column.SYNC: text.tr("On this workstation"),
    }
    return titles[column]


class TicketTableModel(QAbstractTableModel):
    """The matching tickets, one per row; rows load lazily. Sorting and filtering go through the index."""

    def __init__(
        self,
        parent: Any = None,
        *,
        index: TicketIndex,
        request_rows: Callable[[list[str]], None],
        columns: Sequence[Column] = tuple(Column),
        locale: QLocale | None = None,
        order: TicketOrder = TicketOrder.PRIORITY,
    ) -> None:
        super().__init__(parent)
        self._index = index
        self._request_rows = request_rows
        self._columns = list(columns)
        self._locale = locale if locale is not None else QLocale()
        self._filter = TicketFilter()
        self._order = order
        self._descending = False
        self._ids: list[str] = []
        self._row_of: dict[str, int] | None = None
        self._cache: dict[str, TicketRow] = {}
        self._cells: dict[str, list[dict[int, Any]]] = {}  # each cached row's cells, formatted once
        self._bold = QFont()
        self._bold.setBold(True)
        self._wanted: set[str] = set()
        self._in_flight: set[str] = set()
        self._ward_names: Mapping[str, str] = {}
        self._medication_names: Mapping[str, str] = {}
        self._flush = QTimer(self)
        self._flush.setSingleShot(True)
        self._flush.setInterval(0)
        self._flush.timeout.connect(self._request_wanted)
        self._stat_icon = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)

    # ---- what is shown ----

    @property
    def columns(self) -> list[Column]:
        return list(self._columns)

    @property
    def current_filter(self) -> TicketFilter:
        return self._filter

    @property
    def order(self) -> tuple[TicketOrder, bool]:
        return self._order, self._descending

    def set_names(self, *, wards: Mapping[str, str], medications: Mapping[str, str]) -> None:
        self._ward_names = dict(wards)
        self._medication_names = dict(medications)
        self._index.set_ward_names(self._ward_names)
        self._cells.clear()
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(self._columns) - 1))

    def set_filter(self, where: TicketFilter) -> None:
        """Show the tickets matching `where` (in memory: milliseconds for 50,000 tickets)."""
        self._filter = where
        self.refresh()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self._columns):
            return
        ticket_order = SORT_ORDERS.get(self._columns[column])
        if ticket_order is None:
            return  # not a sortable column: keep the current order
        self._order = ticket_order
        self._descending = order == Qt.SortOrder.DescendingOrder
        self.refresh()

    def sort_column(self) -> int:
        for number, column in enumerate(self._columns):
            if SORT_ORDERS.get(column) is self._order:
                return number
        return -1

    def refresh(self) -> None:
        """Select the ids again (after a filter, a sort, or new keys in the index); cached rows stay."""
        ids = self._index.select(self._filter, order=self._order, descending=self._descending)
        self.beginResetModel()
        self._ids = ids
        self._row_of = None
        self._wanted.clear()
        self.endResetModel()

    def invalidate(self, ids: Iterable[str] | None = None) -> None:
        """Forget cached rows (all, or these) so they load again: the tickets changed in the store."""
        if ids is None:
            self._cache.clear()
            self._cells.clear()
            if self._ids:
                last = self.index(len(self._ids) - 1, len(self._columns) - 1)
                self.dataChanged.emit(self.index(0, 0), last)
            return
        for ticket_id in ids:
            self._cache.pop(ticket_id, None)
            self._cells.pop(ticket_id, None)
            row = self.row_of(ticket_id)
            if row is not None:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self._columns) - 1))

    def deliver_rows(self, rows: Mapping[str, TicketRow]) -> None:
        """Rows read by the store worker arrive; the view repaints them."""
        requested = set(rows)
        if len(self._cache) + len(rows) > MAX_CACHED_ROWS:
            self._cache.clear()
            self._cells.clear()
        self._cache.update(rows)
        self._in_flight -= requested
        numbers = [n for n in (self.row_of(i) for i in requested) if n is not None]
        if numbers:
            last = self.index(max(numbers), len(self._columns) - 1)
            self.dataChanged.emit(self.index(min(numbers), 0), last)

    def rows_failed(self, ids: Iterable[str]) -> None:
        """A row request failed: ask again the next time the view wants them."""
        self._in_flight -= set(ids)

    # ---- lookups ----

    def ticket_ids(self) -> list[str]:
        return self._ids

    def ticket_id(self, row: int) -> uuid.UUID | None:
        return uuid.UUID(self._ids[row]) if 0 <= row < len(self._ids) else None

    def row_of(self, ticket_id: str | uuid.UUID) -> int | None:
        if self._row_of is None:
            self._row_of = {ticket: number for number, ticket in enumerate(self._ids)}
        return self._row_of.get(str(ticket_id))

    def cached_row(self, ticket_id: str) -> TicketRow | None:
        return self._cache.get(ticket_id)

    # ---- Qt's model interface ----

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return column_title(self._columns[section])
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        return _ROW_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called for every role of every visible cell on each paint: a couple of lookups, nothing more.
        row_number, column = index.row(), index.column()
        if not (0 <= row_number < len(self._ids) and 0 <= column < len(self._columns)) or not index.isValid():
            return None
        ticket_id = self._ids[row_number]
        if role == IdRole:
            return ticket_id
        cells = self._cells.get(ticket_id)
        if cells is None:
            row = self._cache.get(ticket_id)
            if row is None:
                self._want(ticket_id)
                return LOADING if role == _DISPLAY and column == 0 else None
            cells = self._cells[ticket_id] = self._format(row)
        if role == RowRole:
            return self._cache.get(ticket_id)
        return cells[column].get(int(role))

    def _format(self, row: TicketRow) -> list[dict[int, Any]]:
        """Every role of every cell of one row, worked out once (dates and names are slow to format)."""
        description = self.describe(row)
        stat = row.priority is Priority.STAT
        urgent = row.priority is Priority.URGENT
        cells = []
        for column in self._columns:
            shown = self._display(row, column)
            cell: dict[int, Any] = {
                _DISPLAY: shown,
                int(Qt.ItemDataRole.AccessibleTextRole): shown,
                int(Qt.ItemDataRole.ToolTipRole): description,
                int(Qt.ItemDataRole.AccessibleDescriptionRole): description,
            }
            if stat:
                cell[int(Qt.ItemDataRole.BackgroundRole)] = text.STAT_BACKGROUND
                cell[int(Qt.ItemDataRole.ForegroundRole)] = text.STAT_TEXT
            elif urgent and column is Column.PRIORITY:
                cell[int(Qt.ItemDataRole.BackgroundRole)] = text.URGENT_BACKGROUND
                cell[int(Qt.ItemDataRole.ForegroundRole)] = text.URGENT_TEXT
            if column is Column.SYNC and row.pending:
                cell[int(Qt.ItemDataRole.ForegroundRole)] = text.PENDING_TEXT
            if stat and column is Column.PRIORITY:
                cell[int(Qt.ItemDataRole.FontRole)] = self._bold
                cell[int(Qt.ItemDataRole.DecorationRole)] = self._stat_icon
            cells.append(cell)
        return cells

    def _display(self, row: TicketRow, column: Column) -> str:
        if column is Column.PRIORITY:
            return text.priority_label(row.priority)
        if column is Column.STATUS:
            label = text.status_label(row.status)
            return label + (text.tr(" · discrepancy") if row.has_discrepancy else "")
        if column is Column.WARD:
            return self._ward_names.get(row.ward_id, "")
        if column is Column.MEDICATIONS:
            return self.medications(row)
        if column is Column.NEEDED_BY:
            return text.format_time(row.needed_by, self._locale, empty="")
        if column is Column.SUBMITTED:
            return text.format_time(row.submitted_at, self._locale, empty="")
        if column is Column.REQUESTED_BY:
            return row.requested_by_name
        return text.tr("Waiting for the server") if row.pending else ""

    def medications(self, row: TicketRow) -> str:
        parts = [
            f"{self._medication_names.get(line.medication_code) or line.medication_code} × {line.quantity}"
            for line in row.lines[:3]
        ]
        if len(row.lines) > 3:
            parts.append(text.tr("+{count} more").format(count=len(row.lines) - 3))
        return ", ".join(parts)

    def describe(self, row: TicketRow) -> str:
        """The whole row in words, for tooltips and screen readers."""
        parts = [
            text.tr("Priority: {priority}").format(priority=text.priority_label(row.priority)),
            text.tr("Status: {status}").format(status=text.status_label(row.status)),
            self.medications(row),
        ]
        if row.needed_by:
            when = text.format_time(row.needed_by, self._locale)
            parts.append(text.tr("Needed by {time}").format(time=when))
        if row.pending:
            parts.append(text.tr("A change made here is waiting for the server."))
        if row.has_discrepancy:
            parts.append(text.tr("Received with a discrepancy."))
        return "\n".join(parts)

    # ---- lazy loading ----

    def _want(self, ticket_id: str) -> None:
        if ticket_id in self._in_flight or ticket_id in self._wanted:
            return
        self._wanted.add(ticket_id)
        if not self._flush.isActive():
            self._flush.start()

    def _request_wanted(self) -> None:
        numbers = [n for n in (self.row_of(i) for i in self._wanted) if n is not None]
        self._wanted.clear()
        if not numbers:
            return
        first = max(0, min(numbers) - PREFETCH)
        last = min(len(self._ids), max(numbers) + PREFETCH + 1)
        batch = [
            ticket
            for ticket in self._ids[first:last]
            if ticket not in self._cache and ticket not in self._in_flight
        ]
        if not batch:
            return
        self._in_flight.update(batch)
        self._request_rows(batch)


class FormularyModel(QAbstractListModel):
    """The formulary for the medication type-ahead: "Amoxicillin 500 mg (AMOX500)", stocked items only."""

    def __init__(self, parent: Any = None, items: Iterable[FormularyItem] = ()) -> None:
        super().__init__(parent)
        self._items: list[FormularyItem] = []
        self.set_items(items)

    def set_items(self, items: Iterable[FormularyItem]) -> None:
        self.beginResetModel()
        self._items = [item for item in items if item.active]
        self.endResetModel()

    def items(self) -> list[FormularyItem]:
        return list(self._items)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items) or index.column() != 0:
            return None
        item = self._items[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return item.label
        if role == Qt.ItemDataRole.ToolTipRole:
            unit = text.unit_label(item.unit.value, 1) if item.unit else ""
            return text.tr("{label}, dispensed by the {unit}").format(label=item.label, unit=unit)
        if role == CodeRole:
            return item.code
        if role == ItemRole:
            return item
        return None
