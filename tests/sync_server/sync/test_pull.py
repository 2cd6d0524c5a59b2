"""Pulling changes: a snapshot then a tail, in the caller's scopes, never missing a late commit."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import text

from shared.protocol import MAX_PULL_LIMIT, PROTOCOL_HEADER, Entity
from shared.roles import Role
from sync_server.core.db import transaction
from sync_server.directory.models import Doctor, Ward
from sync_server.feed.changes import record_change
from sync_server.feed.scopes import REFERENCE, appointment_scopes
from sync_server.sync import pull as pulling
from tests.conftest import TEST_SECRET
from tests.sync_server.sync.conftest import of, ticket_submission


def _ward(session_factory, name: str, *, version: int = 1, scopes: list[str] | None = None) -> uuid.UUID:  # type: ignore[no-untyped-def]
    """A reference record written straight to the feed, in its own transaction."""
    ward_id = uuid.uuid4()
    with transaction(session_factory) as session:
        record_change(
            session,
            entity=Entity.WARD,
            entity_id=ward_id,
            version=version,
            scopes=scopes or [REFERENCE],
            data={"id": ward_id, "name": name},
        )
    return ward_id


def _ids(changes: list[dict[str, Any]]) -> list[str]:
    return [c["id"] for c in changes]


def test_an_initial_sync_is_paged_resumable_and_then_follows_the_tail(
    sign_in, desktop, session_factory
) -> None:
    written = [str(_ward(session_factory, f"Ward {n}")) for n in range(25)]
    nurse = desktop(sign_in(Role.NURSE))

    first = nurse.pull(limit=10)
    second_cursor = nurse.cursor
    second = nurse.pull(limit=10)
    # The link dropped before the second page was stored: the same cursor gives the same page.
    again = nurse.pull(limit=10, cursor=second_cursor)
    third = nurse.pull(limit=10)

    assert [first["has_more"], second["has_more"], third["has_more"]] == [True, True, False]
    assert again["changes"] == second["changes"]
    assert _ids(first["changes"] + second["changes"] + third["changes"]) == written
    late = str(_ward(session_factory, "Ward 26"))
    tail = nurse.pull()
    assert _ids(tail["changes"]) == [late] and tail["has_more"] is False
    assert nurse.pull()["changes"] == []


def test_a_page_holds_up_to_max_pull_limit_changes_and_a_larger_limit_is_refused(
    sign_in, desktop, session_factory
) -> None:
    with transaction(session_factory) as session:
        session.execute(
            text(
                "INSERT INTO sync_changes (scope, entity, entity_id, version, deleted, data)"
                " SELECT :scope, 'ward', gen_random_uuid(), 1, false,"
                " jsonb_build_object('name', 'Ward ' || n) FROM generate_series(1, :n) AS n"
            ),
            {"scope": REFERENCE, "n": MAX_PULL_LIMIT + 1},
        )
    nurse = desktop(sign_in(Role.NURSE))

    refused = nurse.client.get(
        "/sync/pull", params={"cursor": "", "limit": MAX_PULL_LIMIT + 1}, headers=nurse.headers
    )
    first = nurse.pull(limit=MAX_PULL_LIMIT)
    rest = nurse.pull(limit=MAX_PULL_LIMIT)

    assert refused.status_code == 422
    assert (len(first["changes"]), first["has_more"]) == (MAX_PULL_LIMIT, True)
    assert (len(rest["changes"]), rest["has_more"]) == (1, False)


def test_every_page_of_an_initial_sync_says_how_many_rows_the_snapshot_has_and_a_tail_does_not(
    sign_in, desktop, session_factory
) -> None:
    for n in range(25):
        _ward(session_factory, f"Ward {n}")
    nurse = desktop(sign_in(Role.NURSE))

    first = nurse.pull(limit=10)
    # Written while the snapshot is being paged: it comes after the snapshot, and the count does not move.
    _ward(session_factory, "Ward opened during the sync")
    second = nurse.pull(limit=10)
    third = nurse.pull(limit=10)  # the snapshot's last rows, then the tail so far
    delivered = [c["data"]["name"] for c in first["changes"] + second["changes"] + third["changes"]]
    _ward(session_factory, "Ward opened later")
    tail = nurse.pull()

    assert delivered[-1] == "Ward opened during the sync" and len(delivered) == 26
    assert first["total_estimate"] == 25
    assert second["total_estimate"] == third["total_estimate"] == 25
    assert tail["total_estimate"] is None
    assert [c["data"]["name"] for c in tail["changes"]] == ["Ward opened later"]


def test_a_change_committed_after_a_later_one_is_still_delivered(sign_in, desktop, session_factory) -> None:
    nurse = desktop(sign_in(Role.NURSE))
    nurse.pull_all()
    slow_id = uuid.uuid4()
    slow = session_factory()
    try:
        # The slow transaction takes its seq first and commits last.
        record_change(
            slow, entity=Entity.WARD, entity_id=slow_id, version=1, scopes=[REFERENCE], data={"n": 1}
        )
        quick_id = _ward(session_factory, "quick")

        before = nurse.pull()
        slow.commit()
    finally:
        slow.close()
    after = nurse.pull()

    assert _ids(before["changes"]) == [str(quick_id)]
    assert _ids(after["changes"]) == [str(slow_id)]


def test_an_initial_sync_started_while_a_change_is_uncommitted_gets_it_in_the_tail(
    sign_in, desktop, session_factory
) -> None:
    old = _ward(session_factory, "old")
    slow_id = uuid.uuid4()
    slow = session_factory()
    nurse = desktop(sign_in(Role.NURSE))
    try:
        record_change(
            slow, entity=Entity.WARD, entity_id=slow_id, version=1, scopes=[REFERENCE], data={"n": 1}
        )
        snapshot = nurse.pull_all()
        slow.commit()
    finally:
        slow.close()

    assert _ids(snapshot) == [str(old)]
    assert _ids(nurse.pull_all()) == [str(slow_id)]


def test_each_role_sees_only_its_scopes(sign_in, desktop, ward, session_factory, formulary) -> None:
    with transaction(session_factory) as session:
        other_ward = Ward(code="W8", name="Ward 8")
        other_doctor = Doctor(
            full_name="Dr. Paulo Reis",
            specialty="Oncology",
            license_number="CRM-2",
            time_zone="Europe/Lisbon",
        )
        session.add_all([other_ward, other_doctor])
    nurse = desktop(sign_in(Role.NURSE))
    other_nurse = desktop(sign_in(Role.NURSE, ward_ids=[other_ward.id]))
    pharmacist, doctor, scheduler = (
        desktop(sign_in(role)) for role in (Role.PHARMACIST, Role.DOCTOR, Role.SCHEDULER)
    )
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    nurse.push(nurse.mutation("ticket.submit", mine, ticket_submission(ward.id)))
    other_nurse.push(other_nurse.mutation("ticket.submit", theirs, ticket_submission(other_ward.id)))
    his, colleagues = uuid.uuid4(), uuid.uuid4()
    with transaction(session_factory) as session:
        for appointment_id, doctor_id in ((his, doctor.person.user.doctor_id), (colleagues, other_doctor.id)):
            record_change(
                session,
                entity=Entity.APPOINTMENT,
                entity_id=appointment_id,
                version=1,
                scopes=appointment_scopes(doctor_id),
                data={"id": appointment_id},
            )

    assert _ids(of(nurse.pull_all(), "ticket")) == [str(mine)]
    assert _ids(of(other_nurse.pull_all(), "ticket")) == [str(theirs)]
    assert sorted(_ids(of(pharmacist.pull_all(), "ticket"))) == sorted([str(mine), str(theirs)])
    doctors_view = doctor.pull_all()
    assert _ids(of(doctors_view, "appointment")) == [str(his)] and of(doctors_view, "ticket") == []
    assert sorted(_ids(of(scheduler.pull_all(), "appointment"))) == sorted([str(his), str(colleagues)])
    assert of(pharmacist.pull_all(), "appointment") == []


def test_a_deleted_record_arrives_as_a_tombstone_and_is_left_out_of_new_snapshots(
    sign_in, desktop, session_factory
) -> None:
    gone = _ward(session_factory, "closing down")
    nurse = desktop(sign_in(Role.NURSE))
    nurse.pull_all()
    with transaction(session_factory) as session:
        record_change(session, entity=Entity.WARD, entity_id=gone, version=2, scopes=[REFERENCE], data=None)

    (tombstone,) = nurse.pull_all()

    assert tombstone == {"entity": "ward", "id": str(gone), "version": 2, "deleted": True, "data": None}
    assert desktop(sign_in(Role.NURSE)).pull_all() == []


def test_a_record_that_leaves_a_scope_is_deleted_there(sign_in, desktop, session_factory) -> None:
    """An appointment moved to another doctor disappears from the first doctor's calendar."""
    doctor = desktop(sign_in(Role.DOCTOR))
    appointment_id = uuid.uuid4()
    with transaction(session_factory) as session:
        scopes = appointment_scopes(doctor.person.user.doctor_id)
        record_change(
            session, entity=Entity.APPOINTMENT, entity_id=appointment_id, version=1, scopes=scopes, data={}
        )
    assert _ids(doctor.pull_all()) == [str(appointment_id)]
    with transaction(session_factory) as session:
        scopes = appointment_scopes(uuid.uuid4())
        record_change(
            session, entity=Entity.APPOINTMENT, entity_id=appointment_id, version=2, scopes=scopes, data={}
        )

    (change,) = doctor.pull_all()

    assert change["deleted"] is True and change["version"] == 2


def test_a_cursor_older_than_the_tombstone_window_must_start_again(sign_in, desktop, session_factory) -> None:
    nurse = desktop(sign_in(Role.NURSE))
    nurse.pull_all()
    cursor = pulling.decode_cursor(nurse.cursor, secret=TEST_SECRET)
    month_old = replace(cursor, base_time=cursor.base_time - 31 * 86400)

    answer = nurse.pull(cursor=pulling.encode_cursor(month_old, secret=TEST_SECRET))

    assert answer["reset_required"] is True and answer["changes"] == []
    assert answer["cursor"] == ""


def test_compaction_removes_only_tombstones_older_than_the_window(session_factory) -> None:
    kept, old, fresh = (
        _ward(session_factory, "kept"),
        _ward(session_factory, "old"),
        _ward(session_factory, "new"),
    )
    with transaction(session_factory) as session:
        for ward_id in (old, fresh):
            record_change(
                session, entity=Entity.WARD, entity_id=ward_id, version=2, scopes=[REFERENCE], data=None
            )
        session.execute(
            text("UPDATE sync_changes SET changed_at = now() - interval '40 days' WHERE entity_id = :id"),
            {"id": old},
        )
        removed = pulling.compact(session, tombstone_seconds=30 * 86400)
        left = set(session.execute(text("SELECT entity_id FROM sync_changes")).scalars())

    assert removed == 1
    assert left == {kept, fresh}


def test_a_long_poll_answers_soon_after_another_client_commits(sign_in, desktop, session_factory) -> None:
    nurse = desktop(sign_in(Role.NURSE))
    nurse.pull_all()
    answered: dict[str, Any] = {}

    def wait_for_change() -> None:
        answered["body"] = nurse.pull(wait=10)
        answered["at"] = time.monotonic()

    poll = threading.Thread(target=wait_for_change)
    poll.start()
    time.sleep(0.5)  # the poll is waiting
    committed_at = time.monotonic()
    ward_id = _ward(session_factory, "new ward")
    poll.join(timeout=15)

    # It answered with the change, not empty at the end of its 10 s wait: the commit woke it. (How soon
    # is measured by `make bench-sync`, not asserted here.)
    assert _ids(answered["body"]["changes"]) == [str(ward_id)]
    assert answered["at"] > committed_at


def test_a_long_poll_with_nothing_new_answers_empty_when_its_time_is_up(sign_in, desktop) -> None:
    nurse = desktop(sign_in(Role.NURSE))
    nurse.pull_all()
    started = time.monotonic()

    answer = nurse.pull(wait=0.6)

    assert answer["changes"] == [] and answer["has_more"] is False
    assert time.monotonic() - started >= 0.5  # it waited its time before answering empty


@pytest.mark.parametrize("version", [None, "0", "banana"])
def test_a_desktop_speaking_an_old_protocol_is_told_to_update(client, sign_in, version) -> None:
    person = sign_in(Role.NURSE)
    headers = dict(person.headers)
    if version is not None:
        headers[PROTOCOL_HEADER] = version

    answers = [
        client.get("/sync/pull", headers=headers),
        client.post("/sync/push", headers=headers, json={"client_id": str(uuid.uuid4()), "mutations": []}),
    ]

    for answer in answers:
        assert answer.status_code == 426
        error = answer.json()["error"]
        assert error["code"] == "update_required"
        assert error["message"] == "This WardDesk desktop is too old for this server; ask IT to update it."


def test_a_forged_or_tampered_cursor_is_refused(sign_in, desktop) -> None:
    nurse = desktop(sign_in(Role.NURSE))
    nurse.pull_all()
    body, mac = nurse.cursor.split(".")
    forged = pulling.encode_cursor(pulling.decode_cursor(nurse.cursor, secret=TEST_SECRET), secret="guessed")

    for cursor in (forged, f"{body[:-2]}AA.{mac}", "not-a-cursor"):
        answer = nurse.client.get("/sync/pull", params={"cursor": cursor}, headers=nurse.headers)
        assert answer.status_code == 422
        assert answer.json()["error"]["code"] == "invalid_cursor"


def test_a_nurse_moved_to_another_ward_must_start_again(sign_in, desktop, session_factory) -> None:
    nurse = desktop(sign_in(Role.NURSE))
    nurse.pull_all()
    with transaction(session_factory) as session:
        new_ward = Ward(code="W7", name="Ward 7")
        session.add(new_ward)
        session.flush()
        session.execute(
            text("UPDATE user_wards SET ward_id = :ward WHERE user_id = :user"),
            {"ward": new_ward.id, "user": nurse.person.user.id},
        )

    assert nurse.pull()["reset_required"] is True
