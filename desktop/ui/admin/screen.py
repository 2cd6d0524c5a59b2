"""The admin screen: sync health of every workstation, stuck booking sagas and the dead-letter queue.

Online only: it asks the server each time (refresh button, F5, and every `AUTO_REFRESH_MS` while it is
shown) and says plainly when it needs the server. The workstations table sorts by any column and marks
the stale ones (no sync for a day); a dead letter is inspected in the pane beside the queue, then replayed
or discarded (with a reason) after a confirmation. A bad answer from the server is shown, never raised.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.ops.admin import (
    Action,
    ActionDone,
    AdminOps,
    AdminProblem,
    AdminSnapshot,
    Problem,
    is_stale,
)
from desktop.ops.session import DesktopContext
from desktop.sync import Connection, SyncStatus
from desktop.sync.admin import DeadLetter, DeadLetterDetail, WorkstationHealth

AUTO_REFRESH_MS = 30_000
SortRole = Qt.ItemDataRole.UserRole + 1
StaleRole = Qt.ItemDataRole.UserRole + 2
_Index = QModelIndex | QPersistentModelIndex
STALE_BACKGROUND = QColor("#fff1c2")
MIN_REASON = 3


def tr(text: str) -> str:
    return QCoreApplication.translate("Admin", text)


def _when(value: datetime | None, locale: QLocale) -> str:
    if value is None:
        return tr("never")
    return locale.toString(value.astimezone(), QLocale.FormatType.ShortFormat)


def _sort_key(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    if value is None:
        return -1
    return value


class _Table(QAbstractTableModel):
    """Rows of one kind; each column a (title, value, display) triple of functions."""

    def __init__(self, columns: Sequence[tuple[str, Callable[[Any], Any], Callable[[Any], str]]]) -> None:
        super().__init__()
        self._columns = list(columns)
        self._rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, row: int) -> Any:
        return self._rows[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            if 0 <= section < len(self._columns):
                return self._columns[section][0]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if not 0 <= index.column() < len(self._columns):
            return None
        item = self._rows[index.row()]
        _title, value, display = self._columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return display(item)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._accessible(item, display(item))
        if role == SortRole:
            return _sort_key(value(item))
        return self._extra(item, role)

    def _accessible(self, item: Any, text: str) -> str:
        return text

    def _extra(self, item: Any, role: int) -> Any:
        return None


class WorkstationsModel(_Table):
    """Workstations; stale ones (no sync for a day) have a tinted background and say so to a reader."""

    def __init__(self, locale: QLocale) -> None:
        self._now: datetime | None = None

        def number(value: int | None) -> str:
            return "—" if value is None else str(value)

        super().__init__(
            [
                (tr("Workstation"), lambda w: w.workstation or "", lambda w: w.workstation or tr("unknown")),
                (tr("User"), lambda w: w.username, lambda w: w.username),
                (
                    tr("Version"),
                    lambda w: w.desktop_version or "",
                    lambda w: w.desktop_version or tr("unknown"),
                ),
                (tr("Last sync"), lambda w: w.last_sync, lambda w: _when(w.last_sync, locale)),
                (tr("Queued"), lambda w: w.queued_changes, lambda w: number(w.queued_changes)),
                (tr("Refused"), lambda w: w.refused, lambda w: str(w.refused)),
                (tr("Conflicts"), lambda w: w.conflicts, lambda w: str(w.conflicts)),
            ]
        )

    def set_workstations(self, rows: Sequence[WorkstationHealth], *, now: datetime) -> None:
        self._now = now
        self.set_rows(rows)

    def stale(self, workstation: WorkstationHealth) -> bool:
        return self._now is not None and is_stale(workstation, now=self._now)

    def _accessible(self, item: Any, text: str) -> str:
        return tr("{text} (stale)").format(text=text) if self.stale(item) else text

    def _extra(self, item: Any, role: int) -> Any:
        if role == StaleRole:
            return self.stale(item)
        if role == Qt.ItemDataRole.BackgroundRole and self.stale(item):
            return QBrush(STALE_BACKGROUND)
        return None


def sagas_model(locale: QLocale) -> _Table:
    return _Table(
        [
            (tr("Saga"), lambda s: str(s.saga_id), lambda s: str(s.saga_id)[:8]),
            (tr("Kind"), lambda s: s.kind, lambda s: s.kind),
            (tr("Status"), lambda s: s.status, lambda s: s.status),
            (tr("Step"), lambda s: s.step, lambda s: s.step),
            (tr("Attempts"), lambda s: s.attempts, lambda s: str(s.attempts)),
            (tr("Due since"), lambda s: s.next_attempt_at, lambda s: _when(s.next_attempt_at, locale)),
            (tr("Last error"), lambda s: s.error or "", lambda s: s.error or ""),
        ]
    )


def dead_letters_model(locale: QLocale) -> _Table:
    return _Table(
        [
            (tr("Consumer"), lambda d: d.consumer, lambda d: d.consumer),
            (tr("Event"), lambda d: d.event_type or "", lambda d: d.event_type or tr("unknown")),
            (tr("Attempts"), lambda d: d.attempts, lambda d: "—" if d.attempts is None else str(d.attempts)),
            (tr("First failure"), lambda d: d.first_failed_at, lambda d: _when(d.first_failed_at, locale)),
            (tr("Last failure"), lambda d: d.last_failed_at, lambda d: _when(d.last_failed_at, locale)),
            (tr("Error"), lambda d: d.last_error or "", lambda d: (d.last_error or "").partition("\n")[0]),
        ]
    )


def _table(model: _Table, name: str) -> tuple[QTableView, QSortFilterProxyModel]:
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setSortRole(SortRole)
    view = QTableView()
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setTabKeyNavigation(False)  # Tab leaves the table, the arrows move in it
    view.setWordWrap(False)
    view.setAlternatingRowColors(False)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.setAccessibleName(name)
    return view, proxy


class DiscardDialog(QDialog):
    """Asks why a dead letter is set aside; OK only with a reason."""

    def __init__(self, letter: DeadLetter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Discard dead letter"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        question = QLabel(
            tr("Discard the {event} message for {consumer}? It will not be delivered again.").format(
                event=letter.event_type or tr("unknown"), consumer=letter.consumer
            )
        )
        question.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(tr("Why (kept in the audit log)"))
        self.reason.setAccessibleName(tr("Reason for discarding"))
        reason_label = QLabel(tr("&Reason:"))
        reason_label.setBuddy(self.reason)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(tr("Discard"))
        ok.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reason.textChanged.connect(lambda text: ok.setEnabled(len(text.strip()) >= MIN_REASON))
        layout = QVBoxLayout(self)
        layout.addWidget(question)
        layout.addWidget(reason_label)
        layout.addWidget(self.reason)
        layout.addWidget(self.buttons)

    def reason_text(self) -> str:
        return self.reason.text().strip()


class AdminScreen(QWidget):
    """See the module docstring. `ops` does the talking; `online` says whether the server is reachable
    now (the sync's own view); `auto_refresh_ms` 0 turns the timer off; `refresh_on_show` False leaves
    the first request to the caller (a screenshot of a given report)."""

    def __init__(
        self,
        ops: AdminOps,
        *,
        online: bool = True,
        auto_refresh_ms: int = AUTO_REFRESH_MS,
        refresh_on_show: bool = True,
        locale: QLocale | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("adminScreen")
        self.ops = ops
        self._locale = locale if locale is not None else QLocale()
        self._online = online
        self._letters: list[DeadLetter] = []
        self.detail: DeadLetterDetail | None = None
        self.snapshot: AdminSnapshot | None = None
        self.dialog: QDialog | QMessageBox | None = None  # the open confirmation, if any

        self.stack = QStackedWidget()
        self.stack.addWidget(self._content())
        self.stack.addWidget(self._needs_server_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

        self.timer = QTimer(self)
        self.timer.setInterval(auto_refresh_ms)
        self.timer.timeout.connect(self.refresh)
        self._auto = auto_refresh_ms > 0
        self._refresh_on_show = refresh_on_show
        shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.refresh)

        ops.loaded.connect(self._loaded)
        ops.failed.connect(self._failed)
        ops.inspected.connect(self._inspected)
        ops.acted.connect(self._acted)
        ops.busyChanged.connect(self._busy)
        self._show_needs_server(not online)

    # -- building ----------------------------------------------------------------------------------

    def _content(self) -> QWidget:
        page = QWidget()
        self.summary = QLabel()
        self.summary.setAccessibleName(tr("Summary"))
        self.status = QLabel()
        self.status.setAccessibleName(tr("Status"))
        self.status.setWordWrap(True)
        self.refresh_button = QPushButton(tr("&Refresh"))
        self.refresh_button.setToolTip(tr("Ask the server again (F5)"))
        self.refresh_button.clicked.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.refresh_button)

        self.workstations = WorkstationsModel(self._locale)
        self.workstations_view, self.workstations_proxy = _table(self.workstations, tr("Workstations"))
        self.workstations_view.sortByColumn(3, Qt.SortOrder.AscendingOrder)  # the longest silent first
        self.sagas = sagas_model(self._locale)
        self.sagas_view, _ = _table(self.sagas, tr("Stuck sagas"))
        self.letters = dead_letters_model(self._locale)
        self.letters_view, self.letters_proxy = _table(self.letters, tr("Dead letters"))
        self.letters_view.selectionModel().currentRowChanged.connect(self._letter_chosen)

        self.detail_text = QPlainTextEdit()
        self.detail_text.setReadOnly(True)
        self.detail_text.setAccessibleName(tr("Dead letter details"))
        self.detail_text.setPlaceholderText(tr("Choose a dead letter to see what it carried."))
        self.replay_button = QPushButton(tr("Re&play"))
        self.replay_button.setToolTip(tr("Deliver it to its consumer again (once the cause is fixed)"))
        self.replay_button.clicked.connect(self.ask_replay)
        self.discard_button = QPushButton(tr("&Discard…"))
        self.discard_button.setToolTip(tr("Set it aside for good, saying why"))
        self.discard_button.clicked.connect(self.ask_discard)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.replay_button)
        buttons.addWidget(self.discard_button)
        pane = QWidget()
        pane_layout = QVBoxLayout(pane)
        pane_layout.setContentsMargins(0, 0, 0, 0)
        pane_layout.addWidget(self.detail_text, 1)
        pane_layout.addLayout(buttons)
        splitter = QSplitter()
        splitter.addWidget(self.letters_view)
        splitter.addWidget(pane)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(tr("Sync health"))
        self.tabs.tabBar().setAccessibleName(tr("Sync health"))
        self.tabs.addTab(self.workstations_view, "")
        self.tabs.addTab(self.sagas_view, "")
        self.tabs.addTab(splitter, "")
        self._title_tabs()

        layout = QVBoxLayout(page)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.tabs, 1)
        self._enable_actions()
        return page

    def _needs_server_page(self) -> QWidget:
        page = QWidget()
        self.needs_server = QLabel(
            tr("Sync health needs the server, and it cannot be reached now. This screen shows what the "
               "server knows; it comes back as soon as the connection does.")
        )  # fmt: skip
        self.needs_server.setWordWrap(True)
        self.needs_server.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.needs_server.setAccessibleName(tr("Needs the server"))
        self.retry_button = QPushButton(tr("&Try again"))
        self.retry_button.clicked.connect(self.refresh)
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        layout.addWidget(self.needs_server)
        layout.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(1)
        return page

    def _title_tabs(self) -> None:
        health = self.snapshot.health if self.snapshot else None
        self.tabs.setTabText(0, tr("&Workstations ({n})").format(n=len(health.workstations) if health else 0))
        self.tabs.setTabText(1, tr("Stuck &sagas ({n})").format(n=len(health.stuck_sagas) if health else 0))
        self.tabs.setTabText(2, tr("Dead &letters ({n})").format(n=len(self._letters)))

    # -- state -------------------------------------------------------------------------------------

    @property
    def needs_server_shown(self) -> bool:
        return self.stack.currentIndex() == 1

    def _show_needs_server(self, shown: bool) -> None:
        self.stack.setCurrentIndex(1 if shown else 0)

    def set_online(self, online: bool) -> None:
        """The sync's view of the connection: coming back online refreshes at once."""
        was, self._online = self._online, online
        if online and not was and self.isVisible():
            self.refresh()
        elif not online:
            self._show_needs_server(True)

    def sync_reported(self, status: SyncStatus) -> None:
        if status.state is Connection.OFFLINE:
            self.set_online(False)
        elif status.state in (Connection.ONLINE, Connection.SYNCING):
            self.set_online(True)

    def refresh(self) -> None:
        if self.ops.busy:
            return
        self.status.setText(tr("Asking the server…"))
        self.ops.refresh()

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._auto:
            self.timer.start()
        if self._refresh_on_show:
            self.refresh()

    def hideEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        self.timer.stop()
        super().hideEvent(event)

    def _busy(self, busy: bool) -> None:
        self.refresh_button.setEnabled(not busy)
        self.retry_button.setEnabled(not busy)
        self._enable_actions()

    def _enable_actions(self) -> None:
        chosen = self.chosen_letter() is not None and not self.ops.busy
        self.replay_button.setEnabled(chosen)
        self.discard_button.setEnabled(chosen)

    # -- answers -----------------------------------------------------------------------------------

    def show_snapshot(self, snapshot: AdminSnapshot) -> None:
        """Show a report (what `refresh` does with the server's answer)."""
        self._loaded(snapshot)

    def _loaded(self, snapshot: AdminSnapshot) -> None:
        self.snapshot = snapshot
        self._online = True
        self._show_needs_server(False)
        chosen = self.chosen_letter()
        health = snapshot.health
        self.workstations.set_workstations(health.workstations, now=health.generated_at)
        self.sagas.set_rows(health.stuck_sagas)
        self._letters = list(snapshot.dead_letters)
        self.letters.set_rows(self._letters)
        self._title_tabs()
        for view in (self.workstations_view, self.sagas_view, self.letters_view):
            view.resizeColumnsToContents()
        stale = sum(1 for w in health.workstations if is_stale(w, now=health.generated_at))
        self.summary.setText(
            tr(
                "{desks} workstations, {stale} stale · outbox: {backlog} waiting, oldest {age} s · "
                "{dead} dead letters"
            ).format(  # fmt: skip
                desks=len(health.workstations),
                stale=stale,
                backlog=health.outbox.backlog,
                age=round(health.outbox.oldest_age_seconds),
                dead=len(self._letters),
            )
        )
        self.status.setText(tr("Updated {time}.").format(time=_when(health.generated_at, self._locale)))
        if chosen is not None:
            self._select_letter(chosen.consumer, chosen.message_id)
        self._enable_actions()

    def _failed(self, problem: AdminProblem) -> None:
        if problem.kind is Problem.OFFLINE:
            self._online = False
            self._show_needs_server(True)
            return
        messages = {
            Problem.UNAVAILABLE: tr("The server is busy or part of it is down; try again in a moment."),
            Problem.SIGN_IN: tr("Your session has ended; sign in again."),
            Problem.UNREADABLE: tr("The server sent an answer this desktop cannot read; tell IT."),
            Problem.REFUSED: tr("The server refused: {message}").format(message=problem.message),
        }
        self.status.setText(messages[problem.kind])

    def _inspected(self, detail: DeadLetterDetail) -> None:
        chosen = self.chosen_letter()
        if chosen is None or (chosen.consumer, chosen.message_id) != (detail.consumer, detail.message_id):
            return  # another one was chosen meanwhile
        self.detail = detail
        self.detail_text.setPlainText(self.describe(detail))

    def show_detail(self, detail: DeadLetterDetail) -> None:
        """Choose a dead letter of the queue and show `detail` for it (what inspecting it shows)."""
        self.detail = detail
        self._select_letter(detail.consumer, detail.message_id)
        self.detail_text.setPlainText(self.describe(detail))

    def describe(self, detail: DeadLetterDetail) -> str:
        lines = [
            tr("Event: {event}").format(event=detail.event_type or tr("unknown")),
            tr("Consumer: {consumer}").format(consumer=detail.consumer),
            tr("Message: {id}").format(id=detail.message_id),
        ]
        if detail.aggregate_type:
            lines.append(tr("Record: {kind} {id}").format(kind=detail.aggregate_type, id=detail.aggregate_id))
        lines += [
            tr("Attempts: {n}").format(n=detail.attempts),
            tr("First failure: {time}").format(time=_when(detail.first_failed_at, self._locale)),
            tr("Last failure: {time}").format(time=_when(detail.last_failed_at, self._locale)),
            tr("Error: {error}").format(error=detail.error),
            "",
            tr("What it carried (names and addresses hidden):"),
            json.dumps(detail.payload, indent=2, ensure_ascii=False)
            if detail.payload is not None
            else tr("(unknown)"),
        ]
        return "\n".join(lines)

    def _acted(self, done: ActionDone) -> None:
        letter = done.outcome.dead_letter
        if done.action is Action.REPLAY:
            text = (
                tr("Replayed: the message goes to {consumer} again.")
                if done.outcome.done_now
                else tr("It had been replayed already; nothing was sent twice.")
            )
        else:
            text = tr("Discarded.") if done.outcome.done_now else tr("It had been discarded already.")
        self.detail = None
        self.detail_text.clear()
        self.ops.refresh()
        self.status.setText(text.format(consumer=letter.consumer))

    # -- the dead-letter queue ---------------------------------------------------------------------

    def chosen_letter(self) -> DeadLetter | None:
        index = self.letters_view.currentIndex() if hasattr(self, "letters_view") else QModelIndex()
        if not index.isValid():
            return None
        row = self.letters_proxy.mapToSource(index).row()
        return self.letters.row(row) if 0 <= row < len(self._letters) else None

    def _select_letter(self, consumer: str, message_id: uuid.UUID) -> None:
        for row, letter in enumerate(self._letters):
            if (letter.consumer, letter.message_id) == (consumer, message_id):
                index = self.letters_proxy.mapFromSource(self.letters.index(row, 0))
                self.letters_view.setCurrentIndex(index)
                return
        self.detail = None
        self.detail_text.clear()

    def choose_letter(self, row: int) -> None:
        """Choose the dead letter on a row of the table as shown (what a click does)."""
        self.letters_view.setCurrentIndex(self.letters_proxy.index(row, 0))

    def _letter_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._enable_actions()
        letter = self.chosen_letter()
        if letter is None:
            return
        if self.detail is None or (self.detail.consumer, self.detail.message_id) != (
            letter.consumer,
            letter.message_id,
        ):
            self.detail = None
            self.detail_text.setPlainText(tr("Loading…"))
            self.ops.inspect(letter.consumer, letter.message_id)

    def ask_replay(self) -> None:
        letter = self.chosen_letter()
        if letter is None:
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(tr("Replay dead letter"))
        box.setText(
            tr(
                "Deliver the {event} message to {consumer} again? Do it once its cause is fixed; a message "
                "it already handled is not handled twice."
            ).format(  # fmt: skip
                event=letter.event_type or tr("unknown"), consumer=letter.consumer
            )
        )
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText(tr("Replay"))
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setWindowModality(Qt.WindowModality.WindowModal)

        def answered(result: int) -> None:
            self.dialog = None
            if result == QMessageBox.StandardButton.Yes:
                self.ops.replay(letter.consumer, letter.message_id)
            box.deleteLater()

        box.finished.connect(answered)
        self.dialog = box
        box.open()

    def ask_discard(self) -> None:
        letter = self.chosen_letter()
        if letter is None:
            return
        dialog = DiscardDialog(letter, self)

        def answered(result: int) -> None:
            self.dialog = None
            if result == QDialog.DialogCode.Accepted and dialog.reason_text():
                self.ops.discard(letter.consumer, letter.message_id, reason=dialog.reason_text())
            dialog.deleteLater()

        dialog.finished.connect(answered)
        self.dialog = dialog
        dialog.open()


def admin_screen(context: DesktopContext, parent: QWidget) -> AdminScreen:
    """The screen for a signed-in admin, over the session's sync client and network worker."""
    ops = AdminOps(client_for=lambda: context.sync.client, executors=context.executors)
    screen = AdminScreen(ops, online=not context.offline, parent=parent)
    ops.setParent(screen)
    context.sync.statusChanged.connect(screen.sync_reported)
    return screen
