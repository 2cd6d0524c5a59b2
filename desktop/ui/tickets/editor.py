"""The ticket editor: a nurse writes a refill ticket, checked as she types, kept as a draft until submitted.

The medication field offers the cached formulary as she types (a QCompleter matching anywhere in
"name strength (CODE)"); choosing one fills in its dispensing unit. Every change re-runs the shared
rules (`desktop.ops.tickets.check_draft`) and shows each problem in words next to its field, so
"Submit" is only enabled for a ticket the server will take. Drafts are saved on this workstation
(also when the dialog closes); submitting queues the ticket, which goes out when the network allows.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QDateTime, QLocale, QModelIndex, Qt, QTimeZone, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ops.background import Executors, Op
from desktop.ops.tickets import (
    DraftLine,
    FormularyItem,
    LineProblem,
    TicketDraft,
    check_draft,
    save_draft,
    submit_draft,
)
from desktop.store import LocalStore, OutboxEntry
from desktop.ui.dates import date_time_format
from desktop.ui.tickets.model import CodeRole, FormularyModel
from desktop.ui.tickets.text import format_time, priority_label, problem_text, tr, unit_label
from shared.rules import DispensingUnit
from shared.tickets import MAX_LINES, Priority

_CODE_IN_LABEL = re.compile(r"\(([A-Za-z0-9._-]+)\)\s*$")
NOTES_MAX = 1000
ERROR_STYLE = "color: #A4161A;"


def code_of(typed: str, formulary: Mapping[str, FormularyItem]) -> str:
    """The medication code in what was typed: a chosen suggestion's "(CODE)", or a code typed as is."""
    found = _CODE_IN_LABEL.search(typed)
    if found and found.group(1).upper() in formulary:
        return found.group(1).upper()
    return typed.strip().upper()


class LineEditor(QWidget):
    """One medication of the ticket: medication (type-ahead), quantity, unit, and what is wrong with it."""

    changed = Signal()
    removeRequested = Signal(object)  # self

    def __init__(
        self,
        line: DraftLine,
        *,
        number: int,
        formulary: Mapping[str, FormularyItem],
        completion_model: FormularyModel,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.line_id = line.line_id
        self._formulary = formulary
        self.medication = QLineEdit(self)
        self.medication.setPlaceholderText(tr("Type a medication name or code"))
        self.medication.setAccessibleName(tr("Medication, line {number}").format(number=number))
        completer = QCompleter(completion_model, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setMaxVisibleItems(12)
        completer.activated[QModelIndex].connect(self._chosen)
        self.medication.setCompleter(completer)
        self.quantity = QLineEdit(self)
        self.quantity.setPlaceholderText(tr("Quantity"))
        self.quantity.setAccessibleName(tr("Quantity, line {number}").format(number=number))
        self.quantity.setMaximumWidth(110)
        self.unit = QComboBox(self)
        self.unit.setAccessibleName(tr("Unit, line {number}").format(number=number))
        self.unit.addItem(tr("Unit…"), "")
        for unit in DispensingUnit:
            self.unit.addItem(unit_label(unit.value), unit.value)
        self.remove = QToolButton(self)
        self.remove.setText(tr("Remove"))
        self.remove.setAccessibleName(tr("Remove line {number}").format(number=number))
        self.remove.clicked.connect(lambda: self.removeRequested.emit(self))
        self.problems = QLabel(self)
        self.problems.setStyleSheet(ERROR_STYLE)
        self.problems.setWordWrap(True)
        self.problems.hide()

        item = formulary.get(line.medication_code.upper())
        self.medication.setText(item.label if item else line.medication_code)
        self.quantity.setText(line.quantity)
        self._set_unit(line.unit)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.medication, 1)
        row.addWidget(self.quantity)
        row.addWidget(self.unit)
        row.addWidget(self.remove)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.problems)

        self.touched = False  # nothing changed since it was shown: no red marks yet
        self.medication.textChanged.connect(self._medication_typed)
        self.quantity.textChanged.connect(self._touched)
        self.unit.currentIndexChanged.connect(self._touched)

    def _touched(self, *_args: object) -> None:
        self.touched = True
        self.changed.emit()

    def value(self) -> DraftLine:
        return DraftLine(
            line_id=self.line_id,
            medication_code=code_of(self.medication.text(), self._formulary),
            quantity=self.quantity.text().strip(),
            unit=str(self.unit.currentData() or ""),
        )

    def show_problems(self, problems: Sequence[LineProblem]) -> None:
        fields = {problem.field for problem in problems}
        # Not colour alone: the message says what is wrong, the field is marked for screen readers too.
        for name, widget in (("medication_code", self.medication), ("quantity", self.quantity)):
            widget.setProperty("invalid", name in fields)
            widget.setStyleSheet("border: 1px solid #A4161A;" if name in fields else "")
        self.unit.setStyleSheet("border: 1px solid #A4161A;" if "unit" in fields else "")
        if problems:
            self.problems.setText("⚠ " + " ".join(problem_text(p) for p in problems))
            self.problems.show()
        else:
            self.problems.clear()
            self.problems.hide()
        self.medication.setAccessibleDescription(self.problems.text())

    def _set_unit(self, unit: str) -> None:
        found = self.unit.findData(unit)
        self.unit.setCurrentIndex(found if found >= 0 else 0)

    def _chosen(self, index: QModelIndex) -> None:
        code = str(index.data(CodeRole) or "")
        item = self._formulary.get(code)
        if item is not None:
            self.medication.setText(item.label)
            if item.unit is not None:
                self._set_unit(item.unit.value)

    def _medication_typed(self, typed: str) -> None:
        item = self._formulary.get(code_of(typed, self._formulary))
        if item is not None and item.unit is not None and not self.unit.currentData():
            self._set_unit(item.unit.value)
        self._touched()


class TicketEditorDialog(QDialog):
    """Write or continue a refill ticket. Emits `draftSaved(draft id)` and `submitted(OutboxEntry)`."""

    draftSaved = Signal(object)
    submitted = Signal(object)
    failed = Signal(object)  # the exception of a save or submit that did not work

    def __init__(
        self,
        *,
        store: LocalStore,
        executors: Executors,
        formulary: Sequence[FormularyItem],
        wards: Mapping[str, str],
        draft: TicketDraft | None = None,
        draft_id: uuid.UUID | None = None,
        locale: QLocale | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._executors = executors
        self._formulary = {item.code: item for item in formulary}
        self._locale = locale if locale is not None else QLocale()
        self._now = now
        self._draft_id = draft_id
        self._dirty = False
        self._busy = False
        # A new ticket shows no problems until something is written; a continued draft shows them at once.
        self._touched = False
        self._reveal = draft_id is not None
        self._built = False
        self._lines: list[LineEditor] = []
        self._completion = FormularyModel(self, formulary)
        draft = draft or TicketDraft(ward_id=next(iter(wards), None))
        self.setWindowTitle(tr("Refill ticket") if draft_id is None else tr("Refill ticket (draft)"))
        self.setAccessibleName(tr("Refill ticket editor"))
        self.setMinimumWidth(760)

        self.ward = QComboBox(self)
        self.ward.setAccessibleName(tr("Ward"))
        for ward_id, name in wards.items():
            self.ward.addItem(name, ward_id)
        if draft.ward_id and self.ward.findData(draft.ward_id) >= 0:
            self.ward.setCurrentIndex(self.ward.findData(draft.ward_id))

        self.priority_group = QButtonGroup(self)
        priority_row = QHBoxLayout()
        self.priority_buttons: dict[Priority, QRadioButton] = {}
        for priority in (Priority.ROUTINE, Priority.URGENT, Priority.STAT):
            button = QRadioButton(priority_label(priority), self)
            button.setAccessibleName(tr("Priority: {priority}").format(priority=priority_label(priority)))
            self.priority_group.addButton(button)
            self.priority_buttons[priority] = button
            priority_row.addWidget(button)
        priority_row.addStretch(1)
        self.priority_buttons[draft.priority].setChecked(True)

        self.has_deadline = QCheckBox(tr("Needed by"), self)
        self.needed_by = QDateTimeEdit(self)
        self.needed_by.setAccessibleName(tr("Needed by"))
        self.needed_by.setCalendarPopup(True)
        self.needed_by.setDisplayFormat(date_time_format(self._locale))
        deadline = draft.needed_by or (now() + timedelta(hours=4)).replace(minute=0, second=0, microsecond=0)
        self.needed_by.setDateTime(_qt_time(deadline))
        self.has_deadline.setChecked(draft.needed_by is not None)
        self.needed_by.setEnabled(draft.needed_by is not None)
        self.has_deadline.toggled.connect(self.needed_by.setEnabled)
        deadline_row = QHBoxLayout()
        deadline_row.addWidget(self.has_deadline)
        deadline_row.addWidget(self.needed_by)
        deadline_row.addStretch(1)

        self.notes = QPlainTextEdit(self)
        self.notes.setAccessibleName(tr("Notes for the pharmacy"))
        self.notes.setPlaceholderText(tr("Notes for the pharmacy (optional)"))
        self.notes.setPlainText(draft.notes)
        self.notes.setFixedHeight(64)

        self._lines_box = QWidget(self)
        self._lines_layout = QVBoxLayout(self._lines_box)
        self._lines_layout.setContentsMargins(0, 0, 0, 0)
        self._lines_layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self._lines_box)
        scroll.setMinimumHeight(200)
        self.add_line_button = QPushButton(tr("Add medication"), self)
        self.add_line_button.setAccessibleName(tr("Add a medication line"))
        self.add_line_button.clicked.connect(lambda: self.add_line(focus=True))

        self.problems = QLabel(self)
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(ERROR_STYLE)
        self.saved_note = QLabel(self)
        self.saved_note.setStyleSheet("color: #656D76;")

        self.save_button = QPushButton(tr("Save draft"), self)
        self.save_button.setToolTip(tr("Keep the draft on this workstation; it is not sent."))
        self.submit_button = QPushButton(tr("Submit to pharmacy"), self)
        self.submit_button.setDefault(True)
        self.close_button = QPushButton(tr("Close"), self)
        self.save_button.clicked.connect(lambda: self.save())
        self.submit_button.clicked.connect(self.submit)
        self.close_button.clicked.connect(self.reject)

        form = QFormLayout()
        form.addRow(tr("Ward"), self.ward)
        form.addRow(tr("Priority"), priority_row)
        form.addRow("", deadline_row)
        form.addRow(tr("Notes"), self.notes)
        header = QGridLayout()
        header.addWidget(QLabel("<b>" + tr("Medications") + "</b>", self), 0, 0)
        header.addWidget(self.add_line_button, 0, 1, Qt.AlignmentFlag.AlignRight)
        buttons = QHBoxLayout()
        buttons.addWidget(self.saved_note, 1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.submit_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(header)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.problems)
        layout.addLayout(buttons)

        for line in draft.lines:
            self.add_line(line)
        if not draft.lines:
            self.add_line()
        for signal in (
            self.ward.currentIndexChanged,
            self.priority_group.buttonToggled,
            self.has_deadline.toggled,
            self.needed_by.dateTimeChanged,
            self.notes.textChanged,
        ):
            signal.connect(self._edited)
        self._dirty = False
        self._built = True
        self.validate()

    # ---- contents ----

    @property
    def draft_id(self) -> uuid.UUID | None:
        return self._draft_id

    def line_editors(self) -> list[LineEditor]:
        return list(self._lines)

    def add_line(self, line: DraftLine | None = None, *, focus: bool = False) -> LineEditor:
        editor = LineEditor(
            line or DraftLine(line_id=str(uuid.uuid4())),
            number=len(self._lines) + 1,
            formulary=self._formulary,
            completion_model=self._completion,
            parent=self._lines_box,
        )
        editor.changed.connect(self._edited)
        editor.removeRequested.connect(self._remove_line)
        self._lines_layout.insertWidget(self._lines_layout.count() - 1, editor)
        self._lines.append(editor)
        self.add_line_button.setEnabled(len(self._lines) < MAX_LINES)
        if focus:
            editor.medication.setFocus()
        self._edited()
        return editor

    def _remove_line(self, editor: LineEditor) -> None:
        self._lines.remove(editor)
        editor.hide()
        editor.setParent(None)
        editor.deleteLater()
        self.add_line_button.setEnabled(len(self._lines) < MAX_LINES)
        self._edited()

    def value(self) -> TicketDraft:
        priority = next((p for p, b in self.priority_buttons.items() if b.isChecked()), Priority.ROUTINE)
        needed_by = None
        if self.has_deadline.isChecked():
            needed_by = datetime.fromtimestamp(self.needed_by.dateTime().toSecsSinceEpoch(), tz=UTC)
        return TicketDraft(
            ward_id=self.ward.currentData(),
            priority=priority,
            needed_by=needed_by,
            notes=self.notes.toPlainText()[:NOTES_MAX],
            lines=[editor.value() for editor in self._lines],
        )

    def validate(self) -> bool:
        """Check the ticket as it stands; show every problem; enable Submit only when there is none."""
        problems, per_line = check_draft(self.value(), formulary=self._formulary, now=self._now())
        for editor in self._lines:
            shown = self._reveal or editor.touched
            editor.show_problems(per_line.get(editor.line_id, []) if shown else [])
        reveal = self._reveal or self._touched or any(editor.touched for editor in self._lines)
        self.problems.setText("\n".join("⚠ " + problem_text(p) for p in problems) if reveal else "")
        self.problems.setVisible(bool(problems) and reveal)
        ready = not problems and not per_line
        self.submit_button.setEnabled(ready and not self._busy)
        self.submit_button.setToolTip(
            tr("Send the ticket to the pharmacy (queued while offline).")
            if ready
            else tr("Fix the problems shown first.")
        )
        return ready

    def _edited(self, *_args: object) -> None:
        self._dirty = True
        if self._built:
            self._touched = True
        self.validate()

    def update_reference(self, *, formulary: Sequence[FormularyItem], wards: Mapping[str, str]) -> None:
        """The cache has new reference data (the first sync has just brought the formulary and ward
        names): offer it, name the wards, and check the ticket again, without touching what is typed."""
        self._formulary.clear()  # in place: every line editor holds this same mapping
        self._formulary.update({item.code: item for item in formulary})
        self._completion.set_items(formulary)
        for row in range(self.ward.count()):
            name = wards.get(str(self.ward.itemData(row)))
            if name:
                self.ward.setItemText(row, name)
        self.validate()

    # ---- saving and submitting ----

    def save(self, *, closing: bool = False) -> None:
        """Save the draft on this workstation (never sent until submitted)."""
        draft = self.value()
        draft_id = self._draft_id or uuid.uuid4()
        self._draft_id = draft_id
        self._dirty = False
        store = self._store
        if closing:
            # The dialog may be deleted before the save ends: its parent (the screen) owns the work.
            Op(self.parent() or self, lambda: save_draft(store, draft, draft_id=draft_id)).run_on(
                self._executors.store, executors=self._executors
            )
            return
        Op(self, lambda: save_draft(store, draft, draft_id=draft_id)).success(self._saved).failure(
            self._failed
        ).run_on(self._executors.store, executors=self._executors)

    def _saved(self, draft_id: uuid.UUID) -> None:
        when = format_time(datetime.now(UTC), self._locale)
        self.saved_note.setText(tr("Draft saved on this workstation at {time}.").format(time=when))
        self.draftSaved.emit(draft_id)

    def submit(self) -> None:
        if not self.validate() or self._busy:
            return
        self._busy = True
        self.submit_button.setEnabled(False)
        draft = self.value()
        draft_id = self._draft_id or uuid.uuid4()
        self._draft_id = draft_id
        store = self._store
        Op(self, lambda: submit_draft(store, draft, draft_id=draft_id)).success(self._submitted).failure(
            self._failed
        ).run_on(self._executors.store, executors=self._executors)

    def _submitted(self, entry: OutboxEntry) -> None:
        self._busy = False
        self._dirty = False
        self.submitted.emit(entry)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        self.saved_note.setText(tr("Not saved: {reason}").format(reason=str(error)[:300]))
        self.validate()
        self.failed.emit(error)

    def reject(self) -> None:
        """Closing (Close, Esc, the window's X) keeps what was written: a ticket with any content is saved
        as a draft first, and `draftSaved` tells the screen at once. The store has one worker, so the
        screen's next read comes after this write."""
        if self._dirty and self._has_content():
            self.save(closing=True)
            assert self._draft_id is not None
            self.draftSaved.emit(self._draft_id)
        super().reject()

    def _has_content(self) -> bool:
        draft = self.value()
        return bool(draft.notes.strip()) or any(line.medication_code or line.quantity for line in draft.lines)


def _qt_time(value: datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(value.timestamp()), QTimeZone.systemTimeZone())
