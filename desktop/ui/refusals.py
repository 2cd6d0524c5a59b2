"""Why the server refused a change, in the user's language.

The server explains a refusal in English, with specifics (which appointment is in the way, which
state the ticket is in). A known code gets our own sentence, in the user's language, with the server's
words after it in brackets; an unknown code shows the server's words alone.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

CONTEXT = "Refusal"

_KNOWN: dict[str, str] = {
    "slot_taken": QT_TRANSLATE_NOOP("Refusal", "Someone else booked this time first."),
    "patient_double_booked": QT_TRANSLATE_NOOP(
        "Refusal", "The patient already has an appointment at this time."
    ),
    "outside_availability": QT_TRANSLATE_NOOP("Refusal", "The doctor does not see patients at this time."),
    "hold_expired": QT_TRANSLATE_NOOP("Refusal", "The server could not confirm the booking in time."),
    "booking_unavailable": QT_TRANSLATE_NOOP(
        "Refusal", "The server could not complete the booking; try again later."
    ),
    "permission_denied": QT_TRANSLATE_NOOP("Refusal", "You are not allowed to make this change."),
    "invalid_transition": QT_TRANSLATE_NOOP(
        "Refusal", "This step no longer applies: the record has moved on meanwhile."
    ),
    "version_conflict": QT_TRANSLATE_NOOP("Refusal", "Someone else changed this record first."),
    "conflict": QT_TRANSLATE_NOOP("Refusal", "The change clashes with the server's current record."),
    "not_found": QT_TRANSLATE_NOOP("Refusal", "The record no longer exists on the server."),
    "invalid_request": QT_TRANSLATE_NOOP(
        "Refusal", "The server could not accept the change as it was written."
    ),
    "outside_care_scope": QT_TRANSLATE_NOOP("Refusal", "This patient is not in your care."),
    "idempotency_key_reused": QT_TRANSLATE_NOOP(
        "Refusal", "The server already received a different change under the same number."
    ),
    "server_restored": QT_TRANSLATE_NOOP(
        "Refusal", "The server was restored from a backup; the change is sent again."
    ),
}


def is_known(code: str | None) -> bool:
    """Whether the desktop has its own sentence for this refusal code."""
    return (code or "") in _KNOWN


def refusal_text(code: str | None, message: str | None, *, fallback: str | None = None) -> str:
    """Our sentence for `code` (translated) with the server's `message` after it; the message alone for
    an unknown code; `fallback` (or a generic sentence) when there is neither."""
    known = _KNOWN.get(code or "")
    if known is None:
        if message:
            return message
        return (
            fallback if fallback is not None else QCoreApplication.translate(CONTEXT, "No reason was given.")
        )
    text = QCoreApplication.translate(CONTEXT, known)
    return f"{text} ({message})" if message else text
