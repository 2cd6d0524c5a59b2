"""One refill ticket: its lines, its timeline, its sync state, and the actions the signed-in person may take.

`TicketDetailView` shows a `TicketDetail` and emits `actionChosen(action, payload)` once the person has
filled in what the action needs (the dialogs below); the screen queues it. The buttons come from
`shared.tickets.allowed_actions`, the same rule the server applies. A nurse's Cancel button is there only
while the ticket is submitted; afterwards a sentence explains why it is gone.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QLocale, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.ops.tickets import (
    TicketDetail,
    TicketLine,
    approve_payload,
    dispatch_payload,
    receive_payload,
)
from desktop.ui.tickets.text import (
    PENDING_TEXT,
    STAT_BACKGROUND,
    STAT_TEXT,
    action_label,
    format_time,
    local_state_label,
    priority_label,
    role_label,
    status_label,
    tr,
    unit_label,
)
from shared.roles import Role
from shared.tickets import Priority, TicketAction, TicketStatus

REASON_MIN = 3


def _line_name(line: TicketLine) -> str:
    return line.medication_name or line.medication_code


def _amount(quantity: int, unit: str) -> str:
    return f"{quantity} {unit_label(unit, quantity)}"


class ReasonDialog(QDialog):
    """Asks for the reason of a rejection or a cancellation (at least three characters)."""

    def __init__(self, *, title: str, prompt: str, action_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.reason = QPlainTextEdit(self)
        self.reason.setAccessibleName(tr("Reason"))
        self.reason.setFixedHeight(90)
        self.buttons = QDialogButtonBox(self)
        self.ok = self.buttons.addButton(action_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        label = QLabel(prompt, self)
        label.setWordWrap(True)
        layout.addWidget(label)
        layout.addWidget(self.reason)
        layout.addWidget(self.buttons)
        self.reason.textChanged.connect(self._check)
        self._check()

    def _check(self) -> None:
        self.ok.setEnabled(len(self.reason.toPlainText().strip()) >= REASON_MIN)

    def payload(self) -> dict[str, Any]:
        return {"reason": self.reason.toPlainText().strip()[:500]}


class _LinesDialog(QDialog):
    """A grid with one row per ticket line and a quantity (and maybe a text) to enter for each."""

    def __init__(self, *, title: str, headings: Sequence[str], parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(640)
        self.grid = QGridLayout()
        for column, heading in enumerate(headings):
            self.grid.addWidget(QLabel(f"<b>{heading}</b>", self), 0, column)
        self.problem = QLabel(self)
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {STAT_TEXT.name()};")
        self.buttons = QDialogButtonBox(self)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.body = QVBoxLayout(self)
        self.body.addLayout(self.grid)

    def finish(self, action_text: str) -> QPushButton:
        self.body.addWidget(self.problem)
        self.body.addWidget(self.buttons)
        return self.buttons.addButton(action_text, QDialogButtonBox.ButtonRole.AcceptRole)


class ApproveDialog(_LinesDialog):
    """Approve each line in full or for less, with a reason for every line approved for less."""

    def __init__(self, lines: Sequence[TicketLine], *, parent: QWidget | None = None) -> None:
        super().__init__(
            title=tr("Approve refill ticket"),
            headings=[tr("Medication"), tr("Requested"), tr("Approve"), tr("Reason (when less)")],
            parent=parent,
        )
        self._lines = list(lines)
        self.quantities: list[QSpinBox] = []
        self.reasons: list[QLineEdit] = []
        for row, line in enumerate(self._lines, start=1):
            name = _line_name(line)
            self.grid.addWidget(QLabel(name, self), row, 0)
            self.grid.addWidget(QLabel(_amount(line.quantity, line.unit), self), row, 1)
            spin = QSpinBox(self)
            spin.setRange(0, line.quantity)
            spin.setValue(line.quantity)
            spin.setAccessibleName(tr("Quantity approved of {medication}").format(medication=name))
            reason = QLineEdit(self)
            reason.setMaxLength(500)
            reason.setAccessibleName(tr("Why less of {medication}").format(medication=_line_name(line)))
            reason.setPlaceholderText(tr("e.g. out of stock, dose changed"))
            self.grid.addWidget(spin, row, 2)
            self.grid.addWidget(reason, row, 3)
            spin.valueChanged.connect(self._check)
            reason.textChanged.connect(self._check)
            self.quantities.append(spin)
            self.reasons.append(reason)
        self.note = QLineEdit(self)
        self.note.setPlaceholderText(tr("Note for the ward (optional)"))
        self.note.setAccessibleName(tr("Note for the ward"))
        self.body.addWidget(self.note)
        self.ok = self.finish(tr("Approve"))
        self._check()

    def _check(self) -> None:
        problems = []
        for line, spin, reason in zip(self._lines, self.quantities, self.reasons, strict=True):
            short = spin.value() < line.quantity
            reason.setEnabled(short)
            if short and not reason.text().strip():
                name = _line_name(line)
                problems.append(tr("Say why less {medication} is approved.").format(medication=name))
        if all(spin.value() == 0 for spin in self.quantities):
            problems.append(tr("Nothing is approved: reject the ticket instead, with the reason."))
        self.problem.setText("\n".join("⚠ " + p for p in problems))
        self.ok.setEnabled(not problems)

    def payload(self) -> dict[str, Any]:
        return approve_payload(
            [
                (line.line_id, spin.value(), reason.text() if spin.value() < line.quantity else "")
                for line, spin, reason in zip(self._lines, self.quantities, self.reasons, strict=True)
            ],
            note=self.note.text(),
        )


class DispatchDialog(_LinesDialog):
    """Send what is ready now; the rest stays open for a later dispatch or is cancelled explicitly."""

    def __init__(self, lines: Sequence[TicketLine], *, parent: QWidget | None = None) -> None:
        super().__init__(
            title=tr("Dispatch refill ticket"),
            headings=[tr("Medication"), tr("Approved"), tr("Sent before"), tr("Send now")],
            parent=parent,
        )
        self._lines = [line for line in lines if line.outstanding > 0]
        self.quantities: list[QSpinBox] = []
        for row, line in enumerate(self._lines, start=1):
            name = _line_name(line)
            self.grid.addWidget(QLabel(name, self), row, 0)
            approved = line.approved_quantity or 0
            self.grid.addWidget(QLabel(f"{approved} {unit_label(line.unit, approved)}", self), row, 1)
            self.grid.addWidget(QLabel(str(line.dispatched_quantity), self), row, 2)
            spin = QSpinBox(self)
            spin.setRange(0, line.outstanding)
            spin.setValue(line.outstanding)
            spin.setAccessibleName(tr("Quantity of {medication} sent now").format(medication=name))
            spin.valueChanged.connect(self._check)
            self.grid.addWidget(spin, row, 3)
            self.quantities.append(spin)
        self.keep_open = QRadioButton(tr("Keep the rest open: it will be sent later"), self)
        self.cancel_rest = QRadioButton(tr("Cancel the rest: it will not be supplied"), self)
        self.cancel_rest.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.keep_open)
        group.addButton(self.cancel_rest)
        self.keep_open.toggled.connect(self._check)
        self.remainder_box = QWidget(self)
        remainder = QVBoxLayout(self.remainder_box)
        remainder.setContentsMargins(0, 6, 0, 0)
        remainder.addWidget(QLabel(tr("What is not sent now:"), self.remainder_box))
        remainder.addWidget(self.keep_open)
        remainder.addWidget(self.cancel_rest)
        self.body.addWidget(self.remainder_box)
        self.note = QLineEdit(self)
        self.note.setPlaceholderText(tr("Note for the ward (optional)"))
        self.note.setAccessibleName(tr("Note for the ward"))
        self.body.addWidget(self.note)
        self.ok = self.finish(tr("Dispatch"))
        self._check()

    def _short(self) -> bool:
        pairs = zip(self._lines, self.quantities, strict=True)
        return any(spin.value() < line.outstanding for line, spin in pairs)

    def _check(self) -> None:
        short = self._short()
        self.remainder_box.setEnabled(short)
        problems = []
        if self.keep_open.isChecked() and short and all(spin.value() == 0 for spin in self.quantities):
            problems.append(tr("This dispatch sends nothing: enter what is sent now, or cancel the rest."))
        self.problem.setText("\n".join("⚠ " + p for p in problems))
        self.ok.setEnabled(not problems and bool(self._lines))

    def payload(self) -> dict[str, Any]:
        return dispatch_payload(
            [(line.line_id, spin.value()) for line, spin in zip(self._lines, self.quantities, strict=True)],
            keep_open=self.keep_open.isChecked() and self._short(),
            note=self.note.text(),
        )


class ReceiveDialog(_LinesDialog):
    """The nurse counts what arrived; any difference is reported to the pharmacy as a discrepancy."""

    def __init__(self, lines: Sequence[TicketLine], *, parent: QWidget | None = None) -> None:
        super().__init__(
            title=tr("Confirm receipt"),
            headings=[tr("Medication"), tr("Dispatched"), tr("Received"), tr("Note")],
            parent=parent,
        )
        self._lines = [line for line in lines if line.dispatched_quantity > 0]
        self.quantities: list[QSpinBox] = []
        self.notes: list[QLineEdit] = []
        for row, line in enumerate(self._lines, start=1):
            name = _line_name(line)
            self.grid.addWidget(QLabel(name, self), row, 0)
            sent = line.dispatched_quantity
            self.grid.addWidget(QLabel(f"{sent} {unit_label(line.unit, sent)}", self), row, 1)
            spin = QSpinBox(self)
            spin.setRange(0, max(sent * 10, 100))
            spin.setValue(sent)
            spin.setAccessibleName(tr("Quantity of {medication} received").format(medication=name))
            note = QLineEdit(self)
            note.setMaxLength(500)
            note.setAccessibleName(tr("Note about {medication}").format(medication=_line_name(line)))
            note.setPlaceholderText(tr("e.g. 2 ampoules broken"))
            spin.valueChanged.connect(self._check)
            self.grid.addWidget(spin, row, 2)
            self.grid.addWidget(note, row, 3)
            self.quantities.append(spin)
            self.notes.append(note)
        self.discrepancy = QLabel(self)
        self.discrepancy.setWordWrap(True)
        self.body.addWidget(self.discrepancy)
        self.ok = self.finish(tr("Confirm receipt"))
        self._check()

    def _check(self) -> None:
        differing = [
            _line_name(line)
            for line, spin in zip(self._lines, self.quantities, strict=True)
            if spin.value() != line.dispatched_quantity
        ]
        self.discrepancy.setText(
            tr("Discrepancy on {lines}: the pharmacy will be told.").format(lines=", ".join(differing))
            if differing
            else tr("Everything dispatched arrived.")
        )
        self.ok.setEnabled(bool(self._lines))

    def payload(self) -> dict[str, Any]:
        return receive_payload(
            [
                (line.line_id, spin.value(), note.text())
                for line, spin, note in zip(self._lines, self.quantities, self.notes, strict=True)
            ]
        )


class TicketDetailView(QWidget):
    """The selected ticket. Emits `actionChosen(TicketAction, payload dict)`."""

    actionChosen = Signal(object, object)
    patientRequested = Signal(object)  # the patient the ticket names (rarely: most name a ward only)

    ACTION_ORDER = (
        TicketAction.APPROVE,
        TicketAction.REJECT,
        TicketAction.START_PREPARATION,
        TicketAction.DISPATCH,
        TicketAction.RECEIVE,
        TicketAction.CLOSE,
        TicketAction.CANCEL,
    )

    def __init__(self, *, role: Role, locale: QLocale | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._role = role
        self._locale = locale if locale is not None else QLocale()
        self._detail: TicketDetail | None = None
        self.open_dialog: QDialog | None = None  # the action dialog being shown (tests fill it in)
        self.setAccessibleName(tr("Refill ticket details"))

        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setWordWrap(True)
        self.facts = QLabel(self)
        self.facts.setWordWrap(True)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sync_state = QLabel(self)
        self.sync_state.setWordWrap(True)
        self.sync_state.setStyleSheet("color: #6E56CF;")
        self.lines = QTableWidget(0, 6, self)
        self.lines.setAccessibleName(tr("Medications of the ticket"))
        self.lines.setHorizontalHeaderLabels(
            [tr("Medication"), tr("Requested"), tr("Approved"), tr("Dispatched"), tr("Received"), tr("Notes")]
        )
        self.lines.verticalHeader().setVisible(False)
        self.lines.setTabKeyNavigation(False)
        self.lines.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lines.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.lines.setWordWrap(True)
        header = self.lines.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(40)
        self.timeline = QListWidget(self)
        self.timeline.setAccessibleName(tr("Timeline of the ticket"))
        self.timeline.setWordWrap(True)

        self.patient_button = QPushButton(tr("Open patient…"), self)
        self.patient_button.setAccessibleName(tr("Open the patient's screen"))
        self.patient_button.clicked.connect(self._open_patient)
        self.patient_button.hide()

        self.buttons: dict[TicketAction, QPushButton] = {}
        button_row = QHBoxLayout()
        texts = {
            TicketAction.APPROVE: tr("Approve…"),
            TicketAction.REJECT: tr("Reject…"),
            TicketAction.START_PREPARATION: tr("Start preparation"),
            TicketAction.DISPATCH: tr("Dispatch…"),
            TicketAction.RECEIVE: tr("Confirm receipt…"),
            TicketAction.CLOSE: tr("Close ticket"),
            TicketAction.CANCEL: tr("Cancel ticket…"),
        }
        for action in self.ACTION_ORDER:
            button = QPushButton(texts[action], self)
            button.setAccessibleName(texts[action].rstrip("…"))
            button.clicked.connect(lambda _checked=False, a=action: self.choose(a))
            button.hide()
            self.buttons[action] = button
            button_row.addWidget(button)
        button_row.addStretch(1)
        self.cancel_note = QLabel(self)
        self.cancel_note.setWordWrap(True)
        self.cancel_note.setStyleSheet("color: #656D76;")
        self.cancel_note.hide()
        self.empty = QLabel(tr("Select a ticket to see its details."), self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.content = QWidget(self)
        body = QVBoxLayout(self.content)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.title)
        body.addWidget(self.facts)
        body.addWidget(self.sync_state)
        body.addWidget(self.patient_button, 0, Qt.AlignmentFlag.AlignLeft)
        body.addLayout(button_row)
        body.addWidget(self.cancel_note)
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        body.addWidget(line)
        body.addWidget(self.lines)
        body.addWidget(QLabel("<b>" + tr("Timeline") + "</b>", self))
        body.addWidget(self.timeline, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(self.content)
        self.content.hide()

    @property
    def detail(self) -> TicketDetail | None:
        return self._detail

    def named_patient(self) -> uuid.UUID | None:
        """The patient the ticket names, for those who see patients (not the pharmacy)."""
        named = self._detail.data.get("patient_id") if self._detail is not None else None
        if not named or self._role is Role.PHARMACIST:
            return None
        try:
            return uuid.UUID(str(named))
        except ValueError:
            return None

    def _open_patient(self) -> None:
        patient_id = self.named_patient()
        if patient_id is not None:
            self.patientRequested.emit(patient_id)

    def show_ticket(self, detail: TicketDetail | None, *, ward_name: str = "") -> None:
        self._detail = detail
        self.empty.setVisible(detail is None)
        self.content.setVisible(detail is not None)
        self.patient_button.setVisible(self.named_patient() is not None)
        if detail is None:
            return
        data = detail.data
        stat = detail.priority is Priority.STAT
        badge = (
            f"<span style='background:{STAT_BACKGROUND.name()}; color:{STAT_TEXT.name()}; font-weight:bold'>"
            f"&nbsp;⚠ {priority_label(detail.priority)}&nbsp;</span>"
            if stat
            else f"<b>{priority_label(detail.priority)}</b>"
        )
        self.title.setText(
            f"<span style='font-size:14pt'>{badge} &nbsp; {status_label(detail.status)}</span>"
        )
        facts = [
            tr("Ward: {ward}").format(ward=ward_name or data.get("ward_id", "")),
            tr("Requested by: {name}").format(name=data.get("requested_by_name") or tr("you (not sent yet)")),
            tr("Needed by: {time}").format(
                time=format_time(_time(data.get("needed_by")), self._locale, empty=tr("no deadline"))
            ),
            tr("Submitted: {time}").format(time=format_time(_time(data.get("submitted_at")), self._locale)),
        ]
        if data.get("notes"):
            facts.append(tr("Notes: {notes}").format(notes=data["notes"]))
        if data.get("rejection_reason"):
            facts.append(tr("Rejected because: {reason}").format(reason=data["rejection_reason"]))
        if data.get("cancel_reason"):
            facts.append(tr("Cancelled because: {reason}").format(reason=data["cancel_reason"]))
        if data.get("has_discrepancy"):
            facts.append(tr("Received with a discrepancy (reported to the pharmacy)."))
        self.facts.setText("\n".join(facts))
        states = [local_state_label(change.state) for change in detail.changes]
        self.sync_state.setText("⟳ " + "; ".join(states) if states else "")
        self.sync_state.setVisible(bool(states))
        self._show_lines(detail.lines)
        self._show_timeline(detail)
        for action, button in self.buttons.items():
            button.setVisible(action in detail.actions)
        self._explain_cancel(detail)

    def _explain_cancel(self, detail: TicketDetail) -> None:
        if self._role is not Role.NURSE or detail.can_cancel:
            self.cancel_note.hide()
            return
        if detail.pharmacy_has_acted:
            text = tr(
                "Cancel is no longer available: the pharmacy has already acted on this ticket "
                "(it is {status}). Contact the pharmacy to change it."
            ).format(status=status_label(detail.status).lower())
        elif detail.status is TicketStatus.CANCELLED:
            text = tr("This ticket has been cancelled.")
        else:
            text = ""
        self.cancel_note.setText(text)
        self.cancel_note.setVisible(bool(text))

    def _show_lines(self, lines: Sequence[TicketLine]) -> None:
        self.lines.setRowCount(len(lines))
        for row, line in enumerate(lines):
            notes = [n for n in (line.approval_reason, line.discrepancy_note) if n]
            if line.remainder_cancelled:
                notes.append(tr("rest cancelled"))
            cells = [
                _line_name(line),
                _amount(line.quantity, line.unit),
                "" if line.approved_quantity is None else str(line.approved_quantity),
                str(line.dispatched_quantity) if line.dispatched_quantity else "",
                "" if line.received_quantity is None else str(line.received_quantity),
                "; ".join(notes),
            ]
            for column, value in enumerate(cells):
                item = QTableWidgetItem(value)
                item.setToolTip(f"{line.medication_name} ({line.medication_code})" if column == 0 else value)
                if line.discrepancy_note and column in (4, 5):
                    item.setForeground(STAT_TEXT)
                self.lines.setItem(row, column, item)
        self.lines.resizeRowsToContents()
        # As tall as its rows (up to a point): the timeline below gets the rest of the height.
        height = self.lines.horizontalHeader().height() + 2 * self.lines.frameWidth()
        height += sum(self.lines.rowHeight(row) for row in range(len(lines)))
        self.lines.setFixedHeight(min(height + 2, 260))

    def _show_timeline(self, detail: TicketDetail) -> None:
        self.timeline.clear()
        for entry in detail.timeline:
            when = format_time(entry.at, self._locale)
            if entry.local_state is None:
                who = tr("{name} ({role})").format(name=entry.actor_name, role=role_label(entry.actor_role))
                line = tr("{time} · {action} by {who}").format(
                    time=when, action=action_label(entry.action), who=who
                )
            else:
                line = tr("{time} · {action} on this workstation: {state}").format(
                    time=when, action=action_label(entry.action), state=local_state_label(entry.local_state)
                )
                if entry.reason:
                    line += " — " + entry.reason
            item = QListWidgetItem(line)
            if entry.local_state is not None:
                refused = entry.local_state in ("rejected", "conflict")
                item.setForeground(STAT_TEXT if refused else PENDING_TEXT)
            self.timeline.addItem(item)

    # ---- actions ----

    def dialog_for(self, action: TicketAction) -> QDialog | None:
        """The dialog collecting what `action` needs, or None when it needs nothing."""
        detail = self._detail
        if detail is None:
            return None
        if action is TicketAction.APPROVE:
            return ApproveDialog(detail.lines, parent=self)
        if action is TicketAction.DISPATCH:
            return DispatchDialog(detail.lines, parent=self)
        if action is TicketAction.RECEIVE:
            return ReceiveDialog(detail.lines, parent=self)
        if action is TicketAction.REJECT:
            return ReasonDialog(
                title=tr("Reject refill ticket"),
                prompt=tr("Why is this ticket rejected? The ward reads this."),
                action_text=tr("Reject"),
                parent=self,
            )
        if action is TicketAction.CANCEL:
            return ReasonDialog(
                title=tr("Cancel refill ticket"),
                prompt=tr("Why is this ticket no longer needed? The pharmacy reads this."),
                action_text=tr("Cancel ticket"),
                parent=self,
            )
        return None

    def choose(self, action: TicketAction) -> None:
        """Ask for what the action needs, then emit it (nothing is emitted if the person backs out)."""
        dialog = self.dialog_for(action)
        if dialog is None:
            self.actionChosen.emit(action, {})
            return
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.actionChosen.emit(action, dialog.payload()))  # type: ignore[attr-defined]
        dialog.open()
        self.open_dialog = dialog


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
