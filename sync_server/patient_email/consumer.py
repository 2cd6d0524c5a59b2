"""The "confirmation-email" consumer: tells patients their appointment is confirmed (or cancelled)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from pydantic import ValidationError
from sqlalchemy.orm import Session

from shared.events import EventEnvelope, EventType
from sync_server.core.config import Settings
from sync_server.messaging.consumers import PermanentFailure
from sync_server.patient_email.compose import CANCELLATION, CONFIRMATION, AppointmentFacts, compose
from sync_server.patient_email.models import SentEmail
from sync_server.patient_email.senders import MailSender, mail_sender_from

log = logging.getLogger(__name__)

_KINDS = {
    EventType.APPOINTMENT_CONFIRMED.value: CONFIRMATION,
    EventType.APPOINTMENT_CANCELLED.value: CANCELLATION,
}


class AppointmentEmails:
    """Sends one email per confirmed or cancelled appointment and records it in `sent_emails`.

    A patient without an address is recorded as skipped and the queue moves on: one missing address
    must never hold up everyone else's emails.
    """

    name = "confirmation-email"
    event_types = frozenset(_KINDS)

    def __init__(self, sender: MailSender, *, mail_from: str) -> None:
        self._sender = sender
        self._mail_from = mail_from

    def handle(self, session: Session, envelope: EventEnvelope) -> None:
        kind = _KINDS[envelope.type]
        try:
            facts = AppointmentFacts.model_validate(envelope.payload)
        except ValidationError as exc:
            raise PermanentFailure(f"{envelope.type} payload is not usable: {exc}") from exc
        record = SentEmail(
            message_id=envelope.message_id,
            appointment_id=facts.appointment_id,
            kind=kind,
            recipient=facts.patient_email,
        )
        if not facts.patient_email:
            log.warning(  # no patient data in logs: the appointment's id says which
                "appointment %s: the patient has no e-mail address; %s e-mail skipped",
                facts.appointment_id,
                kind,
            )
            record.status, record.subject = "skipped", "(no e-mail address)"
            session.add(record)
            return
        message = compose(
            facts, kind=kind, sender=self._mail_from, event_id=envelope.message_id, sent_at=datetime.now(UTC)
        )
        # Sent before the receipt commits: a crash in between sends it again (at least once), never zero.
        record.provider_message_id = self._sender.send(message, key=f"{kind}-{envelope.message_id}")
        record.status, record.subject = "sent", str(message["Subject"])
        record.provider = self._sender.provider
        session.add(record)
        session.flush()


def appointment_emails(settings: Settings) -> AppointmentEmails:
    return AppointmentEmails(mail_sender_from(settings), mail_from=settings.mail_sender)
