"""Payments queued on a desk's desktop (offline too) and applied by the sync push: pushed twice, recorded
once; and the ledger on the change feed, to the desk only."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from shared.events import EventEnvelope
from shared.roles import Role
from sync_server.messaging.consumers import Delivery, deliver
from sync_server.payments.consumer import RefundDueNotice
from sync_server.payments.models import LedgerRow
from tests.conftest import Person
from tests.sync_server.payments.conftest import Clinic
from tests.sync_server.sync.conftest import Desktop, desktop  # noqa: F401


def _payment(appointment_id: uuid.UUID, amount: Any = "150.00") -> dict[str, Any]:
    return {"appointment_id": str(appointment_id), "amount": amount, "method": "card", "desk": "Desk 3"}


def _count(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(LedgerRow)) or 0)


def test_a_payment_pushed_twice_is_recorded_once(
    scheduler: Person,
    clinic: Clinic,
    session_factory: sessionmaker[Session],
    desktop: Callable[[Person], Desktop],  # noqa: F811
) -> None:
    workstation = desktop(scheduler)
    payment_id = uuid.uuid4()
    body = _payment(clinic.appointment().id)
    first = workstation.push(workstation.mutation("payment.record", payment_id, body))
    # The desktop lost the answer and queued the payment again under a new number.
    second = workstation.push(workstation.mutation("payment.record", payment_id, body))

    for answer in (first, second):
        [result] = answer.json()["results"]
        assert (result["status"], result["entity_id"], result["new_version"]) == (
            "applied",
            str(payment_id),
            1,
        )
    assert _count(session_factory) == 1


def test_a_payment_pushed_and_posted_is_recorded_once_and_another_body_under_its_id_is_rejected(
    client,  # type: ignore[no-untyped-def]
    scheduler: Person,
    clinic: Clinic,
    session_factory: sessionmaker[Session],
    desktop: Callable[[Person], Desktop],  # noqa: F811
) -> None:
    workstation = desktop(scheduler)
    payment_id = uuid.uuid4()
    body = _payment(clinic.appointment().id)
    workstation.push(workstation.mutation("payment.record", payment_id, body))
    posted = client.post("/payments", json={**body, "payment_id": str(payment_id)}, headers=scheduler.headers)
    changed = workstation.push(
        workstation.mutation("payment.record", payment_id, {**body, "amount": "99.00"})
    )

    assert posted.status_code == 200 and posted.json()["replayed"] is True
    [result] = changed.json()["results"]
    assert (result["status"], result["code"]) == ("rejected", "idempotency_key_reused")
    assert _count(session_factory) == 1


def test_a_pushed_float_amount_is_rejected_with_the_reason_and_the_queue_moves_on(
    scheduler: Person,
    clinic: Clinic,
    session_factory: sessionmaker[Session],
    desktop: Callable[[Person], Desktop],  # noqa: F811
) -> None:
    workstation = desktop(scheduler)
    appointment_id = clinic.appointment().id
    answer = workstation.push(
        workstation.mutation("payment.record", uuid.uuid4(), _payment(appointment_id, amount=150.0)),
        workstation.mutation("payment.record", uuid.uuid4(), _payment(appointment_id)),
    )

    refused, applied = answer.json()["results"]
    assert (refused["status"], refused["code"]) == ("rejected", "invalid_request")
    assert "never a float" in refused["reason"]
    assert applied["status"] == "applied"
    assert _count(session_factory) == 1


def test_a_refund_is_pushed_and_a_doctor_cannot_push_a_payment(
    scheduler: Person,
    sign_in: Callable[..., Person],
    clinic: Clinic,
    desktop: Callable[[Person], Desktop],  # noqa: F811
) -> None:
    workstation = desktop(scheduler)
    payment_id = uuid.uuid4()
    workstation.push(workstation.mutation("payment.record", payment_id, _payment(clinic.appointment().id)))
    refund = {"payment_id": str(payment_id), "amount": "20.00", "reason": "Overcharged", "desk": "Desk 3"}
    refund_id = uuid.uuid4()
    pushed = workstation.push(
        workstation.mutation("payment.refund", refund_id, refund),
        workstation.mutation("payment.refund", refund_id, refund),  # twice: one refund
    )
    assert [r["status"] for r in pushed.json()["results"]] == ["applied", "applied"]

    doctors = desktop(sign_in(Role.DOCTOR))
    refused = doctors.push(
        doctors.mutation("payment.record", uuid.uuid4(), _payment(clinic.appointment().id))
    )
    [result] = refused.json()["results"]
    assert (result["status"], result["code"]) == ("rejected", "permission_denied")

    [payment] = [c for c in workstation.pull_all() if c["entity"] == "payment" and c["id"] == str(payment_id)]
    assert payment["data"]["refunded"] == "20.00"
    assert payment["version"] == 2


def test_the_ledger_reaches_the_desks_desktops_and_no_one_elses(
    client,  # type: ignore[no-untyped-def]
    scheduler: Person,
    admin: Person,
    sign_in: Callable[..., Person],
    clinic: Clinic,
    desktop: Callable[[Person], Desktop],  # noqa: F811
) -> None:
    appointment = clinic.appointment()
    body = {**_payment(appointment.id), "payment_id": str(uuid.uuid4())}
    assert client.post("/payments", json=body, headers=scheduler.headers).status_code == 201

    def payments_seen_by(person: Person) -> list[dict[str, Any]]:
        return [c for c in desktop(person).pull_all() if c["entity"] == "payment"]

    [record] = payments_seen_by(scheduler)
    assert record["data"]["amount"] == "150.00"
    assert record["data"]["patient_id"] == str(appointment.patient_id)
    assert len(payments_seen_by(admin)) == 1
    for role in (Role.DOCTOR, Role.NURSE, Role.PHARMACIST):
        assert payments_seen_by(sign_in(role)) == [], role


def test_when_a_paid_appointment_is_cancelled_the_desks_desktops_learn_a_refund_is_due(
    client,  # type: ignore[no-untyped-def]
    scheduler: Person,
    clinic: Clinic,
    session_factory: sessionmaker[Session],
    desktop: Callable[[Person], Desktop],  # noqa: F811
) -> None:
    appointment = clinic.appointment()
    body = {**_payment(appointment.id), "payment_id": str(uuid.uuid4())}
    client.post("/payments", json=body, headers=scheduler.headers)
    workstation = desktop(scheduler)
    [before] = [c for c in workstation.pull_all() if c["entity"] == "payment"]
    assert before["data"]["refund_due"] is False

    clinic.set_status(appointment.id, "cancelled")
    cancelled = EventEnvelope(
        message_id=uuid.uuid4(),
        type="appointment.cancelled",
        occurred_at=datetime.now(UTC),
        aggregate_type="appointment",
        aggregate_id=str(appointment.id),
        sequence=1,
        payload={},
    )
    assert deliver(session_factory, RefundDueNotice(), cancelled) is Delivery.HANDLED
    assert deliver(session_factory, RefundDueNotice(), cancelled) is Delivery.DUPLICATE

    [after] = [c for c in workstation.pull_all() if c["entity"] == "payment"]
    assert after["data"]["refund_due"] is True
    assert after["version"] >= before["version"]
