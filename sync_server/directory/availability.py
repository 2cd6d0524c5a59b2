"""When a doctor can be booked, for a loaded `Doctor` (its `rules` and `exceptions`); no database access.

The rules themselves live in shared/availability.py, so the desktop shades exactly the hours the server
accepts; this module only turns the ORM doctor into a `Schedule`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from shared import availability as rules
from shared.availability import Closure, Interval, Schedule, WeeklyRule
from sync_server.directory.models import Doctor

__all__ = ["Interval", "free_slots", "is_within_availability", "open_windows", "schedule_of"]


def schedule_of(doctor: Doctor) -> Schedule:
    """The doctor's weekly rules and exceptions as a shared `Schedule`."""
    return Schedule(
        time_zone=doctor.time_zone,
        rules=tuple(
            WeeklyRule(
                weekday=rule.weekday,
                starts=rule.starts,
                ends=rule.ends,
                valid_from=rule.valid_from,
                valid_until=rule.valid_until,
            )
            for rule in doctor.rules
        ),
        closures=tuple(Closure(x.starts_at, x.ends_at) for x in doctor.exceptions),
        slot_minutes=doctor.default_slot_minutes or 20,
    )


def open_windows(doctor: Doctor, start: datetime, end: datetime) -> list[Interval]:
    """See shared.availability.open_windows. Raises ValueError when `start` or `end` is naive."""
    return rules.open_windows(schedule_of(doctor), start, end)


def is_within_availability(doctor: Doctor, start: datetime, end: datetime) -> bool:
    """True when [start, end) lies entirely inside one open window. Raises ValueError on naive input."""
    return rules.is_within_availability(schedule_of(doctor), start, end)


def free_slots(
    doctor: Doctor,
    *,
    after: datetime,
    busy: list[Interval],
    duration: timedelta,
    limit: int = 5,
    horizon_days: int = 28,
) -> list[Interval]:
    """See shared.availability.free_slots. Raises ValueError on naive datetimes or a bad duration."""
    return rules.free_slots(
        schedule_of(doctor), after=after, busy=busy, duration=duration, limit=limit, horizon_days=horizon_days
    )
