"""Booking-from-the-calendar tests: a real SQLite cache under tmp_path, offscreen Qt, Qt warnings fail.

The cache is filled the way the sync engine fills it (`LocalStore.apply_pull`); where a test needs the
server's answer to a booking it applies that answer the same way (`apply_push_results`, `apply_pull`).
The end-to-end test with the real server is tests/desktop/e2e/test_offline_booking.py.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QLocale  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop.ops.background import Executors  # noqa: E402
from desktop.ops.session import DesktopContext, DesktopSession, SignedInUser, SyncRunner  # noqa: E402
from desktop.store import LocalStore  # noqa: E402
from desktop.sync import SessionTokens  # noqa: E402
from shared.protocol import (  # noqa: E402
    Change,
    Entity,
    MutationResult,
    MutationStatus,
    PullResponse,
    PushResponse,
)
from shared.roles import Role  # noqa: E402
from tests.desktop.conftest import no_leaked_windows  # noqa: E402, F401 - other folders import it from here

HERE = os.path.dirname(__file__)
SERVER = "http://127.0.0.1:9"  # nothing listens there: these workstations are offline
LISBON = ZoneInfo("Europe/Lisbon")
CARDIOLOGIST = uuid.UUID("00000000-0000-0000-0000-00000000d001")
NEUROLOGIST = uuid.UUID("00000000-0000-0000-0000-00000000d002")
ROOM = uuid.UUID("00000000-0000-0000-0000-0000000000e1")
PATIENTS = {
    uuid.UUID(int=0xA1): ("Maria Fernandes", "MRN-0041"),
    uuid.UUID(int=0xA2): ("Gonçalo Nunes", "MRN-0042"),
    uuid.UUID(int=0xA3): ("Ana Rita Silva", "MRN-0107"),
    uuid.UUID(int=0xA4): ("Mariana Teixeira", "MRN-0300"),
}
MARIA, GONCALO, ANA, MARIANA = PATIENTS


@pytest.fixture
def english() -> QLocale:
    return QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    """Tomorrow's `hour:minute` in Lisbon, as a UTC instant (always in the future, inside the hours)."""
    day = datetime.now(LISBON).date() + timedelta(days=1)
    return datetime.combine(day, time(hour, minute), tzinfo=LISBON).astimezone(UTC)


_versions = itertools.count(1)


def pulled(store: LocalStore, changes: list[Change], *, last_mutation_id: int = 0) -> None:
    """The sync engine committing one pulled page."""
    store.apply_pull(
        PullResponse(
            changes=changes,
            cursor=f"c{next(_versions)}",
            has_more=False,
            last_mutation_id=last_mutation_id,
            server_time=datetime.now(UTC),
        )
    )


def change(entity: Entity, record_id: uuid.UUID, data: dict[str, Any]) -> Change:
    return Change(entity=entity, id=record_id, version=next(_versions), data={"id": str(record_id), **data})


def directory_changes() -> list[Change]:
    every_day = [{"weekday": day, "starts": "08:00:00", "ends": "18:00:00"} for day in range(1, 8)]
    changes = [
        change(Entity.ROOM, ROOM, {"name": "Consultation room 2", "active": True}),
        change(
            Entity.DOCTOR,
            CARDIOLOGIST,
            {
                "full_name": "Dr. Ana Costa",
                "specialty": "Cardiology",
                "time_zone": "Europe/Lisbon",
                "default_slot_minutes": 20,
                "active": True,
            },
        ),
        change(
            Entity.DOCTOR,
            NEUROLOGIST,
            {
                "full_name": "Dr. Rui Matos",
                "specialty": "Neurology",
                "time_zone": "Europe/Lisbon",
                "default_slot_minutes": 30,
                "active": True,
            },
        ),
    ]
    for doctor_id in (CARDIOLOGIST, NEUROLOGIST):
        changes.append(
            change(
                Entity.AVAILABILITY,
                doctor_id,
                {
                    "doctor_id": str(doctor_id),
                    "time_zone": "Europe/Lisbon",
                    "default_slot_minutes": 20,
                    "rules": every_day,
                    "exceptions": [],
                },
            )
        )
    for patient_id, (name, mrn) in PATIENTS.items():
        changes.append(
            change(Entity.PATIENT, patient_id, {"full_name": name, "mrn": mrn, "birth_date": "1970-05-01"})
        )
    return changes


def server_appointment(
    appointment_id: uuid.UUID,
    *,
    doctor_id: uuid.UUID = CARDIOLOGIST,
    patient_id: uuid.UUID = MARIA,
    starts_at: datetime,
    minutes: int = 20,
    status: str = "confirmed",
    **extra: Any,
) -> Change:
    """An appointment as the server's feed carries it."""
    return change(
        Entity.APPOINTMENT,
        appointment_id,
        {
            "doctor_id": str(doctor_id),
            "patient_id": str(patient_id),
            "room_id": None,
            "starts_at": starts_at.isoformat(),
            "ends_at": (starts_at + timedelta(minutes=minutes)).isoformat(),
            "status": status,
            "reason": extra.pop("reason", "Blood pressure review"),
            "alternatives": [],
            **extra,
        },
    )


def answer_push(store: LocalStore, *, status: MutationStatus = MutationStatus.APPLIED, **fields: Any) -> int:
    """The server's answer to every queued change (a booking's saga has started: applied, no version)."""
    pending = store.mutations_to_push()
    store.mark_sent(m.mutation_id for m in pending)
    store.apply_push_results(
        PushResponse(
            results=[
                MutationResult(mutation_id=m.mutation_id, status=status, entity_id=m.entity_id, **fields)
                for m in pending
            ],
            last_mutation_id=pending[-1].mutation_id,
        )
    )
    return pending[-1].mutation_id


@pytest.fixture
def executors(qapp: QApplication) -> Iterator[Executors]:
    workers = Executors()
    failures: list[BaseException] = []
    workers.on_unhandled = failures.append
    yield workers
    workers.shutdown()
    assert not failures, f"a background operation failed: {failures!r}"


class Workstation:
    """One signed-in user's desktop without a server: their cache, the workers, a sync that never runs."""

    def __init__(
        self, tmp_path: Path, executors: Executors, *, role: Role, doctor_id: uuid.UUID | None
    ) -> None:
        username = f"{role.value}.test"
        self.store = LocalStore.open_for_user(server_url=SERVER, username=username, data_dir=tmp_path)
        self.user = SignedInUser(
            id=uuid.uuid4(), username=username, full_name=f"Test {role.value}", role=role, doctor_id=doctor_id
        )
        self.tokens = SessionTokens(base_url=SERVER, access_token="", refresh_token="")
        session = DesktopSession(
            server_url=SERVER,
            user=self.user,
            store=self.store,
            tokens=self.tokens,
            offline=True,
            token_in_keyring=False,
            keyring_available=False,
        )
        self.sync = SyncRunner(session, executors=executors)
        self.context = DesktopContext(
            store=self.store,
            executors=executors,
            sync=self.sync,
            user=self.user,
            server_url=SERVER,
            offline=True,
        )
        pulled(self.store, directory_changes())

    def close(self) -> None:
        self.sync.stop()
        self.tokens.close()
        self.store.close()


@pytest.fixture
def workstation(tmp_path: Path, executors: Executors) -> Iterator[Callable[..., Workstation]]:
    opened: list[Workstation] = []

    def _open(role: Role = Role.SCHEDULER, *, doctor_id: uuid.UUID | None = None) -> Workstation:
        opened.append(Workstation(tmp_path / f"ws{len(opened)}", executors, role=role, doctor_id=doctor_id))
        return opened[-1]

    yield _open
    for station in opened:
        station.close()
