"""Expanding a doctor's weekly rules into bookable windows, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sync_server.directory.availability import free_slots, is_within_availability, open_windows
from sync_server.directory.models import AvailabilityException, AvailabilityRule, Doctor

LISBON = ZoneInfo("Europe/Lisbon")
NEW_YORK = ZoneInfo("America/New_York")

# The 2025 daylight-saving changes (all on Sundays).
SPRING_FORWARD = {"Europe/Lisbon": date(2025, 3, 30), "America/New_York": date(2025, 3, 9)}
FALL_BACK = {"Europe/Lisbon": date(2025, 10, 26), "America/New_York": date(2025, 11, 2)}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def rule(weekday: int, starts: str, ends: str, **kwargs: date) -> AvailabilityRule:
    return AvailabilityRule(
        weekday=weekday, starts=time.fromisoformat(starts), ends=time.fromisoformat(ends), **kwargs
    )


def every_day(starts: str, ends: str) -> list[AvailabilityRule]:
    return [rule(day, starts, ends) for day in range(1, 8)]


def a_doctor(
    rules: list[AvailabilityRule],
    *,
    zone: str = "Europe/Lisbon",
    slot_minutes: int = 20,
    exceptions: list[AvailabilityException] | None = None,
) -> Doctor:
    return Doctor(
        full_name="Dr. Test",
        specialty="Cardiology",
        license_number="T-1",
        time_zone=zone,
        default_slot_minutes=slot_minutes,
        rules=rules,
        exceptions=exceptions or [],
    )


def leave(starts: datetime, ends: datetime) -> AvailabilityException:
    return AvailabilityException(kind="leave", starts_at=starts, ends_at=ends, note="")


def local_times(windows: list[tuple[datetime, datetime]], zone: ZoneInfo) -> list[tuple[str, str]]:
    return [
        (s.astimezone(zone).strftime("%m-%d %H:%M"), e.astimezone(zone).strftime("%m-%d %H:%M"))
        for s, e in windows
    ]


@pytest.mark.parametrize("zone", ["Europe/Lisbon", "America/New_York"])
@pytest.mark.parametrize("change", [SPRING_FORWARD, FALL_BACK], ids=["spring-forward", "fall-back"])
def test_a_morning_clinic_stays_at_eight_local_on_both_sides_of_a_clock_change(zone, change):
    tz = ZoneInfo(zone)
    day = change[zone]
    doctor = a_doctor(every_day("08:00", "12:00"), zone=zone)
    start = datetime.combine(day - timedelta(days=1), time(0), tzinfo=tz)
    windows = open_windows(doctor, start, start + timedelta(days=3))
    assert [(s.astimezone(tz).time(), e.astimezone(tz).time()) for s, e in windows] == [
        (time(8), time(12))
    ] * 3
    assert all(e - s == timedelta(hours=4) for s, e in windows)
    # The UTC hour moves by one across the change, which is what keeps the local hour still.
    assert windows[0][0].hour != windows[2][0].hour


def test_the_lisbon_clinic_in_utc_before_and_after_spring_forward():
    doctor = a_doctor(every_day("08:00", "12:00"))
    windows = open_windows(doctor, utc(2025, 3, 29), utc(2025, 3, 31))
    assert windows == [
        (utc(2025, 3, 29, 8), utc(2025, 3, 29, 12)),
        (utc(2025, 3, 30, 7), utc(2025, 3, 30, 11)),
    ]


@pytest.mark.parametrize("zone", ["Europe/Lisbon", "America/New_York"])
def test_a_night_rule_lasts_two_real_hours_on_the_spring_forward_day(zone):
    tz = ZoneInfo(zone)
    day = SPRING_FORWARD[zone]
    doctor = a_doctor([rule(7, "00:30", "03:30")], zone=zone)
    start = datetime.combine(day, time(0), tzinfo=tz)
    [(opens, closes)] = open_windows(doctor, start, start + timedelta(days=1))
    assert closes - opens == timedelta(hours=2)
    assert local_times([(opens, closes)], tz) == [(f"{day:%m-%d} 00:30", f"{day:%m-%d} 03:30")]


@pytest.mark.parametrize("zone", ["Europe/Lisbon", "America/New_York"])
def test_a_night_rule_lasts_four_real_hours_on_the_fall_back_day(zone):
    tz = ZoneInfo(zone)
    day = FALL_BACK[zone]
    doctor = a_doctor([rule(7, "00:30", "03:30")], zone=zone)
    start = datetime.combine(day, time(0), tzinfo=tz)
    [(opens, closes)] = open_windows(doctor, start, start + timedelta(days=1))
    assert closes - opens == timedelta(hours=4)
    assert local_times([(opens, closes)], tz) == [(f"{day:%m-%d} 00:30", f"{day:%m-%d} 03:30")]


def test_a_start_inside_the_spring_forward_gap_moves_forward():
    # New York skips 02:00-03:00 on 9 March 2025: a 02:30 start becomes 03:30 EDT (07:30 UTC).
    doctor = a_doctor([rule(7, "02:30", "05:00")], zone="America/New_York")
    windows = open_windows(doctor, utc(2025, 3, 9), utc(2025, 3, 10))
    assert windows == [(utc(2025, 3, 9, 7, 30), utc(2025, 3, 9, 9))]


def test_an_ambiguous_fall_back_time_takes_its_first_occurrence():
    # New York lives 01:00-02:00 twice on 2 November 2025; 01:30 means the first, EDT (05:30 UTC).
    doctor = a_doctor([rule(7, "01:30", "04:00")], zone="America/New_York")
    windows = open_windows(doctor, utc(2025, 11, 2), utc(2025, 11, 3))
    assert windows == [(utc(2025, 11, 2, 5, 30), utc(2025, 11, 2, 9))]


def test_leave_removes_whole_days_and_a_blocked_hour_splits_a_window():
    doctor = a_doctor(
        every_day("09:00", "13:00"),
        exceptions=[
            leave(utc(2025, 1, 14), utc(2025, 1, 16)),  # Tuesday and Wednesday off
            AvailabilityException(
                kind="blocked", starts_at=utc(2025, 1, 17, 10), ends_at=utc(2025, 1, 17, 11)
            ),
        ],
    )
    windows = open_windows(doctor, utc(2025, 1, 13), utc(2025, 1, 18))
    assert windows == [
        (utc(2025, 1, 13, 9), utc(2025, 1, 13, 13)),
        (utc(2025, 1, 16, 9), utc(2025, 1, 16, 13)),
        (utc(2025, 1, 17, 9), utc(2025, 1, 17, 10)),
        (utc(2025, 1, 17, 11), utc(2025, 1, 17, 13)),
    ]


def test_rules_apply_only_within_their_validity_dates():
    # Mondays in January 2025: 6, 13, 20, 27.
    doctor = a_doctor(
        [rule(1, "09:00", "10:00", valid_from=date(2025, 1, 13), valid_until=date(2025, 1, 20))]
    )
    windows = open_windows(doctor, utc(2025, 1, 1), utc(2025, 2, 1))
    assert [s.date() for s, _ in windows] == [date(2025, 1, 13), date(2025, 1, 20)]


def test_windows_are_clipped_to_the_asked_range_and_touching_rules_merge():
    doctor = a_doctor([rule(1, "08:00", "12:00"), rule(1, "12:00", "16:00")])
    windows = open_windows(doctor, utc(2025, 1, 13, 10), utc(2025, 1, 13, 15))
    assert windows == [(utc(2025, 1, 13, 10), utc(2025, 1, 13, 15))]


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        open_windows(a_doctor([]), datetime(2025, 1, 1), utc(2025, 1, 2))


def test_a_booking_fits_only_inside_one_open_window():
    doctor = a_doctor(
        [rule(1, "08:00", "12:00"), rule(1, "12:00", "14:00")],
        exceptions=[leave(utc(2025, 1, 20), utc(2025, 1, 21))],
    )
    assert is_within_availability(doctor, utc(2025, 1, 13, 11, 40), utc(2025, 1, 13, 12, 20))
    assert not is_within_availability(doctor, utc(2025, 1, 13, 13, 40), utc(2025, 1, 13, 14, 20))
    assert not is_within_availability(doctor, utc(2025, 1, 13, 7, 40), utc(2025, 1, 13, 8, 20))
    assert not is_within_availability(doctor, utc(2025, 1, 20, 9), utc(2025, 1, 20, 9, 20))  # on leave
    assert not is_within_availability(doctor, utc(2025, 1, 13, 9), utc(2025, 1, 13, 9))  # empty


def test_free_slots_follow_the_grid_and_skip_busy_ones():
    doctor = a_doctor([rule(1, "09:00", "10:00"), rule(2, "09:00", "10:00")], slot_minutes=20)
    busy = [(utc(2025, 1, 13, 9, 20), utc(2025, 1, 13, 9, 40))]
    slots = free_slots(
        doctor, after=utc(2025, 1, 13, 9, 5), busy=busy, duration=timedelta(minutes=20), limit=3
    )
    # 09:00 has begun, 09:20 is busy, 09:40 is free, then Tuesday from 09:00.
    assert slots == [
        (utc(2025, 1, 13, 9, 40), utc(2025, 1, 13, 10)),
        (utc(2025, 1, 14, 9), utc(2025, 1, 14, 9, 20)),
        (utc(2025, 1, 14, 9, 20), utc(2025, 1, 14, 9, 40)),
    ]


def test_a_long_visit_needs_room_before_the_window_closes_and_may_not_touch_a_busy_stretch():
    doctor = a_doctor([rule(1, "09:00", "10:00")], slot_minutes=20)
    busy = [(utc(2025, 1, 13, 9, 50), utc(2025, 1, 13, 9, 55))]
    slots = free_slots(doctor, after=utc(2025, 1, 13), busy=busy, duration=timedelta(minutes=40), limit=2)
    # 09:00-09:40 fits; 09:20-10:00 would overlap the busy 09:50, so the next is next Monday.
    assert slots == [
        (utc(2025, 1, 13, 9), utc(2025, 1, 13, 9, 40)),
        (utc(2025, 1, 20, 9), utc(2025, 1, 20, 9, 40)),
    ]


def test_free_slots_stop_at_the_horizon():
    doctor = a_doctor([rule(1, "09:00", "10:00")], slot_minutes=30)
    slots = free_slots(
        doctor, after=utc(2025, 1, 13), busy=[], duration=timedelta(minutes=30), limit=10, horizon_days=7
    )
    assert slots == [
        (utc(2025, 1, 13, 9), utc(2025, 1, 13, 9, 30)),
        (utc(2025, 1, 13, 9, 30), utc(2025, 1, 13, 10)),
    ]
