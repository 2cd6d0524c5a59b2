"""The day's cash report per desk, in the hospital's day (São Paulo here, not UTC), on screen (JSON), as
CSV and as PDF; and the receipts a patient takes, read back from the PDF."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.sync_server.payments.conftest import (
    TODAY,
    Clinic,
    FixedClock,
    pay,
    payment_body,
    pdf_text,
    refund,
)


def _report(client: TestClient, person: Person, **params: str):  # type: ignore[no-untyped-def]
    return client.get("/reports/cash", params=params, headers=person.headers)


def test_three_payments_of_ten_cents_make_exactly_thirty(
    client: TestClient, scheduler: Person, clinic: Clinic
) -> None:
    for _ in range(3):
        assert pay(client, scheduler, payment_body(clinic.appointment().id, amount="0.10")).status_code == 201

    report = _report(client, scheduler).json()

    assert report["total_taken"] == "0.30"
    assert report["total_net"] == "0.30"
    [cash] = report["lines"]
    assert (cash["method"], cash["payments"], cash["taken"]) == ("cash", 3, "0.30")


def test_the_cash_report_counts_the_hospitals_day_not_utcs(
    client: TestClient, scheduler: Person, admin: Person, clinic: Clinic, clock: FixedClock
) -> None:
    # 22:30 on the 5th in São Paulo is 01:30 UTC on the 6th; 00:30 on the 6th there is 03:30 UTC.
    clock.now = datetime(2031, 3, 6, 1, 30, tzinfo=UTC)
    late = pay(client, scheduler, payment_body(clinic.appointment().id, amount="40.00"))
    clock.now = datetime(2031, 3, 6, 3, 30, tzinfo=UTC)
    next_day = pay(client, scheduler, payment_body(clinic.appointment().id, amount="70.00"))
    assert (late.status_code, next_day.status_code) == (201, 201)

    fifth = _report(client, admin, day="2031-03-05").json()
    sixth = _report(client, admin, day="2031-03-06").json()

    assert [e["id"] for e in fifth["entries"]] == [late.json()["entry"]["id"]]
    assert [e["id"] for e in sixth["entries"]] == [next_day.json()["entry"]["id"]]
    assert (fifth["total_taken"], sixth["total_taken"]) == ("40.00", "70.00")


def test_the_cash_report_is_per_desk_with_lines_per_method_and_refunds_on_the_day_they_are_made(
    client: TestClient, scheduler: Person, admin: Person, clinic: Clinic
) -> None:
    cash = pay(client, scheduler, payment_body(clinic.appointment().id, amount="100.00")).json()["entry"]
    pay(client, scheduler, payment_body(clinic.appointment().id, amount="80.00", method="card"))
    pay(
        client,
        scheduler,
        payment_body(
            clinic.appointment().id,
            amount="250.00",
            method="health_plan",
            authorisation_number="PLAN-991",
            desk="Front desk 2",
        ),
    )
    refund(client, scheduler, cash["id"], "30.00")

    desk1 = _report(client, scheduler, desk="Front desk 1").json()
    everything = _report(client, admin).json()

    assert desk1["desk"] == "Front desk 1"
    assert {line["method"]: (line["taken"], line["refunded"], line["net"]) for line in desk1["lines"]} == {
        "cash": ("100.00", "30.00", "70.00"),
        "card": ("80.00", "0.00", "80.00"),
    }
    assert (desk1["total_taken"], desk1["total_refunded"], desk1["total_net"]) == (
        "180.00",
        "30.00",
        "150.00",
    )
    assert everything["desk"] is None
    assert everything["total_net"] == "400.00"
    assert len(everything["entries"]) == 4


def test_the_cash_report_as_csv_has_the_totals_per_method_and_every_entry(
    client: TestClient, scheduler: Person, clinic: Clinic
) -> None:
    payment = pay(client, scheduler, payment_body(clinic.appointment().id, amount="120.00")).json()["entry"]
    pay(client, scheduler, payment_body(clinic.appointment().id, amount="35.50", method="pix"))
    refund(client, scheduler, payment["id"], "20.00")

    answer = _report(client, scheduler, desk="Front desk 1", format="csv")

    assert answer.headers["content-type"].startswith("text/csv")
    assert "cash-2031-03-05-Front-desk-1.csv" in answer.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0] == ["day", "2031-03-05", "desk", "Front desk 1", "currency", "BRL"]
    assert rows[1] == ["method", "payments", "refunds", "taken", "refunded", "net"]
    assert ["cash", "1", "1", "120.00", "20.00", "100.00"] in rows
    assert ["pix", "1", "0", "35.50", "0.00", "35.50"] in rows
    assert ["total", "2", "1", "155.50", "20.00", "135.50"] in rows
    entries = rows[rows.index([]) + 2 :]
    assert [(e[0], e[2], e[4]) for e in entries] == [
        ("12:00", "payment", "120.00"),  # local time in São Paulo (15:00 UTC)
        ("12:00", "payment", "35.50"),
        ("12:00", "refund", "-20.00"),
    ]


def test_the_cash_report_as_pdf_shows_its_totals(
    client: TestClient, scheduler: Person, clinic: Clinic
) -> None:
    pay(client, scheduler, payment_body(clinic.appointment().id, amount="1234.56"))

    answer = _report(client, scheduler, format="pdf")

    assert answer.headers["content-type"] == "application/pdf"
    shown = pdf_text(answer.content)
    assert "Hospital São Lucas" in shown
    assert "Cash report 2031-03-05" in shown
    assert "1234.56" in shown
    assert "times in America/Sao_Paulo" in shown


def test_a_payment_receipt_names_everything_the_patient_needs(
    client: TestClient, scheduler: Person, clinic: Clinic, doctor
) -> None:  # type: ignore[no-untyped-def]
    appointment = clinic.appointment(name="João Conceição")
    payment = pay(
        client,
        scheduler,
        payment_body(appointment.id, amount="275.90", method="health_plan", authorisation_number="AUT-55123"),
    ).json()["entry"]

    answer = client.get(f"/payments/{payment['id']}/receipt.pdf", headers=scheduler.headers)

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    shown = pdf_text(answer.content)
    for expected in (
        "Hospital São Lucas",
        "Payment receipt",
        payment["receipt_number"],
        "João Conceição",
        doctor.full_name,
        "BRL 275.90",
        "Health plan",
        "AUT-55123",
        "Test Scheduler",  # who took the money
        "Front desk 1",
        "2031-03-05 12:00",  # when, in the hospital's zone
    ):
        assert expected in shown, expected


def test_a_refund_has_a_receipt_of_its_own_naming_the_payment(
    client: TestClient, scheduler: Person, clinic: Clinic
) -> None:
    payment = pay(client, scheduler, payment_body(clinic.appointment().id)).json()["entry"]
    given_back = refund(client, scheduler, payment["id"], "45.00", reason="Doctor was ill").json()["entry"]

    shown = pdf_text(
        client.get(f"/payments/{given_back['id']}/receipt.pdf", headers=scheduler.headers).content
    )

    assert "Refund receipt" in shown
    assert given_back["receipt_number"] in shown
    assert f"Refund of receipt {payment['receipt_number']}" in shown
    assert "BRL 45.00" in shown
    assert "Doctor was ill" in shown


def test_the_desk_reads_its_own_day_and_admins_any_day(
    client: TestClient, scheduler: Person, admin: Person, clinic: Clinic
) -> None:
    pay(client, scheduler, payment_body(clinic.appointment().id))

    assert _report(client, scheduler, day=TODAY.isoformat()).status_code == 200
    earlier = _report(client, scheduler, day="2031-03-04")
    assert earlier.status_code == 403
    assert "other days are for admins" in earlier.json()["error"]["message"]
    assert client.get("/payments", params={"day": "2031-03-04"}, headers=scheduler.headers).status_code == 403
    assert _report(client, admin, day="2031-03-04").json()["entries"] == []
    assert len(client.get("/payments", params={"day": "2031-03-05"}, headers=admin.headers).json()) == 1


def test_a_day_outside_any_ledgers_life_is_a_clear_422(client: TestClient, admin: Person) -> None:
    for day in ("9999-12-31", "0001-01-01"):
        answer = _report(client, admin, day=day)
        assert answer.status_code == 422, day
        assert "not a day the ledger can have" in answer.json()["error"]["message"]


def test_typed_text_in_the_csv_never_becomes_a_spreadsheet_formula(
    client: TestClient, scheduler: Person, clinic: Clinic
) -> None:
    desk = '=HYPERLINK("http://example.com")'
    pay(client, scheduler, payment_body(clinic.appointment().id, desk=desk))

    rows = list(csv.reader(io.StringIO(_report(client, scheduler, desk=desk, format="csv").text)))

    assert rows[0][3] == "'" + desk
    assert rows[-1][5] == "'" + desk


def test_a_hospital_in_brazil_prints_its_receipts_in_portuguese_with_reais(
    app, client: TestClient, scheduler: Person, clinic: Clinic
) -> None:  # type: ignore[no-untyped-def]
    app.state.settings = app.state.settings.model_copy(update={"receipt_language": "pt_BR"})
    payment = pay(client, scheduler, payment_body(clinic.appointment().id, amount="1234.50", method="pix"))

    shown = pdf_text(
        client.get(
            f"/payments/{payment.json()['entry']['id']}/receipt.pdf", headers=scheduler.headers
        ).content
    )

    for expected in (
        "Recibo de pagamento",
        "Valor pago",
        "R$ 1.234,50",
        "Forma de pagamento",
        "Recebido por",
    ):
        assert expected in shown, expected
