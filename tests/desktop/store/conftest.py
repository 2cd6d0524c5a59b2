from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.store import LocalStore

SERVER = "https://sync.hospital.example"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalStore]:
    opened = LocalStore.open_for_user(server_url=SERVER, username="nurse.ana", data_dir=tmp_path)
    yield opened
    opened.close()


def ticket_draft(ward_id: uuid.UUID, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "priority": "urgent",
        "notes": "bed 12",
        "lines": [
            {"line_id": str(uuid.uuid4()), "medication_code": "AMOX500", "quantity": 20, "unit": "capsule"}
        ],
    }
    data.update(overrides)
    return data
