"""When a doctor can be booked: weekly rules expanded in the doctor's own zone, minus leave and holidays.

The server (sync_server/directory/availability.py) and the desktop (its calendar and booking dialog) both
expand a doctor's schedule with these functions, so the hours the desktop shades are the hours the server
accepts. Rules are expanded day by day in local wall-clock time and only then converted to UTC, so an
08:00 clinic stays at 08:00 local on both sides of a daylight-saving change. A local time in the
spring-forward gap moves forward (02:30 becomes 03:30); an ambiguous fall-back time takes its first
occurrence (fold=0).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Interval = tuple[datetime, datetime]

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class WeeklyRule:
    """An opening every `weekday` (ISO: 1 = Monday ... 7 = Sunday) from `starts` to `ends`, local time."""

    weekday: int
    starts: time
    ends: time
    valid_from: date | None = None
    valid_until: date | None = None


@dataclass(frozen=True, slots=True)
class Closure:
    """Leave, a holiday or a blocked stretch: an absolute, time-zone-aware interval."""

    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class Schedule:
    """A doctor's bookable time: weekly rules in the IANA zone `time_zone`, minus the closures.

    `slot_minutes` is the grid free slots are aligned to. Constructing one with an unknown zone works;
    expanding it raises ZoneInfoNotFoundError.
    """

    time_zone: str
    rules: tuple[WeeklyRule, ...] = ()
    closures: tuple[Closure, ...] = ()
    slot_minutes: int = 20

    @classmethod
    def from_record(cls, data: Mapping[str, Any]) -> Schedule:
        """From the sync feed's availability record (JSON). Malformed rules and closures are left out,
        and an unknown zone becomes UTC, so a damaged record shows fewer open hours instead of failing."""
        zone = str(data.get("time_zone") or "UTC")
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            zone = "UTC"
        rules = []
        for rule in data.get("rules") or ():
            try:
                rules.append(
                    WeeklyRule(
                        weekday=int(rule["weekday"]),
                        starts=time.fromisoformat(str(rule["starts"])),
                        ends=time.fromisoformat(str(rule["ends"])),
                        valid_from=_day(rule.get("valid_from")),
                        valid_until=_day(rule.get("valid_until")),
                    )
                )
            except (KeyError, TypeError, ValueError):
                continue
        closures = []
        for closure in data.get("exceptions") or ():
            try:
                closures.append(Closure(_instant(closure["starts_at"]), _instant(closure["ends_at"])))
            except (KeyError, TypeError, ValueError):
                continue
        try:
            slot_minutes = int(data.get("default_slot_minutes") or 20)
        except (TypeError, ValueError):
            slot_minutes = 20
        return cls(
            time_zone=zone, rules=tuple(rules), closures=tuple(closures), slot_minutes=max(5, slot_minutes)
        )


def _day(value: Any) -> date | None:
    if not value:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _instant(value: Any) -> datetime:
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def open_windows(schedule: Schedule, start: datetime, end: datetime) -> list[Interval]:
    """UTC-aware (start, end) windows in [start, end) when the doctor is available: weekly rules
    expanded day by day in the doctor's zone, minus the closures; sorted, merged, clipped.

    Raises ValueError when `start` or `end` is naive.
    """
    start, end = _utc(start, "start"), _utc(end, "end")
    if end <= start:
        return []
    return _clip(_unclipped_windows(schedule, start, end), start, end)


def is_within_availability(schedule: Schedule, start: datetime, end: datetime) -> bool:
    """True when [start, end) lies entirely inside one open window. Raises ValueError on naive input."""
    start, end = _utc(start, "start"), _utc(end, "end")
    if end <= start:
        return False
    # Windows are merged, so [start, end) fits one exactly when clipping leaves it whole.
    return open_windows(schedule, start, end) == [(start, end)]


def free_slots(
    schedule: Schedule,
    *,
    after: datetime,
    busy: list[Interval],
    duration: timedelta,
    limit: int = 5,
    horizon_days: int = 28,
) -> list[Interval]:
    """The next `limit` slots of `duration` at or after `after`, inside open windows, aligned to the
    doctor's slot grid (window start + k*slot_minutes), not overlapping `busy`.

    Only slots ending within `horizon_days` of `after` are considered. Raises ValueError on naive
    datetimes or a non-positive duration.
    """
    if duration <= timedelta(0):
        raise ValueError("duration must be positive")
    after = _utc(after, "after")
    horizon = after + timedelta(days=horizon_days)
    step = timedelta(minutes=schedule.slot_minutes or 20)
    taken = _merge(sorted((_utc(s, "busy start"), _utc(e, "busy end")) for s, e in busy))
    taken_starts = [s for s, _ in taken]
    slots: list[Interval] = []
    if limit <= 0 or horizon_days <= 0:
        return slots
    for window_start, window_end in _unclipped_windows(schedule, after, horizon):
        last_end = min(window_end, horizon)
        k = max(0, -((window_start - after) // step))  # ceil((after - window_start) / step)
        slot_start = window_start + k * step
        while slot_start + duration <= last_end:
            slot_end = slot_start + duration
            clash = bisect.bisect_left(taken_starts, slot_end) - 1
            if clash >= 0 and taken[clash][1] > slot_start:
                # Jump past the busy stretch, staying on the grid.
                k = max(k + 1, -((window_start - taken[clash][1]) // step))
            else:
                slots.append((slot_start, slot_end))
                if len(slots) >= limit:
                    return slots
                k += 1
            slot_start = window_start + k * step
    return slots


def _unclipped_windows(schedule: Schedule, start: datetime, end: datetime) -> list[Interval]:
    """Open windows overlapping [start, end), whole (not clipped), so their starts anchor the slot grid."""
    zone = ZoneInfo(schedule.time_zone)
    # One spare local day on each side covers rules that cross the UTC boundary of the range.
    first_day = start.astimezone(zone).date() - _ONE_DAY
    last_day = end.astimezone(zone).date() + _ONE_DAY
    openings = _merge(sorted(_expand(schedule.rules, zone, first_day, last_day)))
    closed = _merge(
        sorted((_utc(x.starts_at, "starts_at"), _utc(x.ends_at, "ends_at")) for x in schedule.closures)
    )
    return [(s, e) for s, e in _subtract(openings, closed) if s < end and e > start]


def _expand(rules: Iterable[WeeklyRule], zone: ZoneInfo, first_day: date, last_day: date) -> list[Interval]:
    by_weekday: dict[int, list[WeeklyRule]] = {}
    for rule in rules:
        by_weekday.setdefault(rule.weekday, []).append(rule)
    found: list[Interval] = []
    day = first_day
    while day <= last_day:
        for rule in by_weekday.get(day.isoweekday(), ()):
            if rule.valid_from is not None and day < rule.valid_from:
                continue
            if rule.valid_until is not None and day > rule.valid_until:
                continue
            # fold=0 (the default): gap times move forward, ambiguous times take the first occurrence.
            opens = datetime.combine(day, rule.starts, tzinfo=zone).astimezone(UTC)
            closes = datetime.combine(day, rule.ends, tzinfo=zone).astimezone(UTC)
            if opens < closes:  # a rule lying wholly inside a spring-forward gap has no real time
                found.append((opens, closes))
        day += _ONE_DAY
    return found


def _merge(intervals: list[Interval]) -> list[Interval]:
    """Sorted intervals with overlapping or touching ones joined."""
    merged: list[Interval] = []
    for s, e in intervals:
        if merged and s <= merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def _subtract(openings: list[Interval], closed: list[Interval]) -> list[Interval]:
    """Merged, sorted `openings` minus merged, sorted `closed`."""
    result: list[Interval] = []
    for s, e in openings:
        cursor = s
        for cs, ce in closed:
            if ce <= cursor:
                continue
            if cs >= e:
                break
            if cs > cursor:
                result.append((cursor, cs))
            cursor = max(cursor, ce)
            if cursor >= e:
                break
        if cursor < e:
            result.append((cursor, e))
    return result


def _clip(windows: list[Interval], start: datetime, end: datetime) -> list[Interval]:
    return [(max(s, start), min(e, end)) for s, e in windows if s < end and e > start]


def _utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC)
