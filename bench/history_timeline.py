"""`timeline_ms`: open a patient with 2,000 history entries on the desktop (offscreen), from a fresh cache,
until the first page of the timeline is on screen. Target: < 100 ms. `make bench-history` merges it
(bench/history.py); alone: `python bench/history_timeline.py` prints one JSON line.

The cache is filled the way the sync engine fills it (LocalStore.apply_pull); the screen is the real
PatientScreen, reading through the store worker as in the app. The median of several opens is reported,
each a new screen on the same cache (the first, with SQLite's pages cold, is reported too).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop.ops.background import Executors  # noqa: E402
from desktop.ops.session import DesktopContext, DesktopSession, SignedInUser, SyncRunner  # noqa: E402
from desktop.store import LocalStore  # noqa: E402
from desktop.sync import SessionTokens  # noqa: E402
from desktop.ui.patient.screen import PatientScreen  # noqa: E402
from shared.history import HistoryKind, sort_key  # noqa: E402
from shared.protocol import Change, Entity, PullResponse  # noqa: E402
from shared.roles import Role  # noqa: E402

SERVER = "http://127.0.0.1:9"  # nothing listens there: the bench workstation is offline
ENTRIES = 2_000
ROUNDS = 7


def _fill(store: LocalStore, patient_id: uuid.UUID) -> None:
    start = datetime(2020, 1, 1, tzinfo=UTC)
    kinds = list(HistoryKind)
    changes = [
        Change(
            entity=Entity.PATIENT,
            id=patient_id,
            version=1,
            data={
                "id": str(patient_id),
                "full_name": "Maria Fernandes",
                "mrn": "MRN-0041",
                "birth_date": "1970-05-01",
            },
        )
    ]
    for n in range(ENTRIES):
        event = uuid.uuid4()
        at = start + timedelta(hours=13 * n)
        kind = kinds[n % len(kinds)]
        changes.append(
            Change(
                entity=Entity.HISTORY_ENTRY,
                id=event,
                version=n + 2,
                data={
                    "patient_id": str(patient_id),
                    "sort_key": sort_key(at, event),
                    "event_id": str(event),
                    "event_type": f"{kind.value}.recorded",
                    "kind": kind.value,
                    "occurred_at": at.isoformat(),
                    "title": f"{kind.value.title()} {n}",
                    "summary": "Blood pressure review; follow-up in two weeks." if n % 3 else "",
                    "subject_id": str(uuid.uuid4()),
                    "author_id": None,
                    "author_name": "Dr. Ana Costa",
                    "details": {"text": "Amlodipine 5 mg once a day."} if kind is HistoryKind.NOTE else {},
                },
            )
        )
    for page in range(0, len(changes), 500):
        store.apply_pull(
            PullResponse(
                changes=changes[page : page + 500],
                cursor=f"c{page}",
                has_more=page + 500 < len(changes),
                last_mutation_id=0,
                server_time=datetime.now(UTC),
            )
        )


def timeline_ms(*, rounds: int = ROUNDS) -> float:
    """Median milliseconds from opening the patient screen to the timeline's first page painted."""
    return _measure(rounds=rounds)["timeline_ms"]


def _measure(*, rounds: int) -> dict[str, float]:
    app = QApplication.instance() or QApplication([])
    times: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        store = LocalStore.open_for_user(server_url=SERVER, username="doctor.bench", data_dir=Path(folder))
        patient_id = uuid.uuid4()
        _fill(store, patient_id)
        executors = Executors()
        user = SignedInUser(
            id=uuid.uuid4(), username="doctor.bench", full_name="Dr. Bench", role=Role.DOCTOR, doctor_id=None
        )
        tokens = SessionTokens(base_url=SERVER, access_token="", refresh_token="")
        session = DesktopSession(
            server_url=SERVER,
            user=user,
            store=store,
            tokens=tokens,
            offline=True,
            token_in_keyring=False,
            keyring_available=False,
        )
        sync = SyncRunner(session, executors=executors)
        context = DesktopContext(
            store=store, executors=executors, sync=sync, user=user, server_url=SERVER, offline=True
        )
        try:
            for _ in range(rounds):
                shown: list[bool] = []
                started = time.perf_counter()
                screen = PatientScreen(context, today=lambda: date(2026, 3, 2))
                screen.resize(1200, 800)
                screen.show()
                screen.patientShown.connect(lambda _patient, done=shown: done.append(True))
                screen.open_patient(patient_id)
                while not shown:
                    app.processEvents()
                screen.timeline.viewport().repaint()  # the first page painted
                times.append((time.perf_counter() - started) * 1000)
                assert screen.timeline_model.rowCount() == 50
                screen.close()
                screen.deleteLater()
                app.processEvents()
        finally:
            sync.stop()
            executors.shutdown()
            tokens.close()
            store.close()
    return {"timeline_ms": round(statistics.median(times), 1), "timeline_first_open_ms": round(times[0], 1)}


def main() -> None:
    print(json.dumps({"timeline_entries": ENTRIES, **_measure(rounds=ROUNDS)}))


if __name__ == "__main__":
    main()
