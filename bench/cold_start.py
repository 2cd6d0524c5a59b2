"""cold_start_s: a fresh `warddesk` process to a painted, usable main window over 100,000 cached appointments.

    QT_QPA_PLATFORM=offscreen python bench/cold_start.py          # prints {"cold_start_s": ...}

The cache is prepared first (through the store's own pull path) for a doctor who signed in online before;
then a new Python process is timed from its start until the main window shows that doctor's week, with
its appointments loaded and painted. The server is unreachable, so the child signs in offline (argon2
check of the password, then the cache), exactly as on a ward PC during a network outage.
"""

from __future__ import annotations

import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TOTAL_APPOINTMENTS = 100_000
DOCTORS = 20
PATIENTS = 2_000
USERNAME = "dr.bench"
PASSWORD = "bench password 2026"
PAGE = 5_000


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def prepare(data_dir: Path, server_url: str) -> None:
    """The doctor's cache as a long online week would leave it, and their offline sign-in verifier."""
    from zoneinfo import ZoneInfo

    from desktop.ops.session import SignedInUser, remember_for_offline
    from desktop.store import LocalStore
    from shared.protocol import Change, Entity, PullResponse
    from shared.roles import Role

    rng = random.Random(11)
    zone = ZoneInfo("Europe/Lisbon")
    doctors = [uuid.UUID(int=n + 1) for n in range(DOCTORS)]
    patients = [uuid.UUID(int=10_000 + n) for n in range(PATIENTS)]
    user = SignedInUser(uuid.UUID(int=99), USERNAME, "Dr. Bench One", Role.DOCTOR, doctor_id=doctors[0])
    remember_for_offline(server_url=server_url, user=user, password=PASSWORD, data_dir=data_dir)

    changes: list[Change] = []
    for n, doctor in enumerate(doctors):
        changes.append(Change(entity=Entity.DOCTOR, id=doctor, version=1, data={
            "id": str(doctor), "full_name": f"Dr. Bench {n + 1}", "specialty": "Cardiology",
            "time_zone": "Europe/Lisbon", "default_slot_minutes": 20, "active": True,
        }))  # fmt: skip
        changes.append(Change(entity=Entity.AVAILABILITY, id=doctor, version=1, data={
            "id": str(doctor), "doctor_id": str(doctor), "time_zone": "Europe/Lisbon",
            "default_slot_minutes": 20,
            "rules": [{"weekday": d, "starts": "08:00:00", "ends": "18:00:00"} for d in range(1, 6)],
            "exceptions": [],
        }))  # fmt: skip
    for n, patient in enumerate(patients):
        changes.append(Change(entity=Entity.PATIENT, id=patient, version=1, data={
            "id": str(patient), "full_name": f"Patient {n:05d} Surname", "mrn": f"MRN{n:06d}",
            "birth_date": "1970-01-01",
        }))  # fmt: skip
    per_week = TOTAL_APPOINTMENTS // DOCTORS // 17 + 1
    first_monday = date.today() - timedelta(days=date.today().weekday()) - timedelta(weeks=8)
    count = 0
    while count < TOTAL_APPOINTMENTS:
        for doctor in doctors:
            for week in range(17):
                for _ in range(per_week):
                    if count >= TOTAL_APPOINTMENTS:
                        break
                    day = first_monday + timedelta(weeks=week, days=rng.randrange(7))
                    starts = datetime.combine(day, clock(7), tzinfo=zone).astimezone(UTC) + timedelta(
                        minutes=rng.randrange(0, 12 * 60, 5)
                    )
                    appointment = uuid.UUID(int=rng.getrandbits(128))
                    changes.append(Change(entity=Entity.APPOINTMENT, id=appointment, version=1, data={
                        "id": str(appointment), "doctor_id": str(doctor),
                        "patient_id": str(rng.choice(patients)),
                        "room_id": None, "starts_at": starts.isoformat(),
                        "ends_at": (starts + timedelta(minutes=20)).isoformat(), "status": "confirmed",
                        "reason": "Follow-up", "version": 1,
                    }))  # fmt: skip
                    count += 1
    store = LocalStore.open_for_user(server_url=server_url, username=USERNAME, data_dir=data_dir)
    try:
        now = datetime.now(UTC)
        for start in range(0, len(changes), PAGE):
            store.apply_pull(
                PullResponse(
                    changes=changes[start : start + PAGE],
                    cursor=f"bench-{start}",
                    has_more=True,
                    server_time=now,
                )  # fmt: skip
            )
    finally:
        store.close()


def child(data_dir: Path, server_url: str) -> None:
    """The timed process: the real shell, signing in offline, until the doctor's week is painted."""
    from desktop.app import preload_without_qt

    preload_without_qt()
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.ops.background import Executors
    from desktop.ops.session import TokenVault
    from desktop.settings import DesktopSettings
    from desktop.ui.shell.flow import ShellFlow
    from desktop.ui.theme import configure_high_dpi

    configure_high_dpi()
    app = QApplication([])
    settings = DesktopSettings(QSettings(str(data_dir / "settings.ini"), QSettings.Format.IniFormat))
    flow = ShellFlow(settings=settings, vault=TokenVault(), executors=Executors(), data_dir=data_dir,
                     server_url=server_url)  # fmt: skip
    window = flow.show_sign_in()
    window.fill(username=USERNAME, password=PASSWORD)
    window.submit()
    deadline = time.monotonic() + 60

    def painted_yet() -> None:
        main = flow.main_window
        screen = main.screen_widgets.get("calendar") if main is not None else None
        page = getattr(screen, "page", None)
        if page is not None and page.model.rowCount() > 0 and main is not None and main.isVisible():
            page.canvas.repaint()  # paint now, synchronously: the week is on screen, usable
            print(json.dumps({"appointments_shown": page.model.rowCount()}), flush=True)
            os._exit(0)
        if time.monotonic() > deadline:
            print("the main window never showed the week", file=sys.stderr, flush=True)
            os._exit(1)

    poll = QTimer()
    poll.timeout.connect(painted_yet)
    poll.start(2)
    app.exec()


def measure(repeat: int = 3) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="warddesk-cold-start-") as folder:
        data_dir = Path(folder)
        server_url = _closed_port_url()
        env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
        # Prepared in its own process, so the caller's peak memory is not the preparation's.
        subprocess.run([sys.executable, __file__, "prepare", str(data_dir), server_url], env=env, check=True)
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, __file__, "child", str(data_dir), server_url],
                env=env, capture_output=True, text=True, timeout=120,
            )  # fmt: skip
            elapsed = time.perf_counter() - started
            if done.returncode != 0 or "appointments_shown" not in done.stdout:
                raise RuntimeError(f"cold start failed: {done.stdout}\n{done.stderr}")
            times.append(elapsed)
    return {"cold_start_s": round(statistics.median(times), 3)}


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "child":
        child(Path(sys.argv[2]), sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "prepare":
        prepare(Path(sys.argv[2]), sys.argv[3])
    else:
        print(json.dumps(measure()))
