"""The history timeline: a list model over the cache's pages, newest first, that fetches the next (older)
page when the view scrolls to the end (Qt's canFetchMore/fetchMore), never reloading what it holds.

Pages are read off the UI thread (`run_in_background`); a page that arrives for a filter or a patient the
screen has left since is dropped.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QAbstractListModel, QLocale, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from desktop.store.history import TimelineEntry, TimelinePage, Waiting
from desktop.ui.dates import format_date, format_date_time
from desktop.ui.patient.text import event_title, format_money, kind_label, method_label, payment_line, tr
from shared.history import HistoryKind
from shared.payments import PaymentMethod

EntryRole = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex

FetchPage = Callable[[uuid.UUID, HistoryKind | None, str | None], TimelinePage]
RunInBackground = Callable[[Callable[[], TimelinePage], Callable[[TimelinePage], None]], None]

_TEXT_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole)
_WAITING = QColor("#7A4B00")
_REFUSED = QColor("#A4262C")


def _note_date(entry: TimelineEntry, locale: QLocale) -> str:
    noted_on = entry.details.get("noted_on")
    try:
        return format_date(date.fromisoformat(str(noted_on)), locale) if noted_on else ""
    except ValueError:
        return ""


def entry_title(entry: TimelineEntry, locale: QLocale) -> str:
    """The first line's title: the server's, or what a note made here is."""
    if entry.waiting is None:
        return event_title(entry.event_type) or entry.title or kind_label(entry.kind)
    if entry.kind is HistoryKind.NOTE and entry.is_amendment:
        return tr("Amendment of a note")
    if entry.kind is HistoryKind.NOTE:
        on = _note_date(entry, locale)
        return tr("Note of {date}").format(date=on) if on else tr("Note")
    return kind_label(entry.kind)


def entry_text(entry: TimelineEntry, *, locale: QLocale, sees_amounts: bool) -> str:
    """Two or three lines: when, what kind, the title and where a note made here stands; then the body."""
    when = format_date_time(entry.occurred_at, locale)
    head = f"{when} · {kind_label(entry.kind)} · {entry_title(entry, locale)}"
    if entry.waiting == Waiting.QUEUED:
        head += " · " + tr("waiting to sync")
    elif entry.waiting == Waiting.SENT:
        head += " · " + tr("sent, waiting for the server's history")
    elif entry.waiting == Waiting.REFUSED:
        head += " · " + tr("refused by the server: {reason}").format(reason=entry.refusal or "")
    lines = [head]
    if entry.kind is HistoryKind.PAYMENT:
        body = payment_line(entry.event_type)
        amount = entry.details.get("amount") if sees_amounts else None
        if amount is not None:
            try:
                method = PaymentMethod(entry.details.get("method"))
                body = f"{format_money(Decimal(str(amount)), locale)} · {method_label(method)}"
            except (InvalidOperation, ValueError):
                pass
        lines.append(body)
    elif body := str(entry.details.get("text") or entry.summary or ""):
        lines.append(body)
    if entry.kind is HistoryKind.NOTE and entry.is_amendment and entry.details.get("reason"):
        lines.append(tr("Reason for the amendment: {reason}").format(reason=entry.details["reason"]))
    if entry.author_name and entry.author_name not in lines[0]:
        lines.append(tr("By {name}").format(name=entry.author_name))
    return "\n".join(lines)


class TimelineModel(QAbstractListModel):
    """Signals: `pageShown(int)` with the number of entries held after each page (for tests, the bench)."""

    pageShown = Signal(int)

    def __init__(
        self,
        *,
        fetch_page: FetchPage,
        run_in_background: RunInBackground,
        sees_amounts: bool,
        locale: QLocale | None = None,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._fetch_page = fetch_page
        self._run = run_in_background
        self._sees_amounts = sees_amounts
        self._locale = locale if locale is not None else QLocale()
        self._entries: list[TimelineEntry] = []
        self._texts: list[str] = []
        self._patient: uuid.UUID | None = None
        self._kind: HistoryKind | None = None
        self._next_before: str | None = None
        self._loading = False
        self._generation = 0

    # ---- what is shown ----

    @property
    def kind(self) -> HistoryKind | None:
        return self._kind

    @property
    def loading(self) -> bool:
        return self._loading

    def entries(self) -> list[TimelineEntry]:
        return list(self._entries)

    def show_patient(
        self,
        patient_id: uuid.UUID | None,
        *,
        kind: HistoryKind | None = None,
        first: TimelinePage | None = None,
    ) -> None:
        """Start over for `patient_id` (None: empty) and `kind`; `first`: its first page, already read."""
        self._generation += 1
        self.beginResetModel()
        self._patient, self._kind = patient_id, kind
        self._entries, self._texts, self._next_before = [], [], None
        self._loading = False
        self.endResetModel()
        if patient_id is None:
            return
        if first is not None:
            self._append(first)
        else:
            self._load(before=None)

    def set_kind(self, kind: HistoryKind | None) -> None:
        if kind != self._kind or self._patient is None:
            self.show_patient(self._patient, kind=kind)

    def reload(self) -> None:
        """Read the first page again (new entries were pulled, a note was written)."""
        self.show_patient(self._patient, kind=self._kind)

    def _load(self, *, before: str | None) -> None:
        patient, kind, generation = self._patient, self._kind, self._generation
        assert patient is not None
        self._loading = True

        def arrived(page: TimelinePage) -> None:
            if generation != self._generation:
                return  # another patient or filter since
            self._loading = False
            self._append(page)

        self._run(lambda: self._fetch_page(patient, kind, before), arrived)

    def _append(self, page: TimelinePage) -> None:
        self._next_before = page.next_before
        if page.entries:
            start = len(self._entries)
            self.beginInsertRows(QModelIndex(), start, start + len(page.entries) - 1)
            self._entries.extend(page.entries)
            self._texts.extend(
                entry_text(entry, locale=self._locale, sees_amounts=self._sees_amounts)
                for entry in page.entries
            )
            self.endInsertRows()
        self.pageShown.emit(len(self._entries))

    # ---- Qt's model ----

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._entries)

    def canFetchMore(self, parent: Index) -> bool:  # noqa: N802
        return not parent.isValid() and not self._loading and self._next_before is not None

    def fetchMore(self, parent: Index) -> None:  # noqa: N802
        if self.canFetchMore(parent):
            self._load(before=self._next_before)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        if role in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.AccessibleTextRole,
        ):
            return self._texts[index.row()]
        if role == EntryRole:
            return entry
        if role == Qt.ItemDataRole.ForegroundRole and entry.waiting is not None:
            return QBrush(_REFUSED if entry.waiting == Waiting.REFUSED else _WAITING)
        if role == Qt.ItemDataRole.FontRole and entry.waiting is not None:
            font = QFont()
            font.setItalic(True)
            return font
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
