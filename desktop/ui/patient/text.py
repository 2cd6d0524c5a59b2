"""How the patient screens word things: history kinds, payment methods, amounts, waiting notes. Translated."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QCoreApplication, QLocale

from desktop.store.payments import AmountProblem
from shared.history import HistoryKind
from shared.payments import CURRENCY, EntryType, PaymentMethod


def tr(text: str) -> str:
    return QCoreApplication.translate("Patient", text)


def kind_label(kind: HistoryKind) -> str:
    labels = {
        HistoryKind.APPOINTMENT: tr("Appointment"),
        HistoryKind.TICKET: tr("Refill ticket"),
        HistoryKind.DOCUMENT: tr("Document"),
        HistoryKind.NOTE: tr("Note"),
        HistoryKind.PAYMENT: tr("Payment"),
    }
    return labels[kind]


def kind_filter_label(kind: HistoryKind | None) -> str:
    """The timeline filter's choices (plural: what is shown)."""
    labels = {
        None: tr("Everything"),
        HistoryKind.APPOINTMENT: tr("Appointments"),
        HistoryKind.TICKET: tr("Refill tickets"),
        HistoryKind.DOCUMENT: tr("Documents"),
        HistoryKind.NOTE: tr("Notes"),
        HistoryKind.PAYMENT: tr("Payments"),
    }
    return labels[kind]


def method_label(method: PaymentMethod | None) -> str:
    labels = {
        PaymentMethod.CASH: tr("Cash"),
        PaymentMethod.CARD: tr("Card"),
        PaymentMethod.PIX: tr("PIX"),
        PaymentMethod.HEALTH_PLAN: tr("Health plan"),
    }
    return labels[method] if method is not None else "—"


def entry_type_label(entry_type: EntryType) -> str:
    return tr("Payment") if entry_type is EntryType.PAYMENT else tr("Refund")


def amount_problem(problem: AmountProblem) -> str:
    """Why typed text is not an amount, and how to type it."""
    messages = {
        AmountProblem.EMPTY: tr("Type the amount paid."),
        AmountProblem.NOT_A_NUMBER: tr("The amount must be a number, such as 150{point}00."),
        AmountProblem.SEPARATORS: tr(
            "Type the amount without thousands separators, with {point} before the cents: 12345{point}00, "
            "not 12,345."
        ),
        AmountProblem.DECIMALS: tr("An amount has at most two decimal places (cents)."),
        AmountProblem.NOT_POSITIVE: tr("The amount must be more than zero."),
        AmountProblem.TOO_LARGE: tr("The amount is larger than any consultation fee: check it."),
    }
    return messages[problem]


def format_money(amount: Decimal | None, locale: QLocale) -> str:
    """R$ 1.234,50 in Brazil, R$1,234.50 in English: from the Decimal itself, never through a float."""
    if amount is None:
        return "—"
    digits = f"{amount:,.2f}"  # "1,234.50"
    group, point = locale.groupSeparator(), locale.decimalPoint()
    local = digits.replace(",", "\0").replace(".", point).replace("\0", group)
    symbol = "R$" if CURRENCY == "BRL" else CURRENCY
    return f"{symbol} {local}"


def amount_for_typing(amount: Decimal | None, locale: QLocale) -> str:
    """An amount as the payment dialog prefills it: no thousands separators, the locale's decimal mark."""
    if amount is None:
        return ""
    return f"{amount:.2f}".replace(".", locale.decimalPoint())
