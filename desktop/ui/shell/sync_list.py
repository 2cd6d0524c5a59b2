"""The list of the user's changes that are not settled yet: queued, sent, rejected and conflicting.

Lost or silently unsynced edits are what users of offline tools complain about most: here every change
shows where it is and, when the server said no, why.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from desktop.ops.background import Executors, Op
from desktop.store import LocalStore, OutboxEntry
from desktop.ui.refusals import refusal_text
from shared.protocol import MutationName

UNSETTLED_STATES = ("queued", "sent", "rejected", "conflict")
EntryRole = Qt.ItemDataRole.UserRole + 1

_Index = QModelIndex | QPersistentModelIndex


def change_label(name: MutationName) -> str:
    """What a queued change does, in the user's words."""
    labels = {
        MutationName.TICKET_SUBMIT: QCoreApplication.translate("SyncList", "Submit refill ticket"),
        MutationName.TICKET_EDIT: QCoreApplication.translate("SyncList", "Edit refill ticket"),
        MutationName.TICKET_CANCEL: QCoreApplication.translate("SyncList", "Cancel refill ticket"),
        MutationName.TICKET_APPROVE: QCoreApplication.translate("SyncList", "Approve refill ticket"),
        MutationName.TICKET_REJECT: QCoreApplication.translate("SyncList", "Reject refill ticket"),
        MutationName.TICKET_START_PREPARATION: QCoreApplication.translate(
            "SyncList", "Start preparing refill"
        ),
        MutationName.TICKET_DISPATCH: QCoreApplication.translate("SyncList", "Dispatch refill"),
        MutationName.TICKET_RECEIVE: QCoreApplication.translate("SyncList", "Confirm refill received"),
        MutationName.TICKET_CLOSE: QCoreApplication.translate("SyncList", "Close refill ticket"),
        MutationName.APPOINTMENT_BOOK: QCoreApplication.translate("SyncList", "Book appointment"),
        MutationName.APPOINTMENT_RESCHEDULE: QCoreApplication.translate("SyncList", "Reschedule appointment"),
        MutationName.APPOINTMENT_CANCEL: QCoreApplication.translate("SyncList", "Cancel appointment"),
        MutationName.APPOINTMENT_ATTENDANCE: QCoreApplication.translate("SyncList", "Record attendance"),
        MutationName.NOTIFICATION_READ: QCoreApplication.translate("SyncList", "Mark notification read"),
    }
    return labels[name]


def state_label(state: str) -> str:
    labels = {
        "queued": QCoreApplication.translate("SyncList", "Waiting to be sent"),
        "sent": QCoreApplication.translate("SyncList", "Sent, waiting for the server"),
        "applied": QCoreApplication.translate("SyncList", "Applied"),
        "rejected": QCoreApplication.translate("SyncList", "Rejected"),
        "conflict": QCoreApplication.translate("SyncList", "Conflict: someone changed it first"),
    }
    return labels.get(state, state)


_STATE_COLOURS = {"rejected": QColor("#B3261E"), "conflict": QColor("#8A5300")}


class OutboxModel(QAbstractTableModel):
    """A table over a list of OutboxEntry: change, state, when it was made, the server's reason."""

    COLUMNS = ("change", "state", "made_at", "reason")

    def __init__(self, parent: QWidget | None = None, *, locale: QLocale | None = None) -> None:
        super().__init__(parent)
        self._entries: list[OutboxEntry] = []
        self._locale = locale if locale is not None else QLocale()

    def set_entries(self, entries: Sequence[OutboxEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def entries(self) -> list[OutboxEntry]:
        return list(self._entries)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if not 0 <= section < len(self.COLUMNS):
            return None
        return (
            QCoreApplication.translate("SyncList", "Change"),
            QCoreApplication.translate("SyncList", "Status"),
            QCoreApplication.translate("SyncList", "Made"),
            QCoreApplication.translate("SyncList", "Reason"),
        )[section]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._entries):
            return None
        entry = self._entries[index.row()]
        column = self.COLUMNS[index.column()]
        if role == EntryRole:
            return entry
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == "change":
                return change_label(entry.name)
            if column == "state":
                return state_label(entry.state)
            if column == "made_at":
                made = entry.made_at.astimezone()  # the workstation's own zone
                return self._locale.toString(made, QLocale.FormatType.ShortFormat)
            # Queued and applied changes have no code: an empty cell. Refusals and conflicts say why.
            return refusal_text(entry.code, entry.reason, fallback="")
        if role == Qt.ItemDataRole.ForegroundRole and column == "state":
            return _STATE_COLOURS.get(entry.state)
        return None


class SyncListDialog(QDialog):
    """Opened from the status bar: the unsettled changes of this user, refreshed as the sync reports."""

    def __init__(self, store: LocalStore, *, executors: Executors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._executors = executors
        self.setWindowTitle(self.tr("Changes not yet settled"))
        self.setAccessibleName(self.windowTitle())
        self.model = OutboxModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setTabKeyNavigation(False)
        self.table.setAccessibleName(self.tr("Queued, rejected and conflicting changes"))
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        # Rows grow with a long reason, and shrink back when the window widens.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(820, 420)

    def refresh(self) -> None:
        """Reload the list on the store worker."""
        store = self._store
        Op(self, lambda: store.outbox_entries(states=UNSETTLED_STATES)).success(self._show).run_on(
            self._executors.store, executors=self._executors
        )

    def _show(self, entries: list[OutboxEntry]) -> None:
        self.model.set_entries(entries)
        if entries:
            self.summary.setText(
                self.tr(
                    "Every change you made that the server has not accepted yet. Waiting changes are sent "
                    "automatically; rejected ones say why."
                )
            )
        else:
            self.summary.setText(self.tr("All your changes have reached the server."))
