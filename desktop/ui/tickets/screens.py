"""The refill ticket screens: the ward's list for nurses and the pharmacy's queue, each with the detail.

Both are a filter bar, a table over `TicketTableModel` and a `TicketDetailView`. The list's keys are read
once from the cache into a `TicketIndex`; filters and sorting run on it in memory, rows load lazily. The
cache's change reports (`DesktopContext.changes`, debounced) then refresh only what they touch: the
changed tickets' keys and rows, and the open ticket if it is one of them; everything only after a reset or
new ward names or formulary. An action queues a mutation on the store worker (the sync engine notices it
by itself) and refreshes the ticket it changed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QCoreApplication, QItemSelectionModel, QLocale, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.ops.background import Op
from desktop.ops.session import DesktopContext
from desktop.ops.tickets import (
    OPEN,
    PHARMACY_QUEUE,
    FormularyItem,
    TicketDetail,
    TicketDraft,
    TicketFilter,
    TicketIndex,
    act,
    changed_ticket_keys,
    delete_draft,
    drafts,
    formulary,
    key_of,
    load_ticket,
    load_ticket_keys,
    ticket_rows,
    ward_names,
)
from desktop.store import StorageUnavailable, TicketKey
from desktop.store.changes import OpChanges
from desktop.ui.tickets.detail import TicketDetailView
from desktop.ui.tickets.editor import TicketEditorDialog
from desktop.ui.tickets.model import Column, TicketTableModel, column_title
from desktop.ui.tickets.text import STAT_TEXT, format_time, priority_label, status_label, tr
from shared.protocol import Entity
from shared.roles import Role
from shared.tickets import Priority, TicketAction, TicketStatus, TransitionRefused

RELOAD_DELAY_MS = 300


def _explain(error: BaseException) -> str:
    """A refused action or a storage problem, in words for the person who tried."""
    if isinstance(error, TransitionRefused):
        return error.reason
    if isinstance(error, StorageUnavailable):
        return str(error)
    return tr("The change could not be made: {reason}").format(reason=str(error)[:300])


class _TicketsScreen(QWidget):
    """What the nurse's list and the pharmacy's queue share."""

    loaded = Signal()  # the list has been (re)read from the cache
    detailShown = Signal(object)  # TicketDetail | None
    actionQueued = Signal(object)  # OutboxEntry
    actionFailed = Signal(object)  # the exception
    patientRequested = Signal(object)  # a patient's id, from a ticket that names one

    def __init__(
        self,
        context: DesktopContext,
        *,
        columns: Sequence[Column],
        ward_scope: Sequence[uuid.UUID] | None,
        locale: QLocale | None,
        now: Callable[[], datetime],
        parent: QWidget | None,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._store = context.store
        self._executors = context.executors
        self._role = context.user.role
        self._ward_scope = list(ward_scope) if ward_scope is not None else None
        self._locale = locale if locale is not None else QLocale()
        self._now = now
        self._selected: uuid.UUID | None = None
        self._restoring = False
        self.ward_names: dict[str, str] = {}
        self.formulary: list[FormularyItem] = []

        self.index = TicketIndex()
        self.model = TicketTableModel(
            self, index=self.index, request_rows=self._load_rows, columns=columns, locale=self._locale
        )
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table for the actions; arrows move in it
        self.table.setAccessibleName(tr("Refill tickets, one a row"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 12)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setSortIndicator(self.model.sort_column(), Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self._size_columns(columns)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)

        self.detail = TicketDetailView(role=self._role, locale=self._locale, parent=self)
        self.detail.actionChosen.connect(self.perform)
        self.detail.patientRequested.connect(self.patientRequested)
        self.banner = QLabel(self)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(f"color: {STAT_TEXT.name()};")
        self.banner.hide()
        self.count = QLabel(self)
        self.count.setAccessibleName(tr("Number of tickets shown"))

        self._heard: OpChanges | None = None  # the cache's reports not yet acted on
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self._catch_up)
        # A bound method, not a lambda: Qt drops the connection when this widget is destroyed
        # (user switch), so a late report never reaches a deleted timer.
        context.changes.changed.connect(self._store_changed)

    def _store_changed(self, changes: OpChanges) -> None:
        if not self._concerns(changes):
            return
        self._heard = changes if self._heard is None else self._heard.merged(changes)
        self._reload_timer.start()

    def _concerns(self, changes: OpChanges) -> bool:
        return changes.touches(Entity.TICKET, Entity.WARD, Entity.MEDICATION)

    def _catch_up(self) -> None:
        """Act on the reports heard since the last time: all of it again only when names, the formulary
        or the whole cache changed, else the changed tickets alone."""
        heard, self._heard = self._heard, None
        if heard is None:
            return
        if heard.everything or heard.touches(Entity.WARD, Entity.MEDICATION) or heard.drafts:
            self.reload()
            return
        ids = heard.ids(Entity.TICKET)
        store, wards = self._store, self._ward_scope
        self._run(lambda: changed_ticket_keys(store, ids, ward_ids=wards), self._tickets_changed)

    def _tickets_changed(self, found: tuple[list[TicketKey], list[str]]) -> None:
        keys, gone = found
        self.index.update(keys, gone=gone)
        self.apply_filters()
        self.model.invalidate([key.id for key in keys] + gone)
        if self._selected is not None and str(self._selected) in {key.id for key in keys}:
            self.show_ticket(self._selected)
        self.loaded.emit()

    def _size_columns(self, columns: Sequence[Column]) -> None:
        """Widths from the font and the words this language uses (not fixed pixels), the medications
        taking what is left, so the columns that matter fit a 1366-pixel-wide screen."""
        metrics = self.table.fontMetrics()
        padding = 2 * metrics.horizontalAdvance("M") + 12  # cell margins and the sort arrow

        def fit(*texts: str) -> int:
            return max(metrics.horizontalAdvance(text) for text in texts) + padding

        moment = format_time(datetime(2026, 12, 28, 23, 59, tzinfo=UTC), self._locale)
        widths = {
            Column.PRIORITY: fit(column_title(Column.PRIORITY), *(priority_label(p) for p in Priority))
            + metrics.height(),  # the STAT icon
            Column.STATUS: fit(column_title(Column.STATUS), *(status_label(s) for s in TicketStatus)),
            Column.NEEDED_BY: fit(column_title(Column.NEEDED_BY), moment),
            Column.SUBMITTED: fit(column_title(Column.SUBMITTED), moment),
            Column.WARD: fit(column_title(Column.WARD), "W12 · Internal Med"),
            Column.REQUESTED_BY: fit(column_title(Column.REQUESTED_BY), "Ana C. Ferreira"),
            Column.SYNC: fit(column_title(Column.SYNC)),
        }
        widths[Column.MEDICATIONS] = fit(column_title(Column.MEDICATIONS), "Amoxicillin × 20, Paracetam")
        # The last columns (who asked, this workstation's state) are the ones a narrow window scrolls to.
        for number, column in enumerate(columns):
            self.table.setColumnWidth(number, widths.get(column, fit(column_title(column))))

    def _layout(self, filters: QHBoxLayout, side: QWidget | None = None) -> None:
        left = QWidget(self)
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(filters)
        column.addWidget(self.banner)
        column.addWidget(self.table, 1)
        column.addWidget(self.count)
        if side is not None:
            column.addWidget(side)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([900, 460])
        splitter.setChildrenCollapsible(False)
        self.detail.hide()  # until a ticket is chosen
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(splitter)

    def _run(self, work: Callable[[], Any], done: Callable[[Any], Any]) -> None:
        executors = self._executors
        Op(self, work).success(done).failure(self.show_error).run_on(executors.store, executors=executors)

    def show_error(self, error: BaseException) -> None:
        self.banner.setText("⚠ " + _explain(error))
        self.banner.show()

    # ---- loading ----

    def reload(self) -> None:
        """Read the keys, ward names and formulary again (after a sync brought changes)."""
        store, wards = self._store, self._ward_scope

        def work() -> tuple[Any, ...]:
            keys = load_ticket_keys(store, ward_ids=wards)
            return keys, ward_names(store), formulary(store), self._extra(store)

        self._run(work, self._reloaded)

    def _extra(self, store: Any) -> Any:
        """More to read with each reload (the nurse's drafts)."""
        return None

    def _reloaded(self, loaded: tuple[Any, ...]) -> None:
        keys, wards, items, extra = loaded
        self.ward_names = wards
        self.formulary = items
        self.index.replace(keys)
        self.model.set_names(wards=wards, medications={item.code: item.name for item in items})
        self._names_loaded(extra)
        self._reference_loaded()
        self.apply_filters()
        self.model.invalidate()
        if self._selected is not None:
            self.show_ticket(self._selected)
        self.loaded.emit()

    def _names_loaded(self, extra: Any) -> None:
        """Fill in filter choices that depend on the cache."""

    def _reference_loaded(self) -> None:
        """Pass new ward names and formulary on to an open editor."""

    def _load_rows(self, ids: list[str]) -> None:
        store = self._store
        Op(self, lambda: ticket_rows(store, ids)).success(self.model.deliver_rows).failure(
            lambda _error: self.model.rows_failed(ids)
        ).run_on(self._executors.store, executors=self._executors)

    # ---- filtering ----

    def current_filter(self) -> TicketFilter:
        raise NotImplementedError

    def apply_filters(self) -> None:
        """Re-select the list (in memory) and keep the selected ticket selected if it is still shown."""
        self._restoring = True
        try:
            self.model.set_filter(self.current_filter())
            self._select(self._selected)
        finally:
            self._restoring = False
        shown = self.model.rowCount()
        stat = len(self.index.select(_with_priority(self.model.current_filter, Priority.STAT)))
        self.count.setText(
            QCoreApplication.translate(
                "Tickets", "%n tickets shown, {stat} of them STAT", None, shown
            ).format(stat=self._locale.toString(stat))
        )

    def _select(self, ticket_id: uuid.UUID | None) -> None:
        row = self.model.row_of(ticket_id) if ticket_id is not None else None
        if row is None:
            return
        index = self.model.index(row, 0)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.table.selectionModel().setCurrentIndex(index, flags)
        self.table.scrollTo(index)

    def select_ticket(self, ticket_id: uuid.UUID) -> None:
        """Select a ticket (shown in the list or not) and show its detail."""
        self._selected = ticket_id
        self._select(ticket_id)
        self.show_ticket(ticket_id)

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._restoring or not current.isValid():
            return
        ticket_id = self.model.ticket_id(current.row())
        if ticket_id is not None and ticket_id != self._selected:
            self._selected = ticket_id
            self.show_ticket(ticket_id)

    # ---- one ticket ----

    def show_ticket(self, ticket_id: uuid.UUID) -> None:
        store, role = self._store, self._role
        names = {item.code: item.name for item in self.formulary}
        self._run(lambda: load_ticket(store, ticket_id, role=role, names=names), self._show_detail)

    def _show_detail(self, detail: TicketDetail | None) -> None:
        if detail is not None and detail.id != self._selected:
            return  # the person has moved on to another ticket meanwhile
        ward = self.ward_names.get(str(detail.data.get("ward_id"))) if detail else ""
        self.detail.show_ticket(detail, ward_name=ward or "")
        self.detail.setVisible(detail is not None)  # an empty pane would take a third of the width
        self.detailShown.emit(detail)

    def perform(self, action: TicketAction, payload: dict[str, Any]) -> None:
        """Queue `action` on the ticket shown; it goes to the server now, or when the network returns."""
        detail = self.detail.detail
        if detail is None:
            return
        store, role, ticket_id = self._store, self._role, detail.id

        def work() -> Any:
            entry = act(store, ticket_id=ticket_id, action=action, role=role, payload=payload)
            return entry, store.record(Entity.TICKET, ticket_id)

        def done(result: Any) -> None:
            entry, record = result
            self.banner.hide()
            if record is not None:
                self.index.upsert(key_of(record))
            self.apply_filters()
            self.model.invalidate([str(ticket_id)])
            self.show_ticket(ticket_id)
            self.actionQueued.emit(entry)

        def failed(error: BaseException) -> None:
            self.show_error(error)
            self.actionFailed.emit(error)

        Op(self, work).success(done).failure(failed).run_on(self._executors.store, executors=self._executors)


def _with_priority(where: TicketFilter, priority: Priority) -> TicketFilter:
    wanted = frozenset({priority.value})
    return TicketFilter(
        statuses=where.statuses,
        priorities=wanted if where.priorities is None else where.priorities & wanted,
        ward_ids=where.ward_ids,
        submitted_from=where.submitted_from,
        submitted_before=where.submitted_before,
    )


def _priority_choices(combo: QComboBox) -> None:
    combo.addItem(tr("Any priority"), None)
    for priority in (Priority.STAT, Priority.URGENT, Priority.ROUTINE):
        combo.addItem(priority_label(priority), frozenset({priority.value}))


def _combo(parent: QWidget, name: str) -> QComboBox:
    combo = QComboBox(parent)
    combo.setAccessibleName(name)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    return combo


class NurseTicketsScreen(_TicketsScreen):
    """A nurse's wards' tickets, her drafts, and the editor for new ones."""

    draftsShown = Signal(object)  # list of (id, TicketDraft, saved at)

    COLUMNS = (
        Column.PRIORITY,
        Column.STATUS,
        Column.MEDICATIONS,
        Column.NEEDED_BY,
        Column.WARD,
        Column.SUBMITTED,
        Column.REQUESTED_BY,
        Column.SYNC,
    )

    def __init__(
        self,
        context: DesktopContext,
        *,
        locale: QLocale | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            context,
            columns=self.COLUMNS,
            ward_scope=list(context.user.ward_ids),
            locale=locale,
            now=now,
            parent=parent,
        )
        self.setAccessibleName(tr("Refill tickets of my wards"))
        self.editor: TicketEditorDialog | None = None
        self._drafts: list[tuple[uuid.UUID, TicketDraft, datetime]] = []

        self.status_filter = _combo(self, tr("Show tickets by status"))
        self.status_filter.addItem(tr("Open tickets"), frozenset(s.value for s in OPEN))
        self.status_filter.addItem(tr("All tickets"), None)
        for status in TicketStatus:
            if status is not TicketStatus.DRAFT:
                self.status_filter.addItem(status_label(status), frozenset({status.value}))
        self.priority_filter = _combo(self, tr("Show tickets by priority"))
        _priority_choices(self.priority_filter)
        self.period_filter = _combo(self, tr("Show tickets by submission date"))
        periods = ((tr("Any time"), None), (tr("Today"), 0), (tr("Last 7 days"), 7), (tr("Last 30 days"), 30))
        for label, days in periods:
            self.period_filter.addItem(label, days)
        self.ward_filter = _combo(self, tr("Show tickets of one ward"))
        self.ward_filter.addItem(tr("All my wards"), None)
        self.ward_filter.setVisible(len(context.user.ward_ids) > 1)
        for combo in (self.status_filter, self.priority_filter, self.period_filter, self.ward_filter):
            combo.currentIndexChanged.connect(self.apply_filters)
        self.new_button = QPushButton(tr("New refill ticket…"), self)
        self.new_button.setAccessibleName(tr("New refill ticket"))
        self.new_button.clicked.connect(lambda: self.open_editor())

        filters = QHBoxLayout()
        for combo in (self.status_filter, self.priority_filter, self.period_filter, self.ward_filter):
            filters.addWidget(combo)
        filters.addStretch(1)
        filters.addWidget(self.new_button)

        self.drafts_list = QListWidget(self)
        self.drafts_list.setAccessibleName(tr("Drafts on this workstation"))
        self.drafts_list.setMaximumHeight(110)
        self.drafts_list.itemActivated.connect(self._open_draft_item)
        self.open_draft_button = QPushButton(tr("Continue draft"), self)
        self.delete_draft_button = QPushButton(tr("Delete draft"), self)
        self.open_draft_button.clicked.connect(lambda: self._open_draft_item(self.drafts_list.currentItem()))
        self.delete_draft_button.clicked.connect(self._delete_current_draft)
        drafts_box = QWidget(self)
        drafts_layout = QVBoxLayout(drafts_box)
        drafts_layout.setContentsMargins(0, 4, 0, 0)
        self.drafts_title = QLabel(self)
        drafts_layout.addWidget(self.drafts_title)
        drafts_row = QHBoxLayout()
        drafts_row.addWidget(self.drafts_list, 1)
        buttons = QVBoxLayout()
        buttons.addWidget(self.open_draft_button)
        buttons.addWidget(self.delete_draft_button)
        buttons.addStretch(1)
        drafts_row.addLayout(buttons)
        drafts_layout.addLayout(drafts_row)
        self._layout(filters, drafts_box)
        if len(context.user.ward_ids) < 2:  # one ward: the column would say the same on every row
            self.table.hideColumn(self.COLUMNS.index(Column.WARD))
        QTimer.singleShot(0, self.reload)  # first load once the caller has connected

    def _extra(self, store: Any) -> Any:
        return drafts(store)

    def _concerns(self, changes: OpChanges) -> bool:
        return changes.drafts or super()._concerns(changes)

    def _reference_loaded(self) -> None:
        if self.editor is not None:
            self.editor.update_reference(formulary=self.formulary, wards=self._my_wards())

    def _my_wards(self) -> dict[str, str]:
        return {str(w): self.ward_names.get(str(w), str(w)) for w in self._context.user.ward_ids}

    def _names_loaded(self, extra: Any) -> None:
        current = self.ward_filter.currentData()
        self.ward_filter.blockSignals(True)
        while self.ward_filter.count() > 1:
            self.ward_filter.removeItem(1)
        for ward_id in self._context.user.ward_ids:
            name = self.ward_names.get(str(ward_id), str(ward_id))
            self.ward_filter.addItem(name, frozenset({str(ward_id)}))
        found = self.ward_filter.findData(current)
        self.ward_filter.setCurrentIndex(max(found, 0))
        self.ward_filter.blockSignals(False)
        self._show_drafts(extra or [])

    def _show_drafts(self, found: list[tuple[uuid.UUID, TicketDraft, datetime]]) -> None:
        self._drafts = found
        self.drafts_list.clear()
        names = {item.code: item.name for item in self.formulary}
        for draft_id, draft, saved_at in found:
            medications = ", ".join(names.get(ln.medication_code, ln.medication_code) for ln in draft.lines)
            text = tr("{medications} · {priority} · saved {time}").format(
                medications=medications or tr("(no medication yet)"),
                priority=priority_label(draft.priority),
                time=format_time(saved_at, self._locale),
            )
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, str(draft_id))
            self.drafts_list.addItem(item)
        has = bool(found)
        self.drafts_title.setText(
            "<b>" + tr("Drafts on this workstation ({count}, not sent)").format(count=len(found)) + "</b>"
            if has
            else tr("No drafts on this workstation.")
        )
        for widget in (self.drafts_list, self.open_draft_button, self.delete_draft_button):
            widget.setVisible(has)
        if has and self.drafts_list.currentRow() < 0:
            self.drafts_list.setCurrentRow(0)
        self.draftsShown.emit(found)

    def current_filter(self) -> TicketFilter:
        days = self.period_filter.currentData()
        start = None
        if days is not None:
            today = self._now().astimezone().date()
            start = datetime.combine(today - timedelta(days=days), time.min).astimezone()
        return TicketFilter(
            statuses=self.status_filter.currentData(),
            priorities=self.priority_filter.currentData(),
            ward_ids=self.ward_filter.currentData(),
            submitted_from=start,
        )

    # ---- the editor ----

    def open_editor(
        self, draft: TicketDraft | None = None, *, draft_id: uuid.UUID | None = None
    ) -> TicketEditorDialog:
        """Open the editor for a new ticket, or to continue a draft."""
        mine = self._my_wards()
        editor = TicketEditorDialog(
            store=self._store,
            executors=self._executors,
            formulary=self.formulary,
            wards=mine,
            draft=draft,
            draft_id=draft_id,
            locale=self._locale,
            now=self._now,
            parent=self,
        )
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.submitted.connect(self._submitted)
        editor.finished.connect(lambda _result: setattr(self, "editor", None))
        self.editor = editor
        editor.open()
        return editor

    def _open_draft_item(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        draft_id = uuid.UUID(item.data(Qt.ItemDataRole.UserRole))
        found = next((d for d in self._drafts if d[0] == draft_id), None)
        if found is not None:
            self.open_editor(found[1], draft_id=draft_id)

    def _delete_current_draft(self) -> None:
        item = self.drafts_list.currentItem()
        if item is None:
            return
        draft_id = uuid.UUID(item.data(Qt.ItemDataRole.UserRole))
        store = self._store
        self._run(lambda: delete_draft(store, draft_id), lambda _none: None)  # the report reloads

    def _submitted(self, entry: Any) -> None:
        self._selected = entry.entity_id  # shown once the cache's report of it is in


class PharmacyQueueScreen(_TicketsScreen):
    """Every ward's tickets for the pharmacy, most urgent first: STAT, then the earliest needed-by time."""

    COLUMNS = (
        Column.PRIORITY,
        Column.STATUS,
        Column.NEEDED_BY,
        Column.WARD,
        Column.MEDICATIONS,
        Column.SUBMITTED,
        Column.REQUESTED_BY,
        Column.SYNC,
    )

    def __init__(
        self,
        context: DesktopContext,
        *,
        locale: QLocale | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            context, columns=self.COLUMNS, ward_scope=None, locale=locale, now=now, parent=parent
        )
        self.setAccessibleName(tr("Pharmacy queue"))
        self.queue_filter = _combo(self, tr("Show part of the queue"))
        self.queue_filter.addItem(tr("Whole queue"), frozenset(s.value for s in PHARMACY_QUEUE))
        self.queue_filter.addItem(tr("To approve"), frozenset({TicketStatus.SUBMITTED.value}))
        self.queue_filter.addItem(
            tr("To prepare and dispatch"),
            frozenset({TicketStatus.APPROVED.value, TicketStatus.IN_PREPARATION.value}),
        )
        self.queue_filter.addItem(
            tr("Dispatched and received"),
            frozenset({TicketStatus.DISPATCHED.value, TicketStatus.RECEIVED.value}),
        )
        self.queue_filter.addItem(tr("All tickets"), None)
        self.priority_filter = _combo(self, tr("Show tickets by priority"))
        _priority_choices(self.priority_filter)
        self.ward_filter = _combo(self, tr("Show tickets of one ward"))
        self.ward_filter.addItem(tr("All wards"), None)
        for combo in (self.queue_filter, self.priority_filter, self.ward_filter):
            combo.currentIndexChanged.connect(self.apply_filters)
        filters = QHBoxLayout()
        for combo in (self.queue_filter, self.priority_filter, self.ward_filter):
            filters.addWidget(combo)
        filters.addStretch(1)
        self._layout(filters)
        self.model.sort(0)  # stat first, then needed-by
        QTimer.singleShot(0, self.reload)  # first load once the caller has connected

    def _names_loaded(self, extra: Any) -> None:
        current = self.ward_filter.currentData()
        self.ward_filter.blockSignals(True)
        while self.ward_filter.count() > 1:
            self.ward_filter.removeItem(1)
        for ward_id, name in sorted(self.ward_names.items(), key=lambda item: item[1]):
            self.ward_filter.addItem(name, frozenset({ward_id}))
        self.ward_filter.setCurrentIndex(max(self.ward_filter.findData(current), 0))
        self.ward_filter.blockSignals(False)

    def current_filter(self) -> TicketFilter:
        return TicketFilter(
            statuses=self.queue_filter.currentData(),
            priorities=self.priority_filter.currentData(),
            ward_ids=self.ward_filter.currentData(),
        )


def tickets_screen(context: DesktopContext, parent: QWidget) -> QWidget:
    """The shell's factory: the pharmacy's queue for pharmacists, the ward's list for nurses."""
    if context.user.role is Role.PHARMACIST:
        return PharmacyQueueScreen(context, parent=parent)
    return NurseTicketsScreen(context, parent=parent)
