from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.store import LocalStore
from desktop.store.mutations import queue_ticket_submit

SERVER = "https://sync.hospital.example"
WARD = uuid.UUID("00000000-0000-0000-0000-0000000000a3")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalStore]:
    opened = LocalStore.open_for_user(server_url=SERVER, username="nurse.ana", data_dir=tmp_path)
    yield opened
    opened.close()


def submit_ticket(store: LocalStore, *, ward_id: uuid.UUID = WARD, medication: str = "AMOX500") -> uuid.UUID:
    """A nurse drafts and submits a refill ticket on her workstation; returns its id."""
    draft_id = store.save_draft(
        ward_id=ward_id,
        data={
            "priority": "urgent",
            "notes": "bed 12",
            "lines": [
                {
                    "line_id": str(uuid.uuid4()),
                    "medication_code": medication,
                    "quantity": 20,
                    "unit": "capsule",
                }
            ],
        },
    )
    queue_ticket_submit(store, draft_id=draft_id)
    return draft_id
