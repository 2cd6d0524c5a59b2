"""Consultation fees: an admin sets a doctor's fee for any appointment and per appointment type; the desk
reads what an appointment costs; the demo hospital has fees for its doctors."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sync_server.audit.models import AuditEntry
from sync_server.demo import data
from sync_server.demo.builder import load_demo_hospital
from sync_server.directory.models import Doctor
from sync_server.payments.models import ConsultationFee
from sync_server.payments.repository import fee_for
from tests.conftest import Person
from tests.sync_server.payments.conftest import Clinic


def test_an_admin_sets_fees_and_the_desk_reads_an_appointments_fee_by_type_or_the_doctors_default(
    client: TestClient,
    admin: Person,
    scheduler: Person,
    clinic: Clinic,
    doctor: Doctor,
    session_factory: sessionmaker[Session],
) -> None:
    appointment = clinic.appointment()
    url = f"/appointments/{appointment.id}/fee"
    assert client.get(url, headers=scheduler.headers).status_code == 404  # no fee set yet

    default = {"doctor_id": str(doctor.id), "amount": "200.00"}
    follow_up = {"doctor_id": str(doctor.id), "appointment_type": "follow_up", "amount": "120.5"}
    assert client.put("/fees", json=default, headers=admin.headers).json()["amount"] == "200.00"
    assert client.put("/fees", json=follow_up, headers=admin.headers).json()["amount"] == "120.50"
    changed = client.put("/fees", json={**default, "amount": "210.00"}, headers=admin.headers)

    assert changed.status_code == 200
    assert client.get(url, headers=scheduler.headers).json()["amount"] == "210.00"
    by_type = client.get(url, params={"appointment_type": "follow_up"}, headers=scheduler.headers).json()
    assert (by_type["amount"], by_type["appointment_type"]) == ("120.50", "follow_up")
    other_type = client.get(url, params={"appointment_type": "procedure"}, headers=scheduler.headers).json()
    assert other_type["amount"] == "210.00"  # no fee for that type: the doctor's fee for any
    assert len(client.get("/fees", headers=scheduler.headers).json()) == 2
    with session_factory() as session:
        audited = session.scalars(select(AuditEntry).where(AuditEntry.action == "fee.set")).all()
    assert [e.details["before"] for e in audited] == [None, None, "200.00"]


def test_a_fee_must_be_positive_exact_money_in_the_hospitals_currency(
    client: TestClient, admin: Person, doctor: Doctor
) -> None:
    for amount in (180.0, "0", "12.345"):
        answer = client.put(
            "/fees", json={"doctor_id": str(doctor.id), "amount": amount}, headers=admin.headers
        )
        assert answer.status_code == 422, amount
    euros = client.put(
        "/fees",
        json={"doctor_id": str(doctor.id), "amount": "50.00", "currency": "EUR"},
        headers=admin.headers,
    )
    assert euros.status_code == 422 and "BRL" in euros.json()["error"]["message"]


def test_the_desk_cannot_set_fees(client: TestClient, scheduler: Person, doctor: Doctor) -> None:
    answer = client.put(
        "/fees", json={"doctor_id": str(doctor.id), "amount": "1.00"}, headers=scheduler.headers
    )
    assert answer.status_code == 403


def test_the_demo_hospital_has_a_fee_for_each_doctor_and_a_follow_up_fee(
    session_factory: sessionmaker[Session],
) -> None:
    load_demo_hospital(session_factory, today=date(2031, 3, 5))

    with session_factory() as session:
        assert len(session.scalars(select(ConsultationFee)).all()) == 2 * len(data.DOCTORS)
        cardiologist = session.scalars(select(Doctor).where(Doctor.license_number == "OM-48211")).one()
        any_type = fee_for(session, doctor_id=cardiologist.id, appointment_type=None)
        follow_up = fee_for(session, doctor_id=cardiologist.id, appointment_type=data.FOLLOW_UP)
    assert any_type is not None and str(any_type.amount) == "250.00"
    assert follow_up is not None and str(follow_up.amount) == "180.00"
