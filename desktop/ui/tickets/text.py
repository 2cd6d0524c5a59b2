"""How the ticket screens word things: statuses, priorities, actions, units, problems, times. Translated."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication, QDateTime, QLocale, QTimeZone
from PySide6.QtGui import QColor

from desktop.ops.tickets import LineProblem, Problem
from shared.tickets import Priority, TicketAction, TicketStatus


def tr(text: str) -> str:
    return QCoreApplication.translate("Tickets", text)


def status_label(status: TicketStatus | str) -> str:
    labels = {
        TicketStatus.DRAFT: tr("Draft"),
        TicketStatus.SUBMITTED: tr("Submitted"),
        TicketStatus.APPROVED: tr("Approved"),
        TicketStatus.REJECTED: tr("Rejected"),
        TicketStatus.IN_PREPARATION: tr("In preparation"),
        TicketStatus.DISPATCHED: tr("Dispatched"),
        TicketStatus.RECEIVED: tr("Received"),
        TicketStatus.CLOSED: tr("Closed"),
        TicketStatus.CANCELLED: tr("Cancelled"),
    }
    try:
        return labels[TicketStatus(status)]
    except ValueError:
        return str(status)


def priority_label(priority: Priority | str) -> str:
    labels = {Priority.STAT: tr("STAT"), Priority.URGENT: tr("Urgent"), Priority.ROUTINE: tr("Routine")}
    try:
        return labels[Priority(priority)]
    except ValueError:
        return str(priority)


def action_label(action: TicketAction | str) -> str:
    """The action as a button or a timeline entry says it."""
    labels = {
        TicketAction.SUBMIT: tr("Submitted"),
        TicketAction.EDIT: tr("Edited"),
        TicketAction.CANCEL: tr("Cancelled"),
        TicketAction.APPROVE: tr("Approved"),
        TicketAction.REJECT: tr("Rejected"),
        TicketAction.START_PREPARATION: tr("Preparation started"),
        TicketAction.DISPATCH: tr("Dispatched"),
        TicketAction.RECEIVE: tr("Receipt confirmed"),
        TicketAction.CLOSE: tr("Closed"),
    }
    try:
        return labels[TicketAction(action)]
    except ValueError:
        return str(action)


def role_label(role: str) -> str:
    labels = {
        "nurse": tr("nurse"),
        "pharmacist": tr("pharmacist"),
        "admin": tr("administrator"),
        "doctor": tr("doctor"),
        "scheduler": tr("scheduler"),
    }
    return labels.get(role, role)


def unit_label(unit: str, quantity: int | None = None) -> str:
    """A dispensing unit, singular or plural as the quantity needs."""
    plural = quantity is None or quantity != 1
    labels = {
        "tablet": (tr("tablet"), tr("tablets")),
        "capsule": (tr("capsule"), tr("capsules")),
        "ampoule": (tr("ampoule"), tr("ampoules")),
        "vial": (tr("vial"), tr("vials")),
        "bag": (tr("bag"), tr("bags")),
        "bottle": (tr("bottle"), tr("bottles")),
        "tube": (tr("tube"), tr("tubes")),
        "inhaler": (tr("inhaler"), tr("inhalers")),
        "patch": (tr("patch"), tr("patches")),
        "suppository": (tr("suppository"), tr("suppositories")),
        "ml": (tr("ml"), tr("ml")),
    }
    pair = labels.get(unit)
    return unit if pair is None else pair[1 if plural else 0]


def local_state_label(state: str) -> str:
    """Where a change made on this workstation is (the author must always see it)."""
    labels = {
        "queued": tr("Waiting to be sent (offline)"),
        "sent": tr("Sent, waiting for the server"),
        "applied": tr("Accepted by the server"),
        "rejected": tr("Refused by the server"),
        "conflict": tr("Conflicts with a change made elsewhere"),
    }
    return labels.get(state, state)


def problem_text(problem: Problem | LineProblem) -> str:
    """What to tell the nurse about a problem of the ticket being written."""
    expected = problem.expected_unit if isinstance(problem, LineProblem) else None
    kind = problem.problem if isinstance(problem, LineProblem) else problem
    texts = {
        Problem.MEDICATION_MISSING: tr("Choose a medication from the formulary."),
        Problem.MEDICATION_FORMAT: tr("A medication code has 2-32 letters, digits, dots or dashes."),
        Problem.NOT_IN_FORMULARY: tr("Not in the formulary: pick one of the suggestions."),
        Problem.NO_LONGER_STOCKED: tr("No longer stocked by the pharmacy."),
        Problem.QUANTITY_MISSING: tr("Enter a quantity."),
        Problem.QUANTITY_NOT_A_NUMBER: tr("The quantity must be a whole number."),
        Problem.QUANTITY_OUT_OF_RANGE: tr("The quantity must be between 1 and 100000."),
        Problem.UNIT_MISSING: tr("Choose a unit."),
        Problem.UNIT_MISMATCH: tr("This medication is dispensed by the {unit}.").format(
            unit=unit_label(expected.value, 1) if expected else ""
        ),
        Problem.NO_LINES: tr("Add at least one medication."),
        Problem.TOO_MANY_LINES: tr("A ticket holds at most 50 medications."),
        Problem.DUPLICATE_MEDICATION: tr("A medication appears twice: put the whole quantity on one line."),
        Problem.NO_WARD: tr("Choose the ward."),
        Problem.NEEDED_BY_PAST: tr("The needed-by time is in the past."),
    }
    return texts[kind]


def format_time(value: datetime | None, locale: QLocale, *, empty: str = "—") -> str:
    """A moment in the workstation's time zone, in the locale's short format."""
    if value is None:
        return empty
    moment = QDateTime.fromSecsSinceEpoch(int(value.timestamp()), QTimeZone.systemTimeZone())
    return locale.toString(moment, QLocale.FormatType.ShortFormat)


# Colours of the priorities. Never the only cue: stat rows also carry the word "STAT" and an icon.
STAT_BACKGROUND = QColor("#FDE2E1")
STAT_TEXT = QColor("#A4161A")
URGENT_BACKGROUND = QColor("#FFF1D6")
URGENT_TEXT = QColor("#8A4B00")
PENDING_TEXT = QColor("#6E56CF")
