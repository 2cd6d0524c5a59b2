"""Who sees money: the desk (schedulers) takes and refunds it, the desk and admins read amounts, and
doctors, nurses and pharmacists get 403 on every amount, whether they ask the API or push a change."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from shared.roles import Role
from tests.conftest import Person
from tests.sync_server.payments.conftest import Clinic, pay, payment_body


@pytest.mark.parametrize("role", [Role.DOCTOR, Role.NURSE, Role.PHARMACIST])
def test_carers_and_pharmacists_get_403_on_every_amount(
    client: TestClient,
    scheduler: Person,
    sign_in: Callable[..., Person],
    clinic: Clinic,
    role: Role,
) -> None:
    appointment = clinic.appointment()
    payment = pay(client, scheduler, payment_body(appointment.id)).json()["entry"]
    person = sign_in(role)

    answers = {
        "ledger": client.get("/payments", headers=person.headers),
        "of the appointment": client.get(
            "/payments", params={"appointment_id": str(appointment.id)}, headers=person.headers
        ),
        "refunds due": client.get("/payments/refunds-due", headers=person.headers),
        "receipt": client.get(f"/payments/{payment['id']}/receipt.pdf", headers=person.headers),
        "cash report": client.get("/reports/cash", headers=person.headers),
        "cash report csv": client.get("/reports/cash", params={"format": "csv"}, headers=person.headers),
        "fees": client.get("/fees", headers=person.headers),
        "appointment fee": client.get(f"/appointments/{appointment.id}/fee", headers=person.headers),
        "record": pay(client, person, payment_body(clinic.appointment().id)),
        "refund": client.post(
            f"/payments/{payment['id']}/refunds",
            json={"refund_id": str(uuid.uuid4()), "reason": "Just because", "desk": "D"},
            headers=person.headers,
        ),
    }

    for what, answer in answers.items():
        assert answer.status_code == 403, (what, answer.text)
        assert answer.json()["error"]["code"] == "permission_denied"
        assert "150.00" not in answer.text


def test_admins_read_reports_but_do_not_take_money(client: TestClient, admin: Person, clinic: Clinic) -> None:
    assert client.get("/reports/cash", headers=admin.headers).status_code == 200
    assert pay(client, admin, payment_body(clinic.appointment().id)).status_code == 403
