"""The patient screen and the cash report as PNGs for docs/screenshots (`make screenshots`), over a real
cache filled with a demo patient's history, visits and payments, the way the sync fills it."""

from __future__ import annotations

import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QLocale, QSize
from PySide6.QtWidgets import QApplication, QWidget

from desktop.ops.background import Executors
from desktop.ops.session import DesktopContext, DesktopSession, SignedInUser, SyncRunner
from desktop.store import LocalStore
from desktop.store.history import queue_note
from desktop.sync import SessionTokens
from desktop.ui.screenshots import render_png
from shared.history import HistoryKind, sort_key
from shared.protocol import Change, Entity, PullResponse
from shared.roles import Role

SERVER = "http://127.0.0.1:9"
ZONE = ZoneInfo("America/Sao_Paulo")
TODAY = date.today()  # a note written here is dated by the workstation's clock
PATIENT = uuid.UUID(int=0x101)
DOCTOR = uuid.UUID(int=0xD01)
VISITS = [uuid.UUID(int=0xA00 + n) for n in range(3)]
VISITED = datetime(2025, 3, 27, 13, 20, tzinfo=UTC)  # the latest visit; the others 3 and 6 weeks before

# Data, not interface text: what a hospital's cache would hold, in its language.
DATA = {
    "en": {
        "specialty": "Cardiology",
        "reasons": ["Blood pressure review", "Follow-up after discharge", "Chest pain, first visit"],
        "entries": [
            ("appointment", "Appointment booked with Dr. Ana Costa", "27/03/2025 10:20 · Follow-up"),
            ("payment", "Consultation paid at Front desk 1", ""),
            ("document", "Lab report added: lipid panel", "Results from Laboratório Central"),
            (
                "note",
                "Note by Dr. Ana Costa",
                "BP 150/95 at rest. Start amlodipine 5 mg once a day; review in 2 weeks.",
            ),
            ("appointment", "Patient attended", "Consultation with Dr. Ana Costa"),
            ("ticket", "Refill ticket names the patient", "Amlodipine 5 mg × 30, ward 3B"),
            ("appointment", "Appointment moved", "From 03/03 to 06/03, 09:40"),
        ],
        "waiting": "Patient called: dizziness in the mornings. Lower the dose to 2.5 mg if it persists.",
        "desks": ["Front desk 1", "Front desk 2"],
        "doctor": "Dr. Ana Costa",
    },
    "pt_BR": {
        "specialty": "Cardiologia",
        "reasons": ["Controle da pressão", "Retorno após alta", "Dor torácica, primeira consulta"],
        "entries": [
            ("appointment", "Consulta marcada com Dra. Ana Costa", "27/03/2025 10:20 · Retorno"),
            ("payment", "Consulta paga no Guichê 1", ""),
            ("document", "Laudo adicionado: perfil lipídico", "Resultados do Laboratório Central"),
            (
                "note",
                "Nota da Dra. Ana Costa",
                "PA 150/95 em repouso. Iniciar anlodipino 5 mg 1x/dia; reavaliar em 2 semanas.",
            ),
            ("appointment", "Paciente compareceu", "Consulta com Dra. Ana Costa"),
            ("ticket", "Pedido de reposição cita a paciente", "Anlodipino 5 mg × 30, ala 3B"),
            ("appointment", "Consulta remarcada", "De 03/03 para 06/03, 09:40"),
        ],
        "waiting": "Paciente ligou: tontura pela manhã. Reduzir para 2,5 mg se persistir.",
        "desks": ["Guichê 1", "Guichê 2"],
        "doctor": "Dra. Ana Costa",
    },
}


def _change(entity: Entity, record_id: uuid.UUID, version: int, data: dict[str, Any]) -> Change:
    return Change(entity=entity, id=record_id, version=version, data={"id": str(record_id), **data})


def _demo_changes(language: str) -> list[Change]:
    data = DATA[language]
    at = VISITED
    changes = [
        _change(
            Entity.PATIENT,
            PATIENT,
            1,
            {
                "full_name": "Maria Fernandes",
                "mrn": "MRN-001041",
                "birth_date": "1958-04-12",
                "phone": "+55 11 98765-4321",
                "email": "maria.fernandes@example.org",
            },
        ),
        _change(
            Entity.DOCTOR,
            DOCTOR,
            1,
            {
                "full_name": data["doctor"],
                "specialty": data["specialty"],
                "time_zone": "America/Sao_Paulo",
                "default_slot_minutes": 20,
                "active": True,
                "fee": "180.00",
            },
        ),
    ]
    for n, visit in enumerate(VISITS):
        starts = at - timedelta(days=21 * n)
        changes.append(
            _change(
                Entity.APPOINTMENT,
                visit,
                2,
                {
                    "doctor_id": str(DOCTOR),
                    "patient_id": str(PATIENT),
                    "room_id": None,
                    "starts_at": starts.isoformat(),
                    "ends_at": (starts + timedelta(minutes=20)).isoformat(),
                    "status": "confirmed" if n == 0 else "completed",
                    "reason": data["reasons"][n],
                },
            )
        )
    paid = uuid.UUID(int=0xB01)
    for row_id, visit, amount, method, desk, kind, minutes, refunded in (
        (paid, VISITS[1], "180.00", "card", data["desks"][0], "payment", 40, "30.00"),
        (uuid.UUID(int=0xB02), VISITS[1], "30.00", "card", data["desks"][0], "refund", 300, "0.00"),
        (uuid.UUID(int=0xB03), VISITS[2], "250.00", "health_plan", data["desks"][1], "payment", 30, "0.00"),
    ):
        recorded = at - timedelta(days=21 * VISITS.index(visit)) + timedelta(minutes=minutes)
        changes.append(
            _change(
                Entity.PAYMENT,
                row_id,
                3,
                {
                    "entry_type": kind,
                    "payment_id": str(paid if kind == "refund" else row_id),
                    "appointment_id": str(visit),
                    "patient_id": str(PATIENT),
                    "doctor_id": str(DOCTOR),
                    "amount": amount,
                    "currency": "BRL",
                    "method": method,
                    "authorisation_number": "UNI-778812" if method == "health_plan" else None,
                    "desk": desk,
                    "recorded_by": str(uuid.UUID(int=0xE01)),
                    "recorded_at": recorded.isoformat(),
                    "reason": data["reasons"][0] if kind == "refund" else None,
                    "refunded": refunded,
                },
            )
        )
    for n, (kind, title, summary) in enumerate(data["entries"]):
        event = uuid.UUID(int=0xC00 + n)
        when = at - timedelta(days=4 * n, hours=n)
        details: dict[str, Any] = {"amount": "180.00", "method": "card"} if kind == "payment" else {}
        if kind == "note":
            details = {"text": summary, "noted_on": when.date().isoformat()}
        changes.append(
            _change(
                Entity.HISTORY_ENTRY,
                event,
                4 + n,
                {
                    "patient_id": str(PATIENT),
                    "sort_key": sort_key(when, event),
                    "event_id": str(event),
                    "event_type": f"{kind}.recorded",
                    "kind": HistoryKind(kind).value,
                    "occurred_at": when.isoformat(),
                    "title": title,
                    "summary": summary,
                    "subject_id": str(event),
                    "author_id": None,
                    "author_name": data["doctor"] if kind == "note" else None,
                    "details": details,
                },
            )
        )
    return changes


@contextmanager
def demo_workstation(folder: Path, *, role: Role, language: str) -> Iterator[DesktopContext]:
    """A signed-in `role` on an offline workstation whose cache holds the demo patient."""
    store = LocalStore.open_for_user(server_url=SERVER, username=f"{role.value}.demo", data_dir=folder)
    store.apply_pull(
        PullResponse(
            changes=_demo_changes(language),
            cursor="demo",
            has_more=False,
            last_mutation_id=0,
            server_time=datetime.now(UTC),
        )
    )
    executors = Executors()
    user = SignedInUser(
        id=uuid.uuid4(), username=f"{role.value}.demo", full_name="Demo", role=role, doctor_id=DOCTOR
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
    try:
        yield DesktopContext(
            store=store, executors=executors, sync=sync, user=user, server_url=SERVER, offline=True
        )
    finally:
        sync.stop()
        executors.shutdown()
        tokens.close()
        store.close()


def _settle(widget: QWidget, until: Any) -> None:
    app = QApplication.instance()
    assert app is not None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        app.processEvents()
        if until():
            app.processEvents()
            return
        time.sleep(0.005)
    raise RuntimeError(f"{type(widget).__name__} did not finish loading")


def render_patient(output: Path, *, language: str, locale: QLocale) -> list[Path]:
    """The patient screen: a doctor's timeline (with a note waiting to sync), the desk's payments, and the
    day's cash report."""
    from desktop.ui.patient.cash_report import CashReportScreen
    from desktop.ui.patient.screen import PatientsScreen

    written: list[Path] = []
    with tempfile.TemporaryDirectory() as folder:
        with demo_workstation(Path(folder) / "doctor", role=Role.DOCTOR, language=language) as context:
            queue_note(context.store, patient_id=PATIENT, noted_on=TODAY, text=DATA[language]["waiting"])
            screen = PatientsScreen(context, today=lambda: TODAY, locale=locale)
            try:
                screen.search_box.setText("maria")
                screen.open_patient(PATIENT)
                _settle(
                    screen,
                    lambda: screen.patient.timeline_model.rowCount() > 0 and screen.results.count() > 0,
                )
                written.append(
                    render_png(screen, output / f"patient_history_{language}.png", size=QSize(1366, 768))
                )
            finally:
                screen.close()
                screen.deleteLater()
        with demo_workstation(Path(folder) / "desk", role=Role.SCHEDULER, language=language) as context:
            screen = PatientsScreen(context, today=lambda: TODAY, locale=locale)
            try:
                screen.search_box.setText("maria")
                screen.open_patient(PATIENT)
                patient = screen.patient
                _settle(
                    screen,
                    lambda: (
                        patient.payments is not None
                        and patient.payments.topLevelItemCount() > 1
                        and screen.results.count() > 0
                    ),
                )
                patient.tabs.setCurrentIndex(2)
                assert patient.payments is not None
                patient.payments.setCurrentItem(patient.payments.topLevelItem(1).child(0))
                written.append(
                    render_png(screen, output / f"patient_payments_{language}.png", size=QSize(1366, 768))
                )
            finally:
                screen.close()
                screen.deleteLater()
            # The day of the visit paid by card and partly refunded, and the plan's payment of another.
            paid_on = (VISITED - timedelta(days=21)).astimezone(ZONE).date()
            report = CashReportScreen(context, today=lambda: paid_on, zone=ZONE, locale=locale)
            try:
                _settle(report, lambda: report.report is not None and report.report.lines != [])
                written.append(
                    render_png(report, output / f"cash_report_{language}.png", size=QSize(1166, 420))
                )
            finally:
                report.close()
                report.deleteLater()
    return written
