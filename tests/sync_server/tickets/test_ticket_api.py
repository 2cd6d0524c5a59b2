"""Refill tickets over HTTP: a nurse asks, the pharmacy supplies, the ward confirms what arrived."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text

from shared.roles import Role
from sync_server.core.db import transaction
from tests.sync_server.tickets.conftest import events_of, line_ids, submission


def post(client, path: str, person, body: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    return client.post(path, json=body or {}, headers=person.headers)


def ok(answer) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert answer.status_code in (200, 201), answer.text
    result: dict[str, Any] = answer.json()
    return result


def submit(client, nurse, ward_id, **overrides: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    body = {**submission(ward_id, **overrides), "ticket_id": str(uuid.uuid4())}
    answer = post(client, "/tickets", nurse, body)
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_a_ticket_travels_from_the_ward_to_the_pharmacy_and_back(  # type: ignore[no-untyped-def]
    client, sign_in, ward, formulary, session_factory
):
    nurse = sign_in(Role.NURSE)
    pharmacist = sign_in(Role.PHARMACIST)
    ticket = submit(client, nurse, ward.id)
    path = f"/tickets/{ticket['id']}"
    para, amox = line_ids(ticket)
    assert (ticket["status"], ticket["version"]) == ("submitted", 1)

    approved = ok(post(client, f"{path}/approve", pharmacist, {"lines": [
        {"line_id": para, "approved_quantity": 30},
        {"line_id": amox, "approved_quantity": 10, "reason": "short of stock until Friday"},
    ]}))
    assert (approved["status"], approved["version"]) == ("approved", 2)
    assert [line["approved_quantity"] for line in approved["lines"]] == [30, 10]

    assert ok(post(client, f"{path}/start_preparation", pharmacist))["status"] == "in_preparation"

    partly = ok(post(client, f"{path}/dispatch", pharmacist, {
        "lines": [{"line_id": para, "dispatched_quantity": 20}, {"line_id": amox, "dispatched_quantity": 10}],
        "remainder": "keep_open",
    }))
    assert (partly["status"], partly["version"]) == ("in_preparation", 4)
    assert [line["dispatched_quantity"] for line in partly["lines"]] == [20, 10]

    dispatched = ok(post(client, f"{path}/dispatch", pharmacist, {
        "lines": [{"line_id": para, "dispatched_quantity": 10}], "remainder": "cancel",
    }))
    assert (dispatched["status"], dispatched["version"]) == ("dispatched", 5)
    assert [line["dispatched_quantity"] for line in dispatched["lines"]] == [30, 10]
    assert not any(line["remainder_cancelled"] for line in dispatched["lines"])

    received = ok(post(client, f"{path}/receive", nurse, {"lines": [
        {"line_id": para, "received_quantity": 30},
        {"line_id": amox, "received_quantity": 8, "note": "two capsules crushed in transit"},
    ]}))
    assert (received["status"], received["has_discrepancy"]) == ("received", True)
    notes = [line["discrepancy_note"] for line in received["lines"]]
    assert notes == [None, "two capsules crushed in transit"]

    closed = ok(post(client, f"{path}/close", pharmacist, {"note": "replacement sent separately"}))
    assert (closed["status"], closed["version"]) == ("closed", 7)

    timeline = [(h["action"], h["from_status"], h["to_status"], h["actor_role"]) for h in closed["history"]]
    assert timeline == [
        ("submit", "draft", "submitted", "nurse"),
        ("approve", "submitted", "approved", "pharmacist"),
        ("start_preparation", "approved", "in_preparation", "pharmacist"),
        ("dispatch", "in_preparation", "in_preparation", "pharmacist"),
        ("dispatch", "in_preparation", "dispatched", "pharmacist"),
        ("receive", "dispatched", "received", "nurse"),
        ("close", "received", "closed", "pharmacist"),
    ]
    assert [event.event_type for event in events_of(session_factory, ticket["id"])] == [
        "ticket.submitted", "ticket.approved", "ticket.preparation_started", "ticket.partially_dispatched",
        "ticket.dispatched", "ticket.received", "ticket.closed",
    ]
    received_event = events_of(session_factory, ticket["id"])[5]
    assert received_event.payload["details"]["discrepancies"] == [{
        "line_id": amox, "medication_code": "AMOX500", "dispatched": 10, "received": 8,
        "note": "two capsules crushed in transit",
    }]

    # The nurse heard of every step the pharmacy took; the pharmacy heard of the discrepancy.
    nurse_titles = [n["title"] for n in ok(client.get("/me/notifications", headers=nurse.headers))]
    assert sorted(nurse_titles) == sorted([
        "Refill ticket approved (1 of 2 lines in full)",
        "The pharmacy is preparing your refill ticket",
        "Part of your refill ticket is on its way (30 units; 10 to follow)",
        "Refill ticket dispatched",
        "Refill ticket closed",
    ])
    pharmacy_news = ok(client.get("/me/notifications", headers=pharmacist.headers))
    assert [n["kind"] for n in pharmacy_news] == ["ticket.discrepancy"]
    assert "AMOX500: two capsules crushed in transit" in pharmacy_news[0]["body"]


def test_the_ticket_and_its_notifications_reach_the_change_feed(  # type: ignore[no-untyped-def]
    client, sign_in, ward, formulary, session_factory
):
    nurse = sign_in(Role.NURSE)
    pharmacist = sign_in(Role.PHARMACIST)
    ticket = submit(client, nurse, ward.id)
    ok(post(client, f"/tickets/{ticket['id']}/reject", pharmacist, {"reason": "ordered yesterday already"}))

    with transaction(session_factory) as session:
        rows = session.execute(
            text("SELECT scope, entity, version, data FROM sync_changes WHERE entity_id = :id "
                 "ORDER BY scope"),
            {"id": ticket["id"]},
        ).all()
        notice = session.execute(
            text("SELECT scope, version, data FROM sync_changes WHERE entity = 'notification'")
        ).one()
    assert [(r.scope, r.entity, r.version) for r in rows] == [
        ("pharmacy", "ticket", 2), (f"ward:{ward.id}", "ticket", 2),
    ]
    assert rows[0].data["rejection_reason"] == "ordered yesterday already"
    assert notice.scope == f"user:{nurse.user.id}"
    assert notice.data["title"] == "Refill ticket rejected"


def test_marking_a_notification_read_changes_it_for_every_workstation(  # type: ignore[no-untyped-def]
    client, sign_in, ward, formulary, session_factory
):
    nurse = sign_in(Role.NURSE)
    pharmacist = sign_in(Role.PHARMACIST)
    ticket = submit(client, nurse, ward.id)
    ok(post(client, f"/tickets/{ticket['id']}/reject", pharmacist, {"reason": "duplicate request"}))
    [notice] = ok(client.get("/me/notifications?unread_only=true", headers=nurse.headers))

    read = ok(post(client, f"/me/notifications/{notice['id']}/read", nurse))
    again = ok(post(client, f"/me/notifications/{notice['id']}/read", nurse))

    assert read["read_at"] is not None and read["version"] == 2
    assert again["version"] == 2  # reading twice changes nothing
    assert ok(client.get("/me/notifications?unread_only=true", headers=nurse.headers)) == []
    with transaction(session_factory) as session:
        version = session.execute(
            text("SELECT version FROM sync_changes WHERE entity = 'notification' AND entity_id = :id"),
            {"id": notice["id"]},
        ).scalar_one()
    assert version == 2
    # Someone else's notification does not exist as far as the pharmacist can tell.
    assert post(client, f"/me/notifications/{notice['id']}/read", pharmacist).status_code == 404


def test_a_nurse_of_another_ward_can_neither_see_nor_touch_the_ticket(  # type: ignore[no-untyped-def]
    client, sign_in, ward, formulary, session_factory
):
    from sync_server.directory.models import Ward

    with transaction(session_factory) as session:
        surgery = Ward(code="W5", name="Ward 5 - Surgery")
        session.add(surgery)
    nurse = sign_in(Role.NURSE)
    stranger = sign_in(Role.NURSE, ward_ids=[surgery.id])
    ticket = submit(client, nurse, ward.id)

    attempts = [
        client.get(f"/tickets/{ticket['id']}", headers=stranger.headers),
        post(client, f"/tickets/{ticket['id']}/cancel", stranger, {"reason": "not needed"}),
        post(client, "/tickets", stranger, {**submission(ward.id), "ticket_id": str(uuid.uuid4())}),
        client.get(f"/tickets?ward_id={ward.id}", headers=stranger.headers),
    ]

    assert [a.status_code for a in attempts] == [403, 403, 403, 403]
    assert all(a.json()["error"]["code"] == "permission_denied" for a in attempts)
    assert ok(client.get("/tickets", headers=stranger.headers)) == []
    assert [t["id"] for t in ok(client.get("/tickets", headers=nurse.headers))] == [ticket["id"]]


def test_only_nurses_pharmacists_and_admins_see_tickets(client, sign_in, ward, formulary):  # type: ignore[no-untyped-def]
    nurse = sign_in(Role.NURSE)
    ticket = submit(client, nurse, ward.id)

    for role in (Role.PHARMACIST, Role.ADMIN):
        assert [t["id"] for t in ok(client.get("/tickets", headers=sign_in(role).headers))] == [ticket["id"]]
    for role in (Role.DOCTOR, Role.SCHEDULER):
        answer = client.get(f"/tickets/{ticket['id']}", headers=sign_in(role).headers)
        assert answer.status_code == 403


def test_a_nurse_may_cancel_only_until_the_pharmacy_acts(client, sign_in, ward, formulary):  # type: ignore[no-untyped-def]
    nurse = sign_in(Role.NURSE)
    pharmacist = sign_in(Role.PHARMACIST)
    early = submit(client, nurse, ward.id)
    late = submit(client, nurse, ward.id)
    ok(post(client, f"/tickets/{late['id']}/approve", pharmacist, {"lines": [
        {"line_id": line_id, "approved_quantity": asked}
        for line_id, asked in zip(line_ids(late), (30, 20), strict=True)
    ]}))

    cancelled = ok(post(client, f"/tickets/{early['id']}/cancel", nurse, {"reason": "patient discharged"}))
    twice = post(client, f"/tickets/{early['id']}/cancel", nurse, {"reason": "patient discharged"})
    too_late = post(client, f"/tickets/{late['id']}/cancel", nurse, {"reason": "patient discharged"})

    assert (cancelled["status"], cancelled["cancel_reason"]) == ("cancelled", "patient discharged")
    assert twice.status_code == 409
    assert twice.json()["error"]["code"] == "invalid_transition"
    assert too_late.status_code == 409
    error = too_late.json()["error"]
    assert error["code"] == "invalid_transition"
    assert error["message"] == (
        "The pharmacy has already acted on this ticket (it is approved), so it can no longer be cancelled; "
        "contact the pharmacy."
    )


def test_an_edit_made_on_an_old_version_gets_the_current_ticket_back(  # type: ignore[no-untyped-def]
    client, sign_in, ward, formulary
):
    nurse = sign_in(Role.NURSE)
    colleague = sign_in(Role.NURSE)
    ticket = submit(client, nurse, ward.id)
    path = f"/tickets/{ticket['id']}/edit"

    first = ok(post(client, path, colleague, {"priority": "stat", "notes": "patient in pain",
                                              "base_version": 1}))
    stale = post(client, path, nurse, {"notes": "weekly top-up, add gloves", "base_version": 1})

    assert (first["version"], first["priority"]) == (2, "stat")
    assert stale.status_code == 409
    error = stale.json()["error"]
    assert error["code"] == "version_conflict"
    assert error["details"]["server_record"]["version"] == 2
    assert error["details"]["server_record"]["notes"] == "patient in pain"
    # The author learns that her colleague changed her ticket.
    [notice] = ok(client.get("/me/notifications", headers=nurse.headers))
    assert notice["title"] == "Refill ticket edited"


def test_bad_input_is_refused_with_a_reason_never_a_crash(client, sign_in, ward, formulary):  # type: ignore[no-untyped-def]
    nurse = sign_in(Role.NURSE)
    pharmacist = sign_in(Role.PHARMACIST)
    ticket = submit(client, nurse, ward.id)
    path = f"/tickets/{ticket['id']}"
    wrong_unit = submission(ward.id)
    wrong_unit["lines"][0]["unit"] = "ampoule"

    answers = {
        "unknown medication": post(client, "/tickets", nurse, {
            **submission(ward.id), "ticket_id": str(uuid.uuid4()),
            "lines": [{"line_id": str(uuid.uuid4()), "medication_code": "NOPE1", "quantity": 1,
                       "unit": "tablet"}],
        }),
        "wrong unit": post(client, "/tickets", nurse, {**wrong_unit, "ticket_id": str(uuid.uuid4())}),
        "unknown field": post(client, f"{path}/reject", pharmacist, {"reason": "x" * 5, "why": 1}),
        "no such ticket": post(client, f"/tickets/{uuid.uuid4()}/reject", pharmacist, {"reason": "twice"}),
        "approve too much": post(client, f"{path}/approve", pharmacist, {"lines": [
            {"line_id": line_id, "approved_quantity": 999} for line_id in line_ids(ticket)
        ]}),
    }

    assert {name: a.status_code for name, a in answers.items()} == {
        "unknown medication": 422, "wrong unit": 422, "unknown field": 422, "no such ticket": 404,
        "approve too much": 422,
    }
    assert answers["unknown medication"].json()["error"]["message"] == (
        "Line 1: NOPE1 is not in the formulary."
    )
    assert answers["wrong unit"].json()["error"]["message"] == (
        "Line 1: Paracetamol is dispensed by the tablet, not by the ampoule."
    )
