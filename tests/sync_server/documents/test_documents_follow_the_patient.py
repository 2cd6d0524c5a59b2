"""A patient's documents follow him when his carers change: moved to another ward, the new ward's nurses
get his lab reports on their next pull and the old ward's nurses get tombstones (their caches drop them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from shared.roles import Role
from tests.conftest import Person
from tests.sync_server.documents.conftest import Desk, Ward3, pdf
from tests.sync_server.sync.conftest import Desktop


def _documents(changes: list[dict[str, Any]]) -> list[tuple[str, bool]]:
    return [(c["id"], c["deleted"]) for c in changes if c["entity"] == "document"]


@pytest.mark.parametrize("store_kind", ["local"], indirect=True)
def test_documents_move_with_the_patient_to_his_new_ward(
    desk: Desk, nurse: Person, ward3: Ward3, sign_in: Callable[..., Person]
) -> None:
    completed = desk.upload(nurse, ward3.patient.id, pdf())
    assert completed.status_code == 200, completed.text
    document_id = completed.json()["id"]
    marked = desk.upload(nurse, ward3.patient.id, pdf())
    desk.client.post(
        f"/documents/{marked.json()['id']}/entered-in-error",
        json={"reason": "wrong patient's scan"},
        headers=nurse.headers,
    )
    never_finished = desk.register(nurse, ward3.patient.id, pdf()).json()["document"]["id"]

    old_ward = Desktop(desk.client, nurse)
    assert sorted(_documents(old_ward.pull_all())) == sorted(
        [(document_id, False), (marked.json()["id"], False)]
    )
    new_ward_nurse = sign_in(Role.NURSE, ward_ids=[ward3.other_ward.id])
    new_ward = Desktop(desk.client, new_ward_nurse)
    assert _documents(new_ward.pull_all()) == []

    admin = sign_in(Role.ADMIN)
    moved = desk.client.patch(
        f"/patients/{ward3.patient.id}", json={"ward_id": str(ward3.other_ward.id)}, headers=admin.headers
    )
    assert moved.status_code == 200, moved.text

    arrived = _documents(new_ward.pull_all())
    assert sorted(arrived) == sorted([(document_id, False), (marked.json()["id"], False)])
    assert never_finished not in {i for i, _ in arrived}  # a pending upload is shown to nobody
    gone = _documents(old_ward.pull_all())
    assert sorted(gone) == sorted([(document_id, True), (marked.json()["id"], True)])
    opened = desk.client.post(f"/documents/{document_id}/open", headers=new_ward_nurse.headers)
    assert opened.status_code == 200
    assert desk.client.post(f"/documents/{document_id}/open", headers=nurse.headers).status_code == 403
