"""Writing the emails: plain, polite, with the appointment in the doctor's local time."""

from __future__ import annotations

import uuid
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field

CONFIRMATION = "confirmation"
CANCELLATION = "cancellation"


class AppointmentFacts(BaseModel):
    """The parts of an appointment event payload an email needs (other keys are ignored)."""

    model_config = ConfigDict(extra="ignore")

    appointment_id: str = Field(max_length=64)
    doctor_name: str = Field(max_length=200)
    patient_name: str = Field(max_length=200)
    patient_email: str | None = Field(default=None, max_length=320)
    room_name: str | None = Field(default=None, max_length=200)
    starts_at: datetime
    ends_at: datetime
    time_zone: str = Field(default="UTC", max_length=64)


def _local(moment: datetime, zone_name: str) -> tuple[datetime, str]:
    try:
        return moment.astimezone(ZoneInfo(zone_name)), zone_name
    except (ZoneInfoNotFoundError, ValueError):
        return moment.astimezone(ZoneInfo("UTC")), "UTC"


def compose(
    facts: AppointmentFacts, *, kind: str, sender: str, event_id: uuid.UUID, sent_at: datetime
) -> EmailMessage:
    """The email for one appointment event. Raises ValueError if there is no recipient address."""
    if not facts.patient_email:
        raise ValueError("the patient has no e-mail address")
    starts, zone = _local(facts.starts_at, facts.time_zone)
    ends, _ = _local(facts.ends_at, facts.time_zone)
    day = f"{starts:%A}, {starts.day} {starts:%B %Y}"
    hours = f"{starts:%H:%M} to {ends:%H:%M} ({zone} time)"
    details = [f"  Doctor: {facts.doctor_name}", f"  Date:   {day}", f"  Time:   {hours}"]
    if facts.room_name:
        details.append(f"  Room:   {facts.room_name}")
    if kind == CONFIRMATION:
        subject = f"Appointment confirmed: {facts.doctor_name}, {day} at {starts:%H:%M}"
        opening = "Your appointment is confirmed. Here are the details:"
        closing = (
            "If you cannot come, please let the ward know as early as you can, so that another "
            "patient can have the time."
        )
    else:
        subject = f"Appointment cancelled: {facts.doctor_name}, {day} at {starts:%H:%M}"
        opening = "Your appointment has been cancelled. These were the details:"
        closing = "If you still need to see the doctor, please contact the ward to book a new time."
    body = "\n".join(
        [
            f"Dear {facts.patient_name},",
            "",
            opening,
            "",
            *details,
            "",
            closing,
            "",
            "Kind regards,",
            "The appointments team",
            "",
            f"Reference: {facts.appointment_id}",
        ]
    )
    message = EmailMessage()
    message["From"] = sender
    message["To"] = facts.patient_email
    message["Subject"] = subject
    message["Date"] = format_datetime(sent_at)
    # Derived from the event, so a resend after a crash carries the same id (receivers can deduplicate).
    message["Message-ID"] = f"<{event_id}@warddesk>"
    message.set_content(body + "\n")
    return message
