from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from desktop.ops.calendar import AppointmentItem, InMemoryCalendar, day_bounds, load_range, week_start
from shared.booking import AppointmentStatus

DOCTOR = uuid.UUID(int=7)
OTHER_DOCTOR = uuid.UUID(int=8)


def booked(doctor_id: uuid.UUID, starts_at: datetime, minutes: int) -> AppointmentItem:
    return AppointmentItem(
        id=uuid.uuid4(),
        doctor_id=doctor_id,
        patient_name="Maria Fernandes",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        status=AppointmentStatus.CONFIRMED,
    )


def test_a_range_holds_every_appointment_that_overlaps_it_and_only_the_asked_doctors() -> None:
    nine = datetime(2025, 3, 25, 9, tzinfo=UTC)
    long_before = booked(DOCTOR, nine - timedelta(hours=3), 200)  # runs into the range
    inside = booked(DOCTOR, nine + timedelta(minutes=30), 20)
    ends_at_start = booked(DOCTOR, nine - timedelta(minutes=20), 20)
    starts_at_end = booked(DOCTOR, nine + timedelta(hours=1), 20)
    other = booked(OTHER_DOCTOR, nine, 20)
    query = InMemoryCalendar(
        appointments=[inside, starts_at_end, other, long_before, ends_at_start], open_windows=[]
    )

    snapshot = load_range(query, doctor_ids=[DOCTOR], starts_at=nine, ends_at=nine + timedelta(hours=1))

    assert {item.id for item in snapshot.appointments} == {long_before.id, inside.id}


def test_appointment_times_must_be_aware_and_in_order() -> None:
    with pytest.raises(ValueError):
        booked(DOCTOR, datetime(2025, 3, 25, 9), 20)
    with pytest.raises(ValueError):
        booked(DOCTOR, datetime(2025, 3, 25, 9, tzinfo=UTC), 0)


def test_a_local_day_lasts_23_hours_when_the_clocks_go_forward() -> None:
    starts, ends = day_bounds(date(2025, 3, 30), ZoneInfo("Europe/Lisbon"))

    assert ends - starts == timedelta(hours=23)
    assert week_start(date(2025, 3, 30)) == date(2025, 3, 24)
