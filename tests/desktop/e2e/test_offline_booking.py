"""End to end, with the REAL sync server and PostgreSQL: two schedulers' desktops race for one slot.

One scheduler books offline (the network is cut on her workstation); the other books the same slot
online and gets it. When the first reconnects, the server's booking saga refuses her request: her
calendar shows it rejected, the details dialog says why and offers the next free slots, and booking one
of them works. PostgreSQL holds no double booking at any point.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import keyring.backends.fail
import pytest
from PySide6.QtCore import QLocale, Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from desktop.ops.background import Executors
from desktop.ops.booking import BookingDesk, CalendarRights
from desktop.ops.calendar_query import StoreCalendarQuery
from desktop.ops.session import DesktopContext, DesktopSession, SyncRunner, TokenVault, sign_in
from desktop.sync import Connection
from desktop.ui.calendar.appointment_dialogs import AppointmentDetailsDialog
from desktop.ui.calendar.booking_dialog import BookingDialog
from desktop.ui.calendar.screen import CalendarScreen
from shared.booking import AppointmentStatus
from shared.protocol import Entity
from shared.roles import Role
from sync_server.auth.models import User
from sync_server.core.db import transaction
from sync_server.directory.feed import record_availability, record_directory
from sync_server.directory.models import AvailabilityRule, Doctor, Patient
from tests.conftest import PASSWORD

LISBON = ZoneInfo("Europe/Lisbon")


class NetworkCable(httpx.BaseTransport):
    """The workstation's network: real HTTP, except while unplugged (then every request fails to connect)."""

    def __init__(self) -> None:
        self.plugged_in = True
        self._real = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not self.plugged_in:
            raise httpx.ConnectError("network unreachable", request=request)
        return self._real.handle_request(request)

    def close(self) -> None:
        self._real.close()


class Desktop:
    """A scheduler's WardDesk: signed in for real, its own cache, a sync engine driven by the test."""

    def __init__(self, *, server_url: str, user: User, data_dir: Path, executors: Executors) -> None:
        self.cable = NetworkCable()
        self.session: DesktopSession = sign_in(
            server_url=server_url,
            username=user.username,
            password=PASSWORD,
            vault=TokenVault(keyring.backends.fail.Keyring()),
            data_dir=data_dir,
            transport=self.cable,
        )
        self.sync = SyncRunner(self.session, executors=executors, transport=self.cable, long_poll_seconds=1)
        self.context = DesktopContext(
            store=self.session.store,
            executors=executors,
            sync=self.sync,
            user=self.session.user,
            server_url=server_url,
        )

    @property
    def store(self):  # type: ignore[no-untyped-def]
        return self.session.store

    def sync_once(self) -> Connection:
        return self.sync.engine.sync_once().state

    def sync_until(self, done: Callable[[], bool], *, seconds: float = 15) -> None:
        """Sync until `done()` (the booking saga runs on the server after the push is answered)."""
        deadline = time.monotonic() + seconds
        while True:
            assert self.sync_once() is Connection.ONLINE
            if done():
                return
            assert time.monotonic() < deadline, "the server's answer never arrived"
            time.sleep(0.1)

    def status_of(self, appointment_id: uuid.UUID) -> str | None:
        record = self.store.record(Entity.APPOINTMENT, appointment_id)
        return None if record is None or record.pending else str(record.data["status"])

    def close(self) -> None:
        self.sync.stop()
        self.session.close()
        self.cable.close()


@pytest.fixture
def clinic(session_factory: sessionmaker[Session], doctor: Doctor) -> dict[str, uuid.UUID]:
    """Dr. Ana Costa sees patients every day 08:00-18:00 Lisbon time; two patients are registered."""
    with transaction(session_factory) as session:
        cardiologist = session.get(Doctor, doctor.id)
        assert cardiologist is not None
        cardiologist.rules = [
            AvailabilityRule(weekday=day, starts=clock(8), ends=clock(18)) for day in range(1, 8)
        ]
        maria = Patient(mrn="MRN-0041", full_name="Maria Fernandes", birth_date=date(1961, 4, 2))
        joao = Patient(mrn="MRN-0042", full_name="João Carvalho", birth_date=date(1975, 9, 30))
        session.add_all([maria, joao])
        session.flush()
        # Inserted directly: put them on the sync feed as the directory service would.
        for record in (cardiologist, maria, joao):
            record_directory(session, record)
        record_availability(session, cardiologist)
    return {"doctor": doctor.id, "maria": maria.id, "joao": joao.id}


@pytest.fixture
def desktops(
    qapp: object, server_url: str, make_user: Callable[..., User], tmp_path: Path
) -> Iterator[Callable[[str], Desktop]]:
    executors = Executors()
    failures: list[BaseException] = []
    executors.on_unhandled = failures.append
    opened: list[Desktop] = []

    def _open(name: str) -> Desktop:
        user = make_user(Role.SCHEDULER, username=name)
        opened.append(
            Desktop(server_url=server_url, user=user, data_dir=tmp_path / name, executors=executors)
        )
        return opened[-1]

    yield _open
    for desktop in opened:
        desktop.close()
    executors.shutdown()
    assert not failures, f"a background operation failed: {failures!r}"


def double_bookings(engine: Engine) -> int:
    """Pairs of appointments taking the same doctor's time at once, as PostgreSQL holds them."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM appointments a JOIN appointments b"
                    " ON a.doctor_id = b.doctor_id AND a.id < b.id"
                    " AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)"
                    " WHERE a.status IN ('held', 'confirmed') AND b.status IN ('held', 'confirmed')"
                )
            ).scalar_one()
        )


def test_an_offline_booking_that_loses_the_slot_ends_rejected_with_alternatives_and_no_double_booking(
    qtbot: QtBot,
    desktops: Callable[[str], Desktop],
    clinic: dict[str, uuid.UUID],
    engine: Engine,
) -> None:
    ward_pc, front_desk = desktops("sched.ward"), desktops("sched.front")
    for desktop in (ward_pc, front_desk):
        assert desktop.sync_once() is Connection.ONLINE  # the initial sync brings doctors and patients
    slot = datetime.combine(datetime.now(LISBON).date() + timedelta(days=2), clock(10), tzinfo=LISBON)
    slot_utc = slot.astimezone(UTC)

    # The ward PC loses the network; its scheduler books Maria at 10:00 from the calendar.
    screen = CalendarScreen(
        ward_pc.context, locale=QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)
    )
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitUntil(lambda: screen.ready_to_book, timeout=10_000)
    screen.set_mode("week")
    assert screen.page is not None
    screen.page.show_date(slot.date())
    ward_pc.cable.plugged_in = False
    assert ward_pc.sync_once() is Connection.OFFLINE
    with qtbot.waitSignal(screen.dialogOpened, timeout=5000) as opened:
        screen.page.canvas.slotActivated.emit(clinic["doctor"], slot_utc)
    dialog = opened.args[0]
    assert isinstance(dialog, BookingDialog)
    assert "will be confirmed when the server answers" in dialog.offline_notice.text()
    qtbot.keyClicks(dialog.patient_edit, "MRN-0041")
    assert dialog.patient is not None and dialog.patient.full_name == "Maria Fernandes"
    with qtbot.waitSignal(screen.changed, timeout=5000) as booked:
        qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
    offline_booking = booked.args[0]
    qtbot.waitUntil(lambda: offline_booking in {i.id for i in screen.page.model.items()}, timeout=5000)  # type: ignore[union-attr]
    (shown,) = [i for i in screen.page.model.items() if i.id == offline_booking]
    assert shown.status is AppointmentStatus.REQUESTED and shown.pending

    # Meanwhile the front desk, online, books João into the same slot and gets it.
    front = BookingDesk(StoreCalendarQuery(front_desk.store), CalendarRights(Role.SCHEDULER))
    online_booking = front.book(
        doctor_id=clinic["doctor"], patient_id=clinic["joao"], starts_at=slot_utc, duration_minutes=20
    )
    front_desk.sync_until(lambda: front_desk.status_of(online_booking) == "confirmed")

    # The ward PC is plugged in again: its request reaches the server, which refuses it.
    ward_pc.cable.plugged_in = True
    ward_pc.sync_until(lambda: ward_pc.status_of(offline_booking) == "rejected")
    qtbot.waitUntil(
        lambda: any(
            i.id == offline_booking and i.status is AppointmentStatus.REJECTED
            for i in screen.page.model.items()  # type: ignore[union-attr]
        ),
        timeout=5000,
    )

    with qtbot.waitSignal(screen.dialogOpened, timeout=5000) as opened:
        screen.page.canvas.appointmentActivated.emit(offline_booking)
    details = opened.args[0]
    assert isinstance(details, AppointmentDetailsDialog)
    assert details.refusal_box.isVisibleTo(details)
    assert details.refusal.text().startswith("Someone else booked this time first.")
    offered = [slot.starts_at for slot in details.details.alternatives]
    assert offered and all(start > slot_utc for start in offered)
    assert len(details.alternative_buttons) == len(offered)

    # One click books the first time offered instead; the server confirms it.
    with qtbot.waitSignal(screen.changed, timeout=5000) as rebooked:
        qtbot.mouseClick(details.alternative_buttons[0], Qt.MouseButton.LeftButton)
    instead = rebooked.args[0]
    ward_pc.sync_until(lambda: ward_pc.status_of(instead) == "confirmed")
    record = ward_pc.store.record(Entity.APPOINTMENT, instead)
    assert record is not None and datetime.fromisoformat(record.data["starts_at"]) == offered[0]

    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, patient_id, status FROM appointments WHERE doctor_id = :d ORDER BY starts_at"),
            {"d": clinic["doctor"]},
        ).all()
    statuses = {row.id: (row.patient_id, row.status) for row in rows}
    assert statuses[online_booking] == (clinic["joao"], "confirmed")
    assert statuses[offline_booking] == (clinic["maria"], "rejected")
    assert statuses[instead] == (clinic["maria"], "confirmed")
    assert double_bookings(engine) == 0
