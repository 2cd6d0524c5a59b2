"""Desktop responsiveness, offscreen: how fast the calendar paints and moves between weeks.

    QT_QPA_PLATFORM=offscreen python bench/desktop.py [--repeat 31]

Prints ONE JSON line. Keys so far:
- week_paint_ms: median time to paint a 1400x900 week view holding 300 appointments (layout cached,
  the steady state of every repaint), rendered into a QImage;
- week_switch_ms: median time to go to the next week: query an in-memory index of 100,000 appointments
  (sorted per doctor, bisect; the real store queries SQLite), reset the model, lay out and paint;
- cold_start_s: a fresh process to a painted, usable main window over 100,000 cached appointments
  (bench/cold_start.py: the real shell signing in offline from a prepared cache);
- sign_in_to_first_screen_s: median, in a fresh process with a fresh data folder (no cache yet) and the
  real sync server (uvicorn on a scratch PostgreSQL), from the click on "Sign in" to the nurse's ticket
  list shown and loaded: the keyring, the new cache and its migrations, the first window;
- ticket_filter_ms: median time to change the filter of a ticket list over a cache of 50,000 tickets
  (in-memory index of their keys, model reset, the visible page of rows read from SQLite, table painted);
- ticket_open_ms: median time to open one of those tickets: read it and its pending changes from SQLite,
  fill the detail view (lines, timeline, buttons) and paint it;
- peak_rss_mb: the process's peak resident memory.

Each measurement is a function in MEASUREMENTS that takes the Bench context and returns its keys; add a
new screen's figures (cold_start_s, ticket_filter_ms, ticket_open_ms...) by adding a function there.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PySide6.QtCore import QLocale, QSize  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from desktop.ops.calendar import (  # noqa: E402
    AppointmentItem,
    DoctorColumn,
    InMemoryCalendar,
    OpenWindow,
    local_instant,
    week_start,
)
from shared.booking import AppointmentStatus  # noqa: E402

VIEW_SIZE = QSize(1400, 900)
TOTAL_APPOINTMENTS = 100_000
PER_WEEK = 300
DOCTORS = 20
FIRST_MONDAY = date(2025, 1, 6)
STATUSES = (
    [AppointmentStatus.CONFIRMED] * 6
    + [AppointmentStatus.HELD, AppointmentStatus.REQUESTED, AppointmentStatus.CANCELLED]
    + [AppointmentStatus.REJECTED]
)


@dataclass
class Bench:
    app: QApplication
    repeat: int


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _render(widget: QWidget, image: QImage) -> None:
    widget.render(image)


def synthetic_calendar(rng: random.Random) -> tuple[list[DoctorColumn], InMemoryCalendar]:
    """100,000 appointments: 20 doctors, 300 a week each, 07:00-20:00 Lisbon time, some overlapping."""
    doctors = [
        DoctorColumn(uuid.UUID(int=n + 1), f"Dr. Bench {n + 1}", "Europe/Lisbon") for n in range(DOCTORS)
    ]
    zone = doctors[0].zone
    appointments: list[AppointmentItem] = []
    windows: list[OpenWindow] = []
    weeks = -(-TOTAL_APPOINTMENTS // (DOCTORS * PER_WEEK))
    for doctor in doctors:
        for week in range(weeks):
            monday = FIRST_MONDAY + timedelta(weeks=week)
            for day in range(7):
                windows.append(
                    OpenWindow(
                        doctor_id=doctor.id,
                        starts_at=local_instant(monday + timedelta(days=day), clock(8), zone),
                        ends_at=local_instant(monday + timedelta(days=day), clock(18), zone),
                    )
                )
            for _ in range(PER_WEEK):
                if len(appointments) >= TOTAL_APPOINTMENTS:
                    break
                day = monday + timedelta(days=rng.randrange(7))
                minute = 7 * 60 + rng.randrange(0, 12 * 60 + 40, 5)
                starts = local_instant(day, clock(0), zone) + timedelta(minutes=minute)
                appointments.append(
                    AppointmentItem(
                        id=uuid.UUID(int=rng.getrandbits(128)),
                        doctor_id=doctor.id,
                        patient_name=f"Patient {rng.randrange(100_000):05d} Surname",
                        starts_at=starts,
                        ends_at=starts + timedelta(minutes=rng.choice((15, 20, 20, 30, 40))),
                        status=rng.choice(STATUSES),
                        pending=rng.random() < 0.05,
                        reason="Follow-up",
                    )
                )
    return doctors, InMemoryCalendar(appointments=appointments, open_windows=windows)


def measure_calendar(bench: Bench) -> dict[str, float]:
    from desktop.ui.calendar import WeekView

    doctors, query = synthetic_calendar(random.Random(7))
    now = local_instant(FIRST_MONDAY + timedelta(days=2), clock(10), doctors[0].zone)
    view = WeekView(
        doctor=doctors[0],
        query=query,
        now=lambda: now,
        locale=QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom),
        slot_minutes=20,
    )
    image = QImage(VIEW_SIZE, QImage.Format.Format_ARGB32_Premultiplied)
    try:
        view.resize(VIEW_SIZE)
        view.show()
        bench.app.processEvents()
        view.show_date(week_start(now.astimezone(UTC).date()))
        shown = len(view.model.items())
        if shown < PER_WEEK * 0.9:
            raise RuntimeError(f"the benchmark week holds only {shown} appointments")
        _render(view, image)  # the first paint lays the week out; later paints reuse it

        paints = []
        for _ in range(bench.repeat):
            started = time.perf_counter()
            _render(view, image)
            paints.append(time.perf_counter() - started)

        switches = []
        for _ in range(min(bench.repeat, 21)):
            started = time.perf_counter()
            view.step(1)
            _render(view, image)
            switches.append(time.perf_counter() - started)
    finally:
        view.close()
        view.deleteLater()
    return {
        "week_paint_ms": _ms(statistics.median(paints)),
        "week_switch_ms": _ms(statistics.median(switches)),
    }


def measure_cold_start(bench: Bench) -> dict[str, float]:
    """cold_start_s: a fresh process to the painted main window over 100,000 cached appointments."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import cold_start

    return cold_start.measure()


TICKETS = 50_000


def synthetic_tickets(rng: random.Random, now: datetime) -> list[object]:
    """50,000 ticket records over 12 wards, as the server's feed carries them."""
    from shared.protocol import Change, Entity

    wards = [str(uuid.UUID(int=0xA00 + n)) for n in range(12)]
    statuses = ["submitted", "approved", "in_preparation", "dispatched", "received", "closed", "cancelled"]
    codes = [("AMOX500", "capsule"), ("PARA500", "tablet"), ("MORPH10", "ampoule"), ("HEP5000", "vial")]
    changes = []
    for n in range(TICKETS):
        ticket_id = uuid.UUID(int=rng.getrandbits(128))
        submitted = now - timedelta(minutes=rng.randrange(0, 60 * 24 * 120))
        lines = [
            {
                "line_id": str(uuid.UUID(int=rng.getrandbits(128))),
                "medication_code": code,
                "quantity": 10 + k,
                "unit": unit,
                "approved_quantity": None,
                "dispatched_quantity": 0,
                "received_quantity": None,
            }
            for k, (code, unit) in enumerate(rng.sample(codes, rng.randint(1, 4)))
        ]
        history = [
            {
                "at": submitted.isoformat(),
                "actor_name": "Nurse Bench",
                "actor_role": "nurse",
                "action": "submit",
                "from_status": "draft",
                "to_status": "submitted",
            }
        ]
        changes.append(
            Change(
                entity=Entity.TICKET,
                id=ticket_id,
                version=1,
                data={
                    "id": str(ticket_id),
                    "ward_id": rng.choice(wards),
                    "status": rng.choice(statuses),
                    "priority": rng.choice(["routine"] * 6 + ["urgent"] * 3 + ["stat"]),
                    "needed_by": (submitted + timedelta(hours=rng.randrange(1, 48))).isoformat()
                    if n % 5
                    else None,
                    "submitted_at": submitted.isoformat(),
                    "requested_by_name": "Nurse Bench",
                    "notes": "",
                    "has_discrepancy": False,
                    "lines": lines,
                    "history": history,
                },
            )
        )
    return changes


def measure_tickets(bench: Bench) -> dict[str, float]:
    """Filtering a list of 50,000 cached tickets, and opening one."""
    import tempfile

    from PySide6.QtWidgets import QTableView

    from desktop.ops.tickets import TicketFilter, TicketIndex, load_ticket, load_ticket_keys, ticket_rows
    from desktop.store import LocalStore
    from desktop.ui.tickets.detail import TicketDetailView
    from desktop.ui.tickets.model import TicketTableModel
    from shared.protocol import PullResponse
    from shared.roles import Role

    now = datetime(2025, 3, 26, 10, 40, tzinfo=UTC)
    changes = synthetic_tickets(random.Random(11), now)
    locale = QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)
    with tempfile.TemporaryDirectory() as folder:
        store = LocalStore.open(Path(folder) / "cache.sqlite", server_url="http://bench", username="bench")
        for start in range(0, len(changes), 1000):
            page = PullResponse(
                changes=changes[start : start + 1000], cursor=str(start), has_more=True, server_time=now
            )
            store.apply_pull(page)
        index = TicketIndex(load_ticket_keys(store))
        wanted: list[list[str]] = []
        model = TicketTableModel(index=index, request_rows=wanted.append, locale=locale)
        view = QTableView()
        view.setModel(model)
        view.resize(VIEW_SIZE)
        detail = TicketDetailView(role=Role.PHARMACIST, locale=locale)
        detail.resize(QSize(600, 900))
        image = QImage(VIEW_SIZE, QImage.Format.Format_ARGB32_Premultiplied)
        ward = load_ticket_keys(store)[0].ward_id or ""
        filters = [
            TicketFilter(statuses=frozenset({"submitted", "approved", "in_preparation"})),
            TicketFilter(priorities=frozenset({"stat"})),
            TicketFilter(ward_ids=frozenset({ward})),
            TicketFilter(submitted_from=now - timedelta(days=7)),
            TicketFilter(),
        ]
        try:
            view.show()
            model.set_filter(TicketFilter())  # the sorted list is built once, as when the screen opens
            filtering = []
            for round_number in range(bench.repeat):
                model.invalidate()  # no row read before: this filter's page comes from SQLite
                started = time.perf_counter()
                model.set_filter(filters[round_number % len(filters)])
                for row in range(min(40, model.rowCount())):
                    model.data(model.index(row, 0))
                model._request_wanted()  # the view's page of rows, read as the store worker would
                for batch in wanted:
                    model.deliver_rows(ticket_rows(store, batch))
                wanted.clear()
                _render(view, image)
                filtering.append(time.perf_counter() - started)

            ids = index.select(TicketFilter())
            opening = []
            detail.show()
            for round_number in range(bench.repeat):
                ticket_id = uuid.UUID(ids[(round_number * 997) % len(ids)])
                started = time.perf_counter()
                ticket = load_ticket(store, ticket_id, role=Role.PHARMACIST)
                detail.show_ticket(ticket, ward_name="W3 · Internal Medicine")
                detail.render(image)
                opening.append(time.perf_counter() - started)
        finally:
            view.close()
            detail.close()
            view.deleteLater()
            detail.deleteLater()
            store.close()
    return {
        "ticket_filter_ms": _ms(statistics.median(filtering)),
        "ticket_open_ms": _ms(statistics.median(opening)),
    }


# The timed child of sign_in_to_first_screen_s: what desktop/app.py:main() does up to the sign-in window,
# then a click on "Sign in" (argv: server URL, data folder, user, password); prints the seconds to the
# first screen loaded.
FIRST_SCREEN_CHILD = """
import json, os, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[5])
from desktop.app import preload_without_qt
preload_without_qt()
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication
from desktop.ops.background import Executors
from desktop.ops.session import TokenVault
from desktop.settings import DesktopSettings
from desktop.ui.shell.flow import ShellFlow
from desktop.ui.shell.translations import install_translations
from desktop.ui.theme import configure_high_dpi
server, data_dir, username, password = sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4]
configure_high_dpi()
app = QApplication([])
settings = DesktopSettings(QSettings(str(data_dir / "settings.ini"), QSettings.Format.IniFormat))
translators = install_translations(app, "en", cache_dir=data_dir / "qm")
flow = ShellFlow(settings=settings, vault=TokenVault(), executors=Executors(), data_dir=data_dir,
                 server_url=server)
window = flow.show_sign_in()
window.fill(username=username, password=password)
app.processEvents()
started = time.perf_counter()
window.submit()
deadline = started + 60
def first_screen_yet():
    main = flow.main_window
    screen = main.screen_widgets.get("tickets") if main is not None else None
    if screen is not None and main.isVisible() and screen.count.text():
        screen.repaint()
        print(json.dumps({"seconds": time.perf_counter() - started}), flush=True)
        os._exit(0)
    if time.perf_counter() > deadline:
        print("the first screen never showed", file=sys.stderr, flush=True)
        os._exit(1)
poll = QTimer()
poll.timeout.connect(first_screen_yet)
poll.start(2)
app.exec()
"""


def measure_first_screen(bench: Bench, *, repeat: int = 5) -> dict[str, float]:
    """sign_in_to_first_screen_s: a fresh process and data folder, the real server, a nurse signing in."""
    import subprocess
    import tempfile

    import psycopg
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from bench.server import running_server
    from bench.sync import ADMIN_URL, fresh_database
    from sync_server.auth.models import User, UserWard
    from sync_server.auth.passwords import hash_password
    from sync_server.core.migrations import upgrade
    from sync_server.directory.models import Ward

    url = fresh_database()
    password = "bench first screen 2026"
    try:
        upgrade(url)
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        with Session(engine) as session, session.begin():
            ward = Ward(code="W1", name="Ward 1")
            session.add(ward)
            session.flush()
            nurse = User(username="bench-nurse", full_name="Bench Nurse", role="nurse",
                         password_hash=hash_password(password),
                         wards=[UserWard(ward_id=ward.id)])  # fmt: skip
            session.add(nurse)
        engine.dispose()
        times = []
        with running_server(url) as (_process, base):
            for _ in range(repeat):
                with tempfile.TemporaryDirectory(prefix="warddesk-first-screen-") as folder:
                    done = subprocess.run(
                        [sys.executable, "-c", FIRST_SCREEN_CHILD, base, folder, "bench-nurse", password,
                         str(REPO)],
                        capture_output=True, text=True, timeout=120,
                        env=dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen")),
                    )  # fmt: skip
                if done.returncode != 0 or '"seconds"' not in done.stdout:
                    raise RuntimeError(f"sign-in to first screen failed: {done.stdout}\n{done.stderr}")
                times.append(json.loads(done.stdout.strip().splitlines()[-1])["seconds"])
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    return {"sign_in_to_first_screen_s": round(statistics.median(times), 3)}


MEASUREMENTS: list[Callable[[Bench], dict[str, float]]] = [
    measure_calendar,
    measure_cold_start,
    measure_first_screen,
    measure_tickets,
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=31)
    parser.add_argument("--only", help="one measurement, e.g. first_screen or cold_start")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    bench = Bench(app=app, repeat=args.repeat)  # type: ignore[arg-type]
    results: dict[str, float] = {}
    for measure in MEASUREMENTS:
        if args.only is None or measure.__name__ == f"measure_{args.only}":
            results.update(measure(bench))
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
