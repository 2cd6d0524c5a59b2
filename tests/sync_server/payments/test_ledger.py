"""Recording and refunding at the desk: money is exact and never a float, a payment is recorded once
however often it is sent, refunds never exceed what was paid, a cancelled paid appointment is a refund
due, and the ledger cannot be rewritten."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from sync_server.audit.models import AuditEntry
from sync_server.core.outbox import OutboxMessage
from sync_server.payments.models import LedgerRow
from tests.conftest import Person
from tests.sync_server.payments.conftest import Clinic, pay, payment_body, refund


def _rows(factory: sessionmaker[Session]) -> list[LedgerRow]:
    with factory() as session:
        return list(session.scalars(select(LedgerRow).order_by(LedgerRow.receipt_number)))


def test_a_payment_is_recorded_with_its_amount_as_an_exact_decimal_string(
    client: TestClient, scheduler: Person, clinic: Clinic, session_factory: sessionmaker[Session]
) -> None:
    appointment = clinic.appointment()
    answer = pay(client, scheduler, payment_body(appointment.id, amount="150.5"))

    assert answer.status_code == 201, answer.text
    entry = answer.json()["entry"]
    assert entry["amount"] == "150.50" and isinstance(entry["amount"], str)
    assert (entry["entry_type"], entry["method"], entry["currency"]) == ("payment", "cash", "BRL")
    assert entry["patient_id"] == str(appointment.patient_id)
    assert entry["receipt_number"].startswith("R-")
    [row] = _rows(session_factory)
    assert str(row.amount) == "150.50"


@pytest.mark.parametrize(
    ("amount", "problem"),
    [
        (150.0, "never a float"),
        (0.1, "never a float"),
        ("0.001", "two decimal places"),
        ("-5.00", "greater than 0"),
        ("lots", "valid decimal"),
        ("NaN", "finite"),
    ],
)
def test_an_amount_that_is_not_exact_money_is_refused_with_a_clear_message(
    client: TestClient,
    scheduler: Person,
    clinic: Clinic,
    session_factory: sessionmaker[Session],
    amount: object,
    problem: str,
) -> None:
    answer = pay(client, scheduler, payment_body(clinic.appointment().id, amount=amount))

    assert answer.status_code == 422, answer.text
    body = answer.json()["error"]
    assert body["code"] == "invalid_request"
    assert body["message"].startswith("amount:") and problem in body["message"], body["message"]
    assert _rows(session_factory) == []


def test_the_same_payment_sent_twice_is_recorded_once_and_another_body_under_its_id_is_refused(
    client: TestClient, scheduler: Person, clinic: Clinic, session_factory: sessionmaker[Session]
) -> None:
    body = payment_body(clinic.appointment().id)
    first = pay(client, scheduler, body)
    again = pay(client, scheduler, {**body, "amount": "150"})  # the same money, written otherwise
    changed = pay(client, scheduler, {**body, "amount": "120.00"})

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["replayed"] is True
    for key, value in first.json()["entry"].items():
        assert again.json()["entry"][key] == value, key
    assert changed.status_code == 409
    assert changed.json()["error"]["code"] == "idempotency_key_reused"
    assert len(_rows(session_factory)) == 1
    with session_factory() as session:
        events = session.scalars(select(OutboxMessage).where(OutboxMessage.event_type == "payment.recorded"))
        assert len(list(events)) == 1


def test_an_appointment_is_paid_once_until_its_payment_is_wholly_refunded(
    client: TestClient, scheduler: Person, clinic: Clinic
) -> None:
    appointment = clinic.appointment()
    first = pay(client, scheduler, payment_body(appointment.id)).json()["entry"]
    second = pay(client, scheduler, payment_body(appointment.id, method="card"))
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "already_paid"
    assert second.json()["error"]["details"]["payment_id"] == first["id"]

    assert refund(client, scheduler, first["id"], "50.00").status_code == 201
    assert pay(client, scheduler, payment_body(appointment.id)).status_code == 409  # 100.00 still stands
    assert refund(client, scheduler, first["id"]).status_code == 201  # the rest
    assert pay(client, scheduler, payment_body(appointment.id, amount="120.00")).status_code == 201


def test_refunds_add_up_to_what_was_paid_and_never_more(
    client: TestClient, scheduler: Person, clinic: Clinic, session_factory: sessionmaker[Session]
) -> None:
    payment = pay(client, scheduler, payment_body(clinic.appointment().id, amount="0.30")).json()["entry"]
    for _ in range(3):
        answer = refund(client, scheduler, payment["id"], "0.10")
        assert answer.status_code == 201, answer.text
    too_much = refund(client, scheduler, payment["id"], "0.01")

    assert too_much.status_code == 409
    assert too_much.json()["error"]["code"] == "refund_exceeds_payment"
    [paid] = client.get(
        "/payments", params={"appointment_id": payment["appointment_id"]}, headers=scheduler.headers
    ).json()[:1]
    assert paid["refunded"] == "0.30"
    refunds = [row.amount for row in _rows(session_factory) if row.entry_type == "refund"]
    assert refunds == [Decimal("0.10")] * 3


def test_a_partial_refund_then_one_for_more_than_is_left_is_refused_with_what_is_left(
    client: TestClient, scheduler: Person, clinic: Clinic
) -> None:
    payment = pay(client, scheduler, payment_body(clinic.appointment().id)).json()["entry"]
    assert refund(client, scheduler, payment["id"], "100.00").status_code == 201
    refused = refund(client, scheduler, payment["id"], "50.01")

    assert refused.status_code == 409
    assert refused.json()["error"]["details"]["left"] == "50.00"
    rest = refund(client, scheduler, payment["id"])
    assert rest.json()["entry"]["amount"] == "50.00"
    assert rest.json()["entry"]["method"] == "cash"  # money goes back the way it came


def test_a_refund_replayed_answers_the_refund_and_a_refund_of_nothing_is_404(
    client: TestClient, scheduler: Person, clinic: Clinic
) -> None:
    payment = pay(client, scheduler, payment_body(clinic.appointment().id)).json()["entry"]
    refund_id = str(uuid.uuid4())
    first = refund(client, scheduler, payment["id"], "10.00", refund_id=refund_id)
    again = refund(client, scheduler, payment["id"], "10.00", refund_id=refund_id)
    other = refund(client, scheduler, payment["id"], "20.00", refund_id=refund_id)

    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
    assert again.json()["entry"] == first.json()["entry"]
    assert refund(client, scheduler, str(uuid.uuid4())).status_code == 404


def test_only_an_existing_appointment_that_was_not_refused_or_cancelled_can_be_paid(
    client: TestClient, scheduler: Person, clinic: Clinic, session_factory: sessionmaker[Session]
) -> None:
    missing = pay(client, scheduler, payment_body(uuid.uuid4()))
    refused = pay(client, scheduler, payment_body(clinic.appointment(status="rejected").id))
    cancelled = pay(client, scheduler, payment_body(clinic.appointment(status="cancelled").id))

    assert missing.status_code == 404
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "appointment_not_payable")
    assert (cancelled.status_code, cancelled.json()["error"]["code"]) == (409, "appointment_not_payable")
    assert _rows(session_factory) == []
    with session_factory() as session:  # a refused payment leaves no event and no audit entry behind
        assert (
            session.scalar(select(OutboxMessage.id).where(OutboxMessage.aggregate_type == "payment")) is None
        )
        assert session.scalar(select(AuditEntry.id).where(AuditEntry.action == "payment.record")) is None


def test_a_health_plan_payment_needs_the_plans_authorisation_number(
    client: TestClient, scheduler: Person, clinic: Clinic
) -> None:
    appointment = clinic.appointment()
    without = pay(client, scheduler, payment_body(appointment.id, method="health_plan"))
    with_number = pay(
        client, scheduler, payment_body(appointment.id, method="health_plan", authorisation_number="AUT-7781")
    )

    assert without.status_code == 422
    assert "authorisation number" in without.json()["error"]["message"]
    assert with_number.json()["entry"]["authorisation_number"] == "AUT-7781"


def test_a_cancelled_paid_appointment_is_a_refund_due_until_the_desk_refunds_it(
    client: TestClient, scheduler: Person, clinic: Clinic
) -> None:
    appointment = clinic.appointment()
    payment = pay(client, scheduler, payment_body(appointment.id)).json()["entry"]
    assert client.get("/payments/refunds-due", headers=scheduler.headers).json() == []

    clinic.set_status(appointment.id, "cancelled")
    [due] = client.get("/payments/refunds-due", headers=scheduler.headers).json()
    assert (due["id"], due["refund_due"]) == (payment["id"], True)
    [listed] = client.get("/payments", headers=scheduler.headers).json()
    assert listed["refund_due"] is True

    assert refund(client, scheduler, payment["id"]).status_code == 201
    assert client.get("/payments/refunds-due", headers=scheduler.headers).json() == []


def test_a_payment_and_a_refund_each_write_their_event_for_the_history_in_the_same_transaction(
    client: TestClient, scheduler: Person, clinic: Clinic, session_factory: sessionmaker[Session]
) -> None:
    appointment = clinic.appointment()
    payment = pay(client, scheduler, payment_body(appointment.id, amount="80.00")).json()["entry"]
    given_back = refund(client, scheduler, payment["id"], "30.00", reason="Charged the wrong fee").json()

    with session_factory() as session:
        recorded, refunded = session.scalars(
            select(OutboxMessage).where(OutboxMessage.aggregate_type == "payment").order_by(OutboxMessage.id)
        )
    assert recorded.event_type == "payment.recorded"
    assert recorded.aggregate_id == payment["id"]
    assert recorded.payload == {
        "payment_id": payment["id"],
        "appointment_id": str(appointment.id),
        "patient_id": str(appointment.patient_id),
        "doctor_id": str(appointment.doctor_id),
        "amount": "80.00",
        "currency": "BRL",
        "method": "cash",
        "desk": "Front desk 1",
        "recorded_by": str(scheduler.user.id),
        "recorded_at": payment["recorded_at"].replace("Z", "+00:00"),
        "receipt_number": payment["receipt_number"],
    }
    assert refunded.event_type == "payment.refunded"
    assert refunded.payload["refund_id"] == given_back["entry"]["id"]
    assert refunded.payload["payment_id"] == payment["id"]
    assert (refunded.payload["amount"], refunded.payload["reason"]) == ("30.00", "Charged the wrong fee")


def test_every_payment_refund_and_receipt_print_is_audited(
    client: TestClient, scheduler: Person, clinic: Clinic, session_factory: sessionmaker[Session]
) -> None:
    payment = pay(client, scheduler, payment_body(clinic.appointment().id)).json()["entry"]
    refund(client, scheduler, payment["id"], "15.00")
    client.get(f"/payments/{payment['id']}/receipt.pdf", headers=scheduler.headers)

    with session_factory() as session:
        entries = list(
            session.scalars(select(AuditEntry).where(AuditEntry.entity == "payment").order_by(AuditEntry.id))
        )
    assert [e.action for e in entries] == ["payment.record", "payment.refund", "payment.receipt_print"]
    assert all(e.user_id == scheduler.user.id for e in entries)
    assert entries[0].details["amount"] == "150.00"
    assert entries[1].details == {
        **entries[1].details,
        "amount": "15.00",
        "payment_id": payment["id"],
        "reason": "Appointment cancelled",
    }
    assert entries[2].entity_id == payment["id"]


def test_the_ledger_refuses_to_be_rewritten_or_deleted(
    client: TestClient, scheduler: Person, clinic: Clinic, session_factory: sessionmaker[Session]
) -> None:
    pay(client, scheduler, payment_body(clinic.appointment().id))

    for statement in ("UPDATE payment_ledger SET amount = 1", "DELETE FROM payment_ledger"):
        with session_factory() as session, pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement))
    assert str(_rows(session_factory)[0].amount) == "150.00"


def test_a_payment_follows_its_appointment_when_it_is_rescheduled(
    client: TestClient, scheduler: Person, clinic: Clinic
) -> None:
    first_time = clinic.appointment()
    payment = pay(client, scheduler, payment_body(first_time.id)).json()["entry"]
    moved = clinic.reschedule(first_time)

    assert client.get("/payments/refunds-due", headers=scheduler.headers).json() == []  # moved, not cancelled
    again = pay(client, scheduler, payment_body(moved.id))
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_paid")
    listed = client.get("/payments", params={"appointment_id": str(moved.id)}, headers=scheduler.headers)
    assert [e["id"] for e in listed.json()] == [payment["id"]]

    clinic.set_status(moved.id, "cancelled")  # the new time is cancelled: now the money is owed back
    [due] = client.get("/payments/refunds-due", headers=scheduler.headers).json()
    assert due["id"] == payment["id"]


def test_a_refund_amount_sent_as_a_float_is_refused_with_a_clear_message(
    client: TestClient, scheduler: Person, clinic: Clinic
) -> None:
    payment = pay(client, scheduler, payment_body(clinic.appointment().id)).json()["entry"]
    answer = client.post(
        f"/payments/{payment['id']}/refunds",
        json={"refund_id": str(uuid.uuid4()), "amount": 10.5, "reason": "Overcharged", "desk": "D1"},
        headers=scheduler.headers,
    )

    assert answer.status_code == 422
    assert "never a float" in answer.json()["error"]["message"]
