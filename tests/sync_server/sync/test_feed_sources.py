"""What puts records on the feed: directory writes, appointment changes, notifications read elsewhere."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from shared.roles import Role
from sync_server.core.db import transaction
from sync_server.directory.feed import medication_entity_id
from sync_server.directory.models import Patient
from sync_server.sync.backfill import backfill
from tests.sync_server.sync.conftest import of


def test_directory_writes_reach_every_desktop_and_patients_only_the_nurses_of_their_ward(
    client, sign_in, desktop, ward
) -> None:
    admin = sign_in(Role.ADMIN)
    nurse, pharmacist = desktop(sign_in(Role.NURSE)), desktop(sign_in(Role.PHARMACIST))
    nurse.pull_all(), pharmacist.pull_all()

    other = client.post("/wards", json={"code": "W11", "name": "Ward 11"}, headers=admin.headers).json()
    client.patch(f"/wards/{other['id']}", json={"name": "Ward 11 - Renal"}, headers=admin.headers)
    mine = client.post(
        "/patients",
        json={
            "mrn": "MRN-5501",
            "full_name": "Ines Sousa",
            "birth_date": "1980-05-06",
            "ward_id": str(ward.id),
        },
        headers=admin.headers,
    ).json()
    client.post(
        "/patients",
        json={
            "mrn": "MRN-5502",
            "full_name": "Rita Lobo",
            "birth_date": "1981-05-06",
            "ward_id": other["id"],
        },
        headers=admin.headers,
    )

    nurses_view, pharmacy_view = nurse.pull_all(), pharmacist.pull_all()
    (ward_change,) = of(nurses_view, "ward")
    assert ward_change["data"]["name"] == "Ward 11 - Renal" and ward_change["version"] == 2
    assert [c["id"] for c in of(nurses_view, "patient")] == [mine["id"]]
    assert of(pharmacy_view, "ward") == [ward_change]
    assert of(pharmacy_view, "patient") == []


def test_a_doctors_schedule_is_one_record_with_rules_and_exceptions(client, sign_in, desktop, doctor) -> None:
    scheduler = sign_in(Role.SCHEDULER)
    nurse = desktop(sign_in(Role.NURSE))

    client.put(
        f"/doctors/{doctor.id}/availability/rules",
        json={"rules": [{"weekday": 1, "starts": "08:00", "ends": "12:00"}]},
        headers=scheduler.headers,
    )
    client.post(
        f"/doctors/{doctor.id}/availability/exceptions",
        json={"kind": "leave", "starts_at": "2032-01-05T00:00:00Z", "ends_at": "2032-01-09T00:00:00Z"},
        headers=scheduler.headers,
    )

    (schedule,) = of(nurse.pull_all(), "availability")
    assert schedule["id"] == str(doctor.id) and schedule["version"] == 2
    assert [rule["weekday"] for rule in schedule["data"]["rules"]] == [1]
    assert [leave["kind"] for leave in schedule["data"]["exceptions"]] == ["leave"]


def test_backfill_puts_records_written_before_sync_on_the_feed(
    sign_in, desktop, session_factory, formulary, ward, doctor
) -> None:
    with transaction(session_factory) as session:
        written = backfill(session)
    changes = desktop(sign_in(Role.DOCTOR)).pull_all()

    assert written >= 5  # the ward, the doctor and his schedule, two medications
    assert {c["entity"] for c in changes} >= {"ward", "doctor", "availability", "medication"}
    assert str(medication_entity_id("PARA500")) in {c["id"] for c in of(changes, "medication")}


def test_cancelling_an_appointment_offline_reaches_the_doctors_calendar(
    sign_in, desktop, open_all_week, session_factory
) -> None:
    with transaction(session_factory) as session:
        patient = Patient(mrn="MRN-8001", full_name="Rui Matos", birth_date=date(1950, 2, 3))
        session.add(patient)
    scheduler, doctor = desktop(sign_in(Role.SCHEDULER)), desktop(sign_in(Role.DOCTOR))
    appointment_id = uuid.uuid4()
    day = datetime.now(UTC).date() + timedelta(days=3)
    starts = datetime(day.year, day.month, day.day, 10, tzinfo=UTC).isoformat()
    booking = {"doctor_id": str(open_all_week.id), "patient_id": str(patient.id), "starts_at": starts}
    scheduler.push(scheduler.mutation("appointment.book", appointment_id, booking))
    assert of(doctor.pull_all(), "appointment")[0]["data"]["status"] == "confirmed"

    answer = scheduler.push(
        scheduler.mutation("appointment.cancel", appointment_id, {"reason": "patient called"}, base_version=2)
    ).json()

    assert answer["results"][0]["status"] == "applied"
    (cancelled,) = of(doctor.pull_all(), "appointment")
    assert (
        cancelled["data"]["status"] == "cancelled" and cancelled["data"]["cancel_reason"] == "patient called"
    )


def test_a_notification_read_on_one_desktop_is_read_on_the_others(
    sign_in, desktop, open_all_week, session_factory
) -> None:
    with transaction(session_factory) as session:
        patient = Patient(mrn="MRN-8002", full_name="Ana Lima", birth_date=date(1970, 1, 1))
        session.add(patient)
    person = sign_in(Role.SCHEDULER)
    office, ward_desk = desktop(person), desktop(person)
    day = datetime.now(UTC).date() + timedelta(days=3)
    starts = datetime(day.year, day.month, day.day, 15, tzinfo=UTC).isoformat()
    booking = {"doctor_id": str(open_all_week.id), "patient_id": str(patient.id), "starts_at": starts}
    office.push(office.mutation("appointment.book", uuid.uuid4(), booking))
    (notice,) = of(ward_desk.pull_all(), "notification")

    answer = office.push(office.mutation("notification.read", uuid.UUID(notice["id"]), {})).json()

    assert answer["results"][0]["status"] == "applied"
    (read,) = ward_desk.pull_all()
    assert read["data"]["read_at"] is not None and read["version"] == notice["version"] + 1
