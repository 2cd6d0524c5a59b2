"""Document changes queued offline and applied by the sync push: a registration (the bytes follow by
link), and an entered-in-error marking; a registration for a patient outside one's care is rejected."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from tests.conftest import Person
from tests.sync_server.documents.conftest import Desk, Ward3, pdf, sha256
from tests.sync_server.sync.conftest import Desktop, desktop  # noqa: F401


def _registration(patient_id: uuid.UUID, data: bytes) -> dict[str, object]:
    return {
        "patient_id": str(patient_id),
        "kind": "exam_result",
        "title": "Chest X-ray",
        "filename": "xray.pdf",
        "content_type": "application/pdf",
        "size_bytes": len(data),
        "sha256": sha256(data),
    }


@pytest.mark.parametrize("store_kind", ["local"], indirect=True)
def test_a_queued_registration_and_marking_apply_through_the_push(
    desk: Desk,
    nurse: Person,
    ward3: Ward3,
    desktop: Callable[[Person], Desktop],  # noqa: F811
) -> None:
    workstation = desktop(nurse)
    data = pdf()
    document_id = uuid.uuid4()
    pushed = workstation.push(
        workstation.mutation("document.register", document_id, _registration(ward3.patient.id, data))
    )
    assert pushed.json()["results"][0]["status"] == "applied", pushed.text
    # The bytes follow: registering again answers the links of the same document.
    completed = desk.upload(nurse, ward3.patient.id, data, document_id=document_id)
    assert completed.json()["status"] == "available"
    marked = workstation.push(
        workstation.mutation(
            "document.entered_in_error", document_id, {"reason": "Wrong patient"}, base_version=2
        )
    )
    assert marked.json()["results"][0]["status"] == "applied", marked.text
    assert desk.client.get(f"/documents/{document_id}", headers=nurse.headers).json()["status"] == (
        "entered_in_error"
    )


@pytest.mark.parametrize("store_kind", ["local"], indirect=True)
def test_a_queued_registration_for_a_stranger_is_rejected_not_stuck(
    nurse: Person,
    ward3: Ward3,
    desktop: Callable[[Person], Desktop],  # noqa: F811
) -> None:
    workstation = desktop(nurse)
    pushed = workstation.push(
        workstation.mutation("document.register", uuid.uuid4(), _registration(ward3.stranger.id, pdf()))
    )
    result = pushed.json()["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "outside_care_scope")
