"""The patient screen's dialogs: a doctor's note and its amendment; a payment and a refund at the desk.

Each checks what it can before closing (empty text, an amount that is not money, a health plan without its
authorisation number) and says what is wrong next to the field; the screen queues what they return.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from PySide6.QtCore import QDate, QLocale
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.ops.patients import Visit
from desktop.store.payments import AmountRefused, DeskEntry, parse_amount
from desktop.ui.dates import date_format, format_date_time
from desktop.ui.patient.text import amount_for_typing, amount_problem, format_money, method_label, tr
from shared.history import NOTE_MAX_CHARS
from shared.payments import PaymentMethod

_ERROR_STYLE = "color: #A4262C;"


def _error_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setStyleSheet(_ERROR_STYLE)
    label.setWordWrap(True)
    label.setAccessibleName(tr("Problem"))
    label.hide()
    return label


def _buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog
    )
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text)
    ok.setAccessibleName(ok_text)
    cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
    cancel.setText(tr("Cancel"))
    cancel.setAccessibleName(tr("Cancel"))
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


class NoteDialog(QDialog):
    """A dated free-text note about the patient. `noted_on()`, `text()` once accepted."""

    def __init__(
        self, *, patient_name: str, today: date, locale: QLocale, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("New note · {name}").format(name=patient_name))
        self.date = QDateEdit(QDate(today.year, today.month, today.day), self)
        self.date.setDisplayFormat(date_format(locale))
        self.date.setCalendarPopup(True)
        self.date.setMaximumDate(QDate(today.year, today.month, today.day))
        self.date.setAccessibleName(tr("Date the note is about"))
        self.body = QPlainTextEdit(self)
        self.body.setAccessibleName(tr("Note"))
        self.body.setPlaceholderText(tr("What you observed, decided or advised"))
        self.body.setTabChangesFocus(True)
        self.error = _error_label(self)
        form = QFormLayout()
        form.addRow(tr("&Date:"), self.date)
        form.addRow(tr("&Note:"), self.body)
        hint = QLabel(tr("A note is never changed once saved: to correct it, amend it."), self)
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.error)
        layout.addWidget(_buttons(self, tr("Save note")))
        self.resize(520, 360)
        self.body.setFocus()

    def noted_on(self) -> date:
        return self.date.date().toPython()  # type: ignore[no-any-return]

    def text(self) -> str:
        return self.body.toPlainText().strip()

    def accept(self) -> None:
        if not self.text():
            self._refuse(tr("Write the note first."))
            return
        if len(self.text()) > NOTE_MAX_CHARS:
            self._refuse(tr("A note has at most {count} characters.").format(count=NOTE_MAX_CHARS))
            return
        super().accept()

    def _refuse(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        self.body.setFocus()


class AmendDialog(QDialog):
    """An amendment of a note: the new text and why. The original stays in the history."""

    def __init__(self, *, original: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Amend a note"))
        shown = QPlainTextEdit(original, self)
        shown.setReadOnly(True)
        shown.setAccessibleName(tr("The note as written"))
        shown.setTabChangesFocus(True)
        shown.setMaximumHeight(110)
        self.body = QPlainTextEdit(original, self)
        self.body.setAccessibleName(tr("Amended text"))
        self.body.setTabChangesFocus(True)
        self.reason = QLineEdit(self)
        self.reason.setAccessibleName(tr("Reason for the amendment"))
        self.reason.setMaxLength(500)
        self.error = _error_label(self)
        form = QFormLayout()
        form.addRow(tr("As written:"), shown)
        form.addRow(tr("&Amended text:"), self.body)
        form.addRow(tr("&Reason:"), self.reason)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(_buttons(self, tr("Save amendment")))
        self.resize(520, 400)
        self.body.setFocus()

    def text(self) -> str:
        return self.body.toPlainText().strip()

    def why(self) -> str:
        return self.reason.text().strip()

    def accept(self) -> None:
        if not self.text():
            self._refuse(tr("Write the amended text."), self.body)
        elif len(self.why()) < 3:
            self._refuse(tr("Say why the note is amended (at least 3 characters)."), self.reason)
        else:
            super().accept()

    def _refuse(self, message: str, field: QWidget) -> None:
        self.error.setText(message)
        self.error.show()
        field.setFocus()


@dataclass(frozen=True)
class PaymentTaken:
    amount: Decimal
    method: PaymentMethod
    authorisation_number: str | None
    desk: str


class PaymentDialog(QDialog):
    """A payment for one visit: the amount typed as text (the fee prefilled when known), the method, the
    health plan's authorisation number, the desk. `taken()` once accepted."""

    def __init__(self, *, visit: Visit, desk: str, locale: QLocale, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._locale = locale
        self.setWindowTitle(tr("Take a payment"))
        when = format_date_time(visit.starts_at, locale)
        about = QLabel(tr("{when} with {doctor}").format(when=when, doctor=visit.doctor_name or "—"), self)
        about.setWordWrap(True)
        self.amount = QLineEdit(amount_for_typing(visit.fee, locale), self)
        self.amount.setAccessibleName(tr("Amount paid"))
        self.amount.setPlaceholderText(amount_for_typing(Decimal("150.00"), locale))
        self.method = QComboBox(self)
        self.method.setAccessibleName(tr("Payment method"))
        for method in PaymentMethod:
            self.method.addItem(method_label(method), method)
        self.authorisation = QLineEdit(self)
        self.authorisation.setAccessibleName(tr("Health plan authorisation number"))
        self.authorisation.setMaxLength(64)
        self.desk = QLineEdit(desk, self)
        self.desk.setAccessibleName(tr("Desk"))
        self.desk.setMaxLength(64)
        self.error = _error_label(self)
        form = QFormLayout()
        form.addRow(tr("Visit:"), about)
        form.addRow(tr("&Amount (R$):"), self.amount)
        form.addRow(tr("&Method:"), self.method)
        form.addRow(tr("&Authorisation number:"), self.authorisation)
        form.addRow(tr("D&esk:"), self.desk)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        if visit.fee is not None:
            layout.addWidget(QLabel(tr("Fee: {fee}").format(fee=format_money(visit.fee, locale)), self))
        layout.addWidget(self.error)
        layout.addWidget(_buttons(self, tr("Record payment")))
        self.method.currentIndexChanged.connect(self._method_changed)
        self._method_changed()
        self.amount.setFocus()
        self.amount.selectAll()
        self._taken: PaymentTaken | None = None

    def _method_changed(self) -> None:
        self.authorisation.setEnabled(self.chosen_method() is PaymentMethod.HEALTH_PLAN)

    def chosen_method(self) -> PaymentMethod:
        return PaymentMethod(self.method.currentData())  # Qt hands the enum back as its text

    def taken(self) -> PaymentTaken | None:
        return self._taken

    def accept(self) -> None:
        try:
            amount = parse_amount(self.amount.text(), decimal_point=self._locale.decimalPoint())
        except AmountRefused as refused:
            self._refuse(
                amount_problem(refused.problem).format(point=self._locale.decimalPoint()), self.amount
            )
            return
        method = self.chosen_method()
        number = self.authorisation.text().strip() or None
        if method is PaymentMethod.HEALTH_PLAN and number is None:
            self._refuse(
                tr("A health-plan payment needs the plan's authorisation number."), self.authorisation
            )
            return
        if not self.desk.text().strip():
            self._refuse(tr("Say which desk took the payment."), self.desk)
            return
        self._taken = PaymentTaken(
            amount=amount,
            method=method,
            authorisation_number=number if method is PaymentMethod.HEALTH_PLAN else None,
            desk=self.desk.text().strip(),
        )
        super().accept()

    def _refuse(self, message: str, field: QWidget) -> None:
        self.error.setText(message)
        self.error.show()
        field.setFocus()


@dataclass(frozen=True)
class RefundGiven:
    amount: Decimal | None  # None: all that is left
    reason: str
    desk: str


class RefundDialog(QDialog):
    """Give back some or all of what is left of a payment, with the reason."""

    def __init__(
        self, *, payment: DeskEntry, desk: str, locale: QLocale, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._locale = locale
        self._left = payment.refundable
        self.setWindowTitle(tr("Refund a payment"))
        left = QLabel(
            tr("Paid {paid} by {method}; {left} can be refunded.").format(
                paid=format_money(payment.amount, locale),
                method=method_label(payment.method),
                left=format_money(self._left, locale),
            ),
            self,
        )
        left.setWordWrap(True)
        self.amount = QLineEdit(amount_for_typing(self._left, locale), self)
        self.amount.setAccessibleName(tr("Amount to refund"))
        self.reason = QLineEdit(self)
        self.reason.setAccessibleName(tr("Reason for the refund"))
        self.reason.setMaxLength(500)
        self.desk = QLineEdit(desk, self)
        self.desk.setAccessibleName(tr("Desk"))
        self.error = _error_label(self)
        form = QFormLayout()
        form.addRow(left)
        form.addRow(tr("&Amount (R$):"), self.amount)
        form.addRow(tr("&Reason:"), self.reason)
        form.addRow(tr("D&esk:"), self.desk)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(_buttons(self, tr("Refund")))
        self.reason.setFocus()
        self._given: RefundGiven | None = None

    def given(self) -> RefundGiven | None:
        return self._given

    def accept(self) -> None:
        try:
            amount = parse_amount(self.amount.text(), decimal_point=self._locale.decimalPoint())
        except AmountRefused as refused:
            self._refuse(
                amount_problem(refused.problem).format(point=self._locale.decimalPoint()), self.amount
            )
            return
        if amount > self._left:
            self._refuse(
                tr("At most {left} can be refunded.").format(left=format_money(self._left, self._locale)),
                self.amount,
            )
            return
        if len(self.reason.text().strip()) < 3:
            self._refuse(tr("Say why the money is given back (at least 3 characters)."), self.reason)
            return
        if not self.desk.text().strip():
            self._refuse(tr("Say which desk gives the refund."), self.desk)
            return
        self._given = RefundGiven(
            amount=None if amount == self._left else amount,
            reason=self.reason.text().strip(),
            desk=self.desk.text().strip(),
        )
        super().accept()

    def _refuse(self, message: str, field: QWidget) -> None:
        self.error.setText(message)
        self.error.show()
        field.setFocus()
