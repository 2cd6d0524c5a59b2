"""How the patient screens word things: history kinds, payment methods, amounts, waiting notes. Translated."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QCoreApplication, QLocale

from desktop.store.payments import AmountProblem
from shared.events import EventType as E
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


def event_title(event_type: str) -> str | None:
    """The timeline's title for a server event, in the user's language (None: keep the server's)."""
    titles = {
        E.APPOINTMENT_REQUESTED: tr("Appointment requested"),
        E.APPOINTMENT_CONFIRMED: tr("Appointment confirmed"),
        E.APPOINTMENT_RESCHEDULED: tr("Appointment moved"),
        E.APPOINTMENT_CANCELLED: tr("Appointment cancelled"),
        E.APPOINTMENT_REJECTED: tr("Appointment request refused"),
        E.APPOINTMENT_ATTENDED: tr("Attended the appointment"),
        E.APPOINTMENT_MISSED: tr("Missed the appointment"),
        E.TICKET_SUBMITTED: tr("Refill ticket submitted"),
        E.TICKET_EDITED: tr("Refill ticket edited"),
        E.TICKET_CANCELLED: tr("Refill ticket cancelled"),
        E.TICKET_APPROVED: tr("Refill ticket approved"),
        E.TICKET_REJECTED: tr("Refill ticket rejected"),
        E.TICKET_PREPARATION_STARTED: tr("Refill ticket in preparation"),
        E.TICKET_DISPATCHED: tr("Refill ticket dispatched"),
        E.TICKET_PARTIALLY_DISPATCHED: tr("Refill ticket partly dispatched"),
        E.TICKET_RECEIVED: tr("Refill ticket received on the ward"),
        E.TICKET_CLOSED: tr("Refill ticket closed"),
        E.DOCUMENT_ADDED: tr("Document added"),
        E.DOCUMENT_ENTERED_IN_ERROR: tr("Document entered in error"),
        E.NOTE_ADDED: tr("Doctor's note"),
        E.NOTE_AMENDED: tr("Doctor's note amended"),
        E.PAYMENT_RECORDED: tr("Consultation paid"),
        E.PAYMENT_REFUNDED: tr("Payment refunded"),
    }
    try:
        return titles.get(E(event_type))
    except ValueError:
        return None


def payment_line(event_type: str) -> str:
    """What doctors and nurses read of a payment: that it happened, never how much."""
    return tr("Refunded at the desk") if event_type == E.PAYMENT_REFUNDED else tr("Paid at the desk")
