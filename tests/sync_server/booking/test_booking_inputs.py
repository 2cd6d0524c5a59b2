"""A booking's input is taken exactly as written, and an idempotency key stands for the whole request."""

from __future__ import annotations

import pytest

from shared.roles import Role
from tests.sync_server.booking.conftest import at
from tests.sync_server.booking.test_booking import book, error


@pytest.fixture
def scheduler(sign_in):  # type: ignore[no-untyped-def]
    return sign_in(Role.SCHEDULER)


@pytest.mark.parametrize(
    "change",
    [
        {"duration_minutes": 45},
        {"reason": "another reason"},
        {"notes": "another note"},
        {"overbook": True, "overbook_reason": "the director asked"},
        {"room": True},
    ],
    ids=["duration", "reason", "notes", "overbook", "room"],
)
def test_the_same_key_with_any_other_field_is_refused_and_books_nothing_more(
    client, scheduler, clinic, change
):  # type: ignore[no-untyped-def]
    first = book(client, scheduler, clinic, start=at(9), client_request_id="desk-1:7", reason="check-up")
    changed = dict(change)
    room = clinic.room if changed.pop("room", False) else None
    again = book(
        client,
        scheduler,
        clinic,
        start=at(9),
        room=room,
        client_request_id="desk-1:7",
        **{"reason": "check-up", **changed},
    )
    same = book(client, scheduler, clinic, start=at(9), client_request_id="desk-1:7", reason="check-up")

    assert first.status_code == 201
    assert (again.status_code, error(again)["code"]) == (409, "idempotency_key_reused")
    assert error(again)["details"]["client_request_id"] == "desk-1:7"
    assert same.status_code == 201 and same.json()["appointment"]["id"] == first.json()["appointment"]["id"]


def test_the_same_instant_written_in_another_zone_is_the_same_request(client, scheduler, clinic):  # type: ignore[no-untyped-def]
    first = book(client, scheduler, clinic, start=at(9), client_request_id="desk-1:8")
    again = client.post(
        "/appointments",
        headers=scheduler.headers,
        json={
            "doctor_id": str(clinic.doctor.id),
            "patient_id": str(clinic.patients[0].id),
            "starts_at": at(9).astimezone(__import__("datetime").timezone.utc).isoformat(),
            "client_request_id": "desk-1:8",
        },
    )
    assert again.status_code == 201 and again.json()["appointment"]["id"] == first.json()["appointment"]["id"]


@pytest.mark.parametrize("overbook", ["yes", "true", 1, "1", None])
def test_overbook_is_only_a_json_boolean(client, scheduler, clinic, overbook):  # type: ignore[no-untyped-def]
    answer = book(client, scheduler, clinic, start=at(9), overbook=overbook, overbook_reason="needed")

    assert answer.status_code == 422
    assert error(answer)["code"] == "invalid_request"


@pytest.mark.parametrize(
    "starts_at", [1900000000, 1900000000.5, True, "1900000000", "tomorrow", "2031-03-03"]
)
def test_the_start_is_only_an_iso_date_time_with_an_offset(client, scheduler, clinic, starts_at):  # type: ignore[no-untyped-def]
    answer = client.post(
        "/appointments",
        headers=scheduler.headers,
        json={
            "doctor_id": str(clinic.doctor.id),
            "patient_id": str(clinic.patients[0].id),
            "starts_at": starts_at,
        },
    )

    assert answer.status_code == 422, answer.text


def test_an_appointment_must_end_within_the_supported_range(client, scheduler, clinic):  # type: ignore[no-untyped-def]
    answer = client.post(
        "/appointments",
        headers=scheduler.headers,
        json={
            "doctor_id": str(clinic.doctor.id),
            "patient_id": str(clinic.patients[0].id),
            "starts_at": "2099-12-31T23:50:00Z",
            "duration_minutes": 30,
            "overbook": True,
            "overbook_reason": "end of the century",
        },
    )

    assert answer.status_code == 422
    assert error(answer)["details"]["field"] == "duration_minutes"
