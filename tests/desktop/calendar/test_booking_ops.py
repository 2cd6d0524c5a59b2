"""The booking use cases over a real cache: what a scheduler or a doctor can do, and what they see."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar

from desktop.ops.booking import BookingDesk, BookingRefused, CalendarRights
from desktop.ops.calendar_query import StoreCalendarQuery as Query
from desktop.ops.export import calendar_ics, day_list, export_ics
from desktop.ops.patient_search import PatientIndex, PatientMatch
from shared.booking import AppointmentStatus
from shared.protocol import Entity, MutationName
from shared.roles import Role
from tests.desktop.calendar.conftest import (
    ANA,
    CARDIOLOGIST,
    GONCALO,
    LISBON,
    MARIA,
    NEUROLOGIST,
    Workstation,
    answer_push,
    change,
    pulled,
    server_appointment,
    tomorrow_at,
)


def desk_of(station: Workstation, *, now: datetime | None = None) -> BookingDesk:
    rights = CalendarRights(station.user.role, station.user.doctor_id)
    if now is None:
        return BookingDesk(Query(station.store), rights)
    return BookingDesk(Query(station.store), rights, now=lambda: now)


def test_the_type_ahead_finds_patients_by_any_name_prefix_or_mrn_ignoring_accents_and_case(
    workstation: Callable[..., Workstation],
) -> None:
    index = Query(workstation().store).patients()

    assert [p.full_name for p in index.search("ma")] == ["Maria Fernandes", "Mariana Teixeira"]
    assert [p.full_name for p in index.search("goncalo")] == ["Gonçalo Nunes"]
    assert [p.full_name for p in index.search("SIL an")] == ["Ana Rita Silva"]
    assert [p.full_name for p in index.search("MRN-004")] == ["Gonçalo Nunes", "Maria Fernandes"]
    assert [p.full_name for p in index.search("0107")] == ["Ana Rita Silva"]
    assert index.search("zzz") == [] and index.search("  ") == []


def test_the_type_ahead_over_fifty_thousand_patients_offers_at_most_twenty_and_never_for_one_letter() -> None:
    """How fast is for the benchmarks; here: what each keystroke offers."""
    first = ("Maria", "João", "Ana", "Pedro", "Inês", "Tiago", "Sofia", "Rui", "Helena", "Duarte")
    last = ("Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Martins")
    patients = [
        PatientMatch(uuid.UUID(int=n), f"{first[n % 10]} {last[n % 8]} {n}", f"MRN-{n:06d}")
        for n in range(50_000)
    ]
    index = PatientIndex(patients)

    for typed in ("ma", "mar", "mari", "maria", "maria s", "maria si", "mrn-0123"):
        assert 0 < len(index.search(typed)) <= 20
    found = index.search("olive")
    assert len(found) == 20 and all("Oliveira" in p.full_name for p in found)
    assert [p.mrn for p in index.search("mrn-012345")] == ["MRN-012345"]
    assert index.search("m") == []  # one letter would list a tenth of the hospital


def test_open_windows_are_the_cached_weekly_hours_in_the_doctors_zone_across_the_spring_change(
    workstation: Callable[..., Workstation],
) -> None:
    query = Query(workstation().store)
    # Lisbon springs forward on Sunday 30 March 2025: 08:00 local is 08:00 UTC before, 07:00 UTC after.
    saturday = datetime(2025, 3, 29, tzinfo=UTC)
    windows = query.open_windows(
        doctor_ids=[CARDIOLOGIST], starts_at=saturday, ends_at=saturday + timedelta(days=2)
    )

    assert [(w.starts_at.hour, w.ends_at.hour) for w in windows] == [(8, 18), (7, 17)]
    assert all(w.starts_at.astimezone(LISBON).hour == 8 for w in windows)


def test_a_booking_shows_at_once_as_requested_and_pending_for_the_scheduler(
    workstation: Callable[..., Workstation],
) -> None:
    station = workstation(Role.SCHEDULER)
    desk = desk_of(station)
    starts = tomorrow_at(10)

    appointment_id = desk.book(
        doctor_id=CARDIOLOGIST, patient_id=GONCALO, starts_at=starts, duration_minutes=30, reason="ECG"
    )

    (item,) = desk.query.appointments(
        doctor_ids=[CARDIOLOGIST], starts_at=starts - timedelta(hours=1), ends_at=starts + timedelta(hours=1)
    )
    assert item.id == appointment_id and item.patient_name == "Gonçalo Nunes"
    assert item.status is AppointmentStatus.REQUESTED and item.pending
    assert item.ends_at - item.starts_at == timedelta(minutes=30)
    details = desk.details(appointment_id)
    assert details.waiting_for_server and details.reason == "ECG"
    assert [e.name for e in station.store.outbox_entries()] == [MutationName.APPOINTMENT_BOOK]


def test_a_doctor_reads_their_own_calendar_may_cancel_in_it_and_cannot_touch_another_doctors(
    workstation: Callable[..., Workstation],
) -> None:
    station = workstation(Role.DOCTOR, doctor_id=CARDIOLOGIST)
    own, other = uuid.uuid4(), uuid.uuid4()
    pulled(
        station.store,
        [
            server_appointment(own, doctor_id=CARDIOLOGIST, starts_at=tomorrow_at(9)),
            server_appointment(other, doctor_id=NEUROLOGIST, starts_at=tomorrow_at(9)),
        ],
    )
    desk = desk_of(station)

    with pytest.raises(BookingRefused) as booking:
        desk.book(doctor_id=NEUROLOGIST, patient_id=MARIA, starts_at=tomorrow_at(11), duration_minutes=20)
    with pytest.raises(BookingRefused) as cancelling:
        desk.cancel(appointment_id=other, reason="not my patient")
    with pytest.raises(BookingRefused) as moving:
        desk.reschedule(appointment_id=other, starts_at=tomorrow_at(12))

    assert booking.value.code == cancelling.value.code == moving.value.code == "not_allowed"
    assert not desk.details(other).can_cancel and not desk.details(other).can_reschedule
    assert desk.details(own).can_cancel and not desk.details(own).can_reschedule
    desk.cancel(appointment_id=own, reason="Doctor at a congress")
    assert station.store.record(Entity.APPOINTMENT, own).data["status"] == "cancelled"  # type: ignore[union-attr]
    assert [e.entity_id for e in station.store.outbox_entries()] == [own]


def test_cancelling_needs_a_reason_and_a_confirmed_appointment(
    workstation: Callable[..., Workstation],
) -> None:
    station = workstation(Role.SCHEDULER)
    confirmed = uuid.uuid4()
    pulled(station.store, [server_appointment(confirmed, starts_at=tomorrow_at(9))])
    desk = desk_of(station)
    requested = desk.book(
        doctor_id=CARDIOLOGIST, patient_id=ANA, starts_at=tomorrow_at(11), duration_minutes=20
    )

    with pytest.raises(BookingRefused) as no_reason:
        desk.cancel(appointment_id=confirmed, reason=" ok ")
    with pytest.raises(BookingRefused) as unanswered:
        desk.cancel(appointment_id=requested, reason="Patient called")

    assert no_reason.value.code == "reason_too_short" and unanswered.value.code == "not_confirmed"
    assert station.store.record(Entity.APPOINTMENT, confirmed).data["status"] == "confirmed"  # type: ignore[union-attr]


def test_rescheduling_shows_the_old_appointment_cancelled_and_the_new_time_requested(
    workstation: Callable[..., Workstation],
) -> None:
    station = workstation(Role.SCHEDULER)
    old = uuid.uuid4()
    pulled(station.store, [server_appointment(old, starts_at=tomorrow_at(9), minutes=20)])
    desk = desk_of(station)

    new = desk.reschedule(appointment_id=old, starts_at=tomorrow_at(15))

    items = {
        item.id: item
        for item in desk.query.appointments(
            doctor_ids=[CARDIOLOGIST], starts_at=tomorrow_at(0), ends_at=tomorrow_at(23)
        )
    }
    assert items[old].status is AppointmentStatus.CANCELLED
    assert items[new].status is AppointmentStatus.REQUESTED and items[new].starts_at == tomorrow_at(15)
    assert items[new].ends_at - items[new].starts_at == timedelta(minutes=20)
    assert items[new].patient_name == "Maria Fernandes"


def test_a_refused_booking_explains_why_and_one_of_the_offered_slots_can_be_booked_instead(
    workstation: Callable[..., Workstation],
) -> None:
    station = workstation(Role.SCHEDULER)
    desk = desk_of(station)
    starts = tomorrow_at(10)
    refused = desk.book(
        doctor_id=CARDIOLOGIST, patient_id=GONCALO, starts_at=starts, duration_minutes=20, reason="ECG"
    )
    last = answer_push(station.store)  # the saga started
    offered = [tomorrow_at(10, 20), tomorrow_at(10, 40)]
    pulled(
        station.store,
        [
            server_appointment(
                refused,
                patient_id=GONCALO,
                starts_at=starts,
                status="rejected",
                reason="ECG",
                rejection_code="slot_taken",
                rejection_message="the doctor already has an appointment at that time",
                alternatives=[
                    {"starts_at": s.isoformat(), "ends_at": (s + timedelta(minutes=20)).isoformat()}
                    for s in offered
                ],
            )
        ],
        last_mutation_id=last,
    )

    details = desk.details(refused)
    assert details.status is AppointmentStatus.REJECTED and not details.pending
    assert details.rejection_code == "slot_taken"
    assert [slot.starts_at for slot in details.alternatives] == offered
    assert details.can_book_alternative

    instead = desk.book_instead(appointment_id=refused, starts_at=offered[1])
    new = desk.details(instead)
    assert new.status is AppointmentStatus.REQUESTED and new.starts_at == offered[1]
    assert new.patient is not None and new.patient.id == GONCALO and new.reason == "ECG"
    assert new.duration_minutes == 20


def test_the_icalendar_export_parses_back_with_each_appointment_and_its_status(
    workstation: Callable[..., Workstation], tmp_path
) -> None:  # type: ignore[no-untyped-def]
    station = workstation(Role.SCHEDULER)
    confirmed, cancelled, refused = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    pulled(
        station.store,
        [
            server_appointment(confirmed, patient_id=ANA, starts_at=tomorrow_at(9), reason="Echo"),
            server_appointment(cancelled, starts_at=tomorrow_at(10), status="cancelled"),
            server_appointment(refused, starts_at=tomorrow_at(11), status="rejected"),
        ],
    )
    query = Query(station.store)
    (doctor,) = [d.column for d in query.doctors() if d.id == CARDIOLOGIST]
    path = tmp_path / "costa.ics"

    written = export_ics(
        query, doctor=doctor, starts_at=tomorrow_at(0), ends_at=tomorrow_at(0) + timedelta(days=2), path=path
    )

    calendar = Calendar.from_ical(path.read_bytes())
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    assert written == 2 and set(events) == {f"{confirmed}@warddesk", f"{cancelled}@warddesk"}
    echo = events[f"{confirmed}@warddesk"]
    assert str(echo["summary"]) == "Ana Rita Silva" and str(echo["description"]) == "Echo"
    assert echo.decoded("dtstart") == tomorrow_at(9) and str(echo["status"]) == "CONFIRMED"
    assert str(events[f"{cancelled}@warddesk"]["status"]) == "CANCELLED"
    assert str(calendar["x-wr-timezone"]) == "Europe/Lisbon"
    assert calendar_ics(doctor, []).startswith(b"BEGIN:VCALENDAR")


def test_the_day_list_holds_the_days_appointments_in_local_time_without_refused_requests(
    workstation: Callable[..., Workstation],
) -> None:
    station = workstation(Role.SCHEDULER)
    pulled(
        station.store,
        [
            server_appointment(uuid.uuid4(), starts_at=tomorrow_at(14)),
            server_appointment(uuid.uuid4(), patient_id=ANA, starts_at=tomorrow_at(9)),
            server_appointment(uuid.uuid4(), starts_at=tomorrow_at(11), status="rejected"),
            server_appointment(uuid.uuid4(), starts_at=tomorrow_at(9) + timedelta(days=1)),
        ],
    )
    query = Query(station.store)
    (doctor,) = [d.column for d in query.doctors() if d.id == CARDIOLOGIST]
    day: date = tomorrow_at(9).astimezone(LISBON).date()

    listed = day_list(query, doctor=doctor, day=day)

    assert [(row.starts.hour, row.patient_name) for row in listed.rows] == [
        (9, "Ana Rita Silva"),
        (14, "Maria Fernandes"),
    ]
    assert listed.rows[0].starts.tzinfo is not None and listed.rows[0].starts.utcoffset() is not None


def test_a_new_patient_arriving_by_sync_is_found_after_the_index_is_refreshed(
    workstation: Callable[..., Workstation],
) -> None:
    station = workstation()
    query = Query(station.store)
    assert query.patients().search("Zé") == []
    newcomer = uuid.uuid4()
    pulled(station.store, [change(Entity.PATIENT, newcomer, {"full_name": "José Zé Brito", "mrn": "MRN-9"})])

    query.forget()

    assert [p.id for p in query.patients().search("ze")] == [newcomer]


def test_who_came_is_recorded_once_the_appointment_has_begun_and_shows_at_once(
    workstation: Callable[..., Workstation],
) -> None:
    station = workstation(Role.SCHEDULER)
    began, later = uuid.uuid4(), uuid.uuid4()
    now = tomorrow_at(10)  # the desk's clock
    pulled(
        station.store,
        [
            server_appointment(began, starts_at=now - timedelta(minutes=10)),
            server_appointment(later, starts_at=now + timedelta(hours=1), patient_id=ANA),
        ],
    )
    desk = desk_of(station, now=now)
    assert desk.details(began).can_record_attendance
    assert not desk.details(later).can_record_attendance

    with pytest.raises(BookingRefused) as too_early:
        desk.record_attendance(appointment_id=later, came=True)
    desk.record_attendance(appointment_id=began, came=False)

    assert too_early.value.code == "not_begun"
    assert station.store.record(Entity.APPOINTMENT, began).data["status"] == "no_show"  # type: ignore[union-attr]
    [queued] = station.store.mutations_to_push()
    assert (queued.name, queued.payload) == (MutationName.APPOINTMENT_ATTENDANCE, {"status": "no_show"})
    assert not desk.details(began).can_record_attendance  # once is enough; an undo is the scheduler's


def test_a_doctor_records_attendance_only_in_their_own_calendar(
    workstation: Callable[..., Workstation],
) -> None:
    station = workstation(Role.DOCTOR, doctor_id=CARDIOLOGIST)
    own, other = uuid.uuid4(), uuid.uuid4()
    now = tomorrow_at(10)  # the desk's clock
    pulled(
        station.store,
        [
            server_appointment(own, starts_at=now - timedelta(minutes=5)),
            server_appointment(
                other, doctor_id=NEUROLOGIST, starts_at=now - timedelta(minutes=5), patient_id=ANA
            ),
        ],
    )
    desk = desk_of(station, now=now)

    desk.record_attendance(appointment_id=own, came=True)
    with pytest.raises(BookingRefused) as refused:
        desk.record_attendance(appointment_id=other, came=True)

    assert refused.value.code == "not_allowed"
    assert station.store.record(Entity.APPOINTMENT, own).data["status"] == "completed"  # type: ignore[union-attr]
