"""A doctor's calendar as iCalendar (RFC 5545), and the rows of a printed day list. No Qt here.

The iCalendar file carries every appointment of the range except refused requests (they never took
the doctor's time): confirmed ones as CONFIRMED, requested or held ones as TENTATIVE, cancelled ones as
CANCELLED, so a calendar program that imported an earlier export drops them. Times are written in UTC;
the doctor's zone is named in X-WR-TIMEZONE for programs that lay the calendar out in it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from desktop.ops.calendar import AppointmentItem, CalendarQuery, DoctorColumn, day_bounds
from shared.booking import AppointmentStatus

PRODUCT_ID = "-//WardDesk//Doctor calendar//EN"
UID_DOMAIN = "warddesk"

_ICAL_STATUS = {
    AppointmentStatus.CONFIRMED: "CONFIRMED",
    AppointmentStatus.COMPLETED: "CONFIRMED",
    AppointmentStatus.NO_SHOW: "CONFIRMED",
    AppointmentStatus.REQUESTED: "TENTATIVE",
    AppointmentStatus.HELD: "TENTATIVE",
    AppointmentStatus.CANCELLED: "CANCELLED",
}


def calendar_ics(
    doctor: DoctorColumn, appointments: Iterable[AppointmentItem], *, produced_at: datetime | None = None
) -> bytes:
    """The appointments of `doctor` as an iCalendar file (bytes, UTF-8, CRLF line ends)."""
    from icalendar import Calendar, Event  # imported here: ~0.1 s the app's start does not need

    stamp = (produced_at or datetime.now(UTC)).astimezone(UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", doctor.name)
    calendar.add("x-wr-timezone", doctor.time_zone)
    for item in sorted(appointments, key=lambda a: a.starts_at):
        if item.doctor_id != doctor.id or item.status not in _ICAL_STATUS:
            continue
        event = Event()
        event.add("uid", f"{item.id}@{UID_DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("dtstart", item.starts_at.astimezone(UTC))
        event.add("dtend", item.ends_at.astimezone(UTC))
        event.add("summary", item.patient_name or "Appointment")
        if item.reason:
            event.add("description", item.reason)
        event.add("status", _ICAL_STATUS[item.status])
        calendar.add_component(event)
    return calendar.to_ical()


def export_ics(
    query: CalendarQuery, *, doctor: DoctorColumn, starts_at: datetime, ends_at: datetime, path: Path
) -> int:
    """Write the doctor's appointments in [starts_at, ends_at) to `path`; returns how many were written.

    Raises OSError when the file cannot be written, and the query's storage errors.
    """
    items = query.appointments(doctor_ids=[doctor.id], starts_at=starts_at, ends_at=ends_at)
    content = calendar_ics(doctor, items)
    temporary = path.with_name(path.name + ".part")
    temporary.write_bytes(content)
    temporary.replace(path)
    return sum(1 for item in items if item.status in _ICAL_STATUS)


@dataclass(frozen=True, slots=True)
class DayListRow:
    """One line of a printed day list, times already in the doctor's zone."""

    starts: datetime
    ends: datetime
    patient_name: str
    status: AppointmentStatus
    reason: str
    pending: bool


@dataclass(frozen=True)
class DayList:
    doctor: DoctorColumn
    day: date
    rows: tuple[DayListRow, ...]


def day_list(query: CalendarQuery, *, doctor: DoctorColumn, day: date) -> DayList:
    """The doctor's appointments of one local day, in order, refused requests left out."""
    starts_at, ends_at = day_bounds(day, doctor.zone)
    items = query.appointments(doctor_ids=[doctor.id], starts_at=starts_at, ends_at=ends_at)
    rows = tuple(
        DayListRow(
            starts=item.starts_at.astimezone(doctor.zone),
            ends=item.ends_at.astimezone(doctor.zone),
            patient_name=item.patient_name,
            status=item.status,
            reason=item.reason,
            pending=item.pending,
        )
        for item in sorted(items, key=lambda a: a.starts_at)
        if item.status is not AppointmentStatus.REJECTED
    )
    return DayList(doctor=doctor, day=day, rows=rows)
