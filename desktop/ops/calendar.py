"""What the calendar views show, as plain data, and the query that supplies it. No Qt here.

The views ask a `CalendarQuery` for one range at a time (a week of one doctor, or one day of several
doctors). The real implementation reads the local SQLite cache; `InMemoryCalendar` serves tests, the
screenshots and the benchmark. All times are aware datetimes in UTC; a doctor's zone only decides which
wall-clock day and hour an instant falls on.
"""

from __future__ import annotations

import uuid
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

from shared.booking import AppointmentStatus

_Row = TypeVar("_Row", "AppointmentItem", "OpenWindow")
_Index = dict[uuid.UUID, tuple[list[datetime], list[_Row], timedelta]]


def _require_utc_interval(starts_at: datetime, ends_at: datetime) -> None:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("calendar times must be aware (UTC)")
    if ends_at <= starts_at:
        raise ValueError("an interval must end after it starts")


@dataclass(frozen=True, slots=True)
class DoctorColumn:
    """A doctor as a calendar column: who, and the IANA zone their day is laid out in."""

    id: uuid.UUID
    name: str
    time_zone: str

    @property
    def zone(self) -> ZoneInfo:
        """The doctor's zone; raises ZoneInfoNotFoundError for a name the system does not know."""
        return ZoneInfo(self.time_zone)


@dataclass(frozen=True, slots=True)
class AppointmentItem:
    """One appointment as a calendar shows it. `pending` means a local change the server has not answered.

    Raises ValueError for naive times or an empty interval.
    """

    id: uuid.UUID
    doctor_id: uuid.UUID
    patient_name: str
    starts_at: datetime
    ends_at: datetime
    status: AppointmentStatus
    pending: bool = False
    reason: str = ""

    def __post_init__(self) -> None:
        _require_utc_interval(self.starts_at, self.ends_at)


@dataclass(frozen=True, slots=True)
class OpenWindow:
    """A stretch of time in which a doctor takes appointments (availability, already expanded)."""

    doctor_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime

    def __post_init__(self) -> None:
        _require_utc_interval(self.starts_at, self.ends_at)


@dataclass(frozen=True, slots=True)
class CalendarSnapshot:
    """Everything a calendar view needs for one visible range."""

    appointments: tuple[AppointmentItem, ...]
    open_windows: tuple[OpenWindow, ...]


class CalendarQuery(Protocol):
    """Reads appointments and open windows overlapping [starts_at, ends_at) for some doctors.

    Implementations may raise their own storage errors; the caller shows them to the user.
    """

    def appointments(
        self, *, doctor_ids: Sequence[uuid.UUID], starts_at: datetime, ends_at: datetime
    ) -> list[AppointmentItem]: ...

    def open_windows(
        self, *, doctor_ids: Sequence[uuid.UUID], starts_at: datetime, ends_at: datetime
    ) -> list[OpenWindow]: ...


def load_range(
    query: CalendarQuery, *, doctor_ids: Sequence[uuid.UUID], starts_at: datetime, ends_at: datetime
) -> CalendarSnapshot:
    """Fetch one visible range (meant to run off the UI thread). Errors of the query propagate."""
    return CalendarSnapshot(
        appointments=tuple(query.appointments(doctor_ids=doctor_ids, starts_at=starts_at, ends_at=ends_at)),
        open_windows=tuple(query.open_windows(doctor_ids=doctor_ids, starts_at=starts_at, ends_at=ends_at)),
    )


def week_start(day: date) -> date:
    """The Monday of the ISO week that contains `day`."""
    return day - timedelta(days=day.weekday())


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock `at` on `day` in `zone`.

    A wall-clock time skipped by a DST change resolves with the offset in force before the change
    (fold=0), so the result is always a real instant.
    """
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC start and end of the local calendar day `day` in `zone` (23 or 25 hours on DST days)."""
    return local_instant(day, time(0), zone), local_instant(day + timedelta(days=1), time(0), zone)


def _overlapping(
    starts: list[datetime], rows: list[_Row], *, starts_at: datetime, ends_at: datetime, longest: timedelta
) -> Iterable[_Row]:
    # Sorted by start: anything overlapping began at most `longest` before the range.
    first = bisect_left(starts, starts_at - longest)
    last = bisect_left(starts, ends_at)
    return rows[first:last]


class InMemoryCalendar:
    """A `CalendarQuery` over lists held in memory, indexed per doctor by start time (bisect)."""

    def __init__(
        self, *, appointments: Iterable[AppointmentItem], open_windows: Iterable[OpenWindow]
    ) -> None:
        self._appointments = self._index(appointments)
        self._windows = self._index(open_windows)

    @staticmethod
    def _index(rows: Iterable[_Row]) -> _Index[_Row]:
        by_doctor: dict[uuid.UUID, list[_Row]] = {}
        for row in rows:
            by_doctor.setdefault(row.doctor_id, []).append(row)
        index: _Index[_Row] = {}
        for doctor_id, doctor_rows in by_doctor.items():
            doctor_rows.sort(key=lambda row: row.starts_at)
            longest = max(row.ends_at - row.starts_at for row in doctor_rows)
            index[doctor_id] = ([row.starts_at for row in doctor_rows], doctor_rows, longest)
        return index

    @staticmethod
    def _query(
        index: _Index[_Row],
        doctor_ids: Sequence[uuid.UUID],
        starts_at: datetime,
        ends_at: datetime,
    ) -> list[_Row]:
        found: list[_Row] = []
        for doctor_id in doctor_ids:
            if doctor_id not in index:
                continue
            starts, rows, longest = index[doctor_id]
            found.extend(
                row
                for row in _overlapping(starts, rows, starts_at=starts_at, ends_at=ends_at, longest=longest)
                if row.ends_at > starts_at
            )
        return found

    def appointments(
        self, *, doctor_ids: Sequence[uuid.UUID], starts_at: datetime, ends_at: datetime
    ) -> list[AppointmentItem]:
        return self._query(self._appointments, doctor_ids, starts_at, ends_at)

    def open_windows(
        self, *, doctor_ids: Sequence[uuid.UUID], starts_at: datetime, ends_at: datetime
    ) -> list[OpenWindow]:
        return self._query(self._windows, doctor_ids, starts_at, ends_at)
