"""The patient screen over a real cache: the timeline pages from the cache as it scrolls and filters by kind,
a doctor's note written offline shows at once and survives a restart, the desk's amounts stay with the desk,
the payment dialog refuses amounts that are not money."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from desktop.store import LocalStore
from desktop.store.history import PatientHistory, Waiting
from desktop.sync import SyncStatus
from desktop.ui.patient.dialogs import NoteDialog, PaymentDialog
from desktop.ui.patient.screen import PatientScreen, PatientsScreen
from desktop.ui.patient.timeline import EntryRole
from shared.history import HistoryKind
from shared.payments import PaymentMethod
from shared.protocol import MutationName
from shared.roles import Role
from tests.desktop.calendar.conftest import SERVER, answer_push
from tests.desktop.patient.conftest import (
    CARDIOLOGIST,
    MARIA,
    T0,
    history_entry,
    ledger_row,
    many_entries,
    pulled,
    server_appointment,
)

TODAY = date(2026, 3, 20)


def open_screen(qtbot: QtBot, station, locale: QLocale, patient_id: uuid.UUID = MARIA) -> PatientScreen:  # type: ignore[no-untyped-def]
    screen = PatientScreen(station.context, today=lambda: TODAY, locale=locale)
    qtbot.addWidget(screen)
    with qtbot.waitSignal(screen.patientShown, timeout=5000):
        screen.open_patient(patient_id)
    return screen


def titles(screen: PatientScreen) -> list[str]:
    model = screen.timeline_model
    return [model.index(row).data(EntryRole).title for row in range(model.rowCount())]


def test_the_timeline_shows_the_newest_page_first_and_fetches_older_pages_as_it_scrolls(
    qtbot: QtBot,
    workstation,
    english: QLocale,  # type: ignore[no-untyped-def]
) -> None:
    station = workstation(Role.DOCTOR, doctor_id=CARDIOLOGIST)
    pulled(station.store, many_entries(MARIA, 120))
    screen = open_screen(qtbot, station, english)
    model = screen.timeline_model

    assert titles(screen) == [f"Entry {n}" for n in range(119, 69, -1)]  # the newest 50
    assert model.canFetchMore(model.index(-1))
    with qtbot.waitSignal(model.pageShown, timeout=5000):
        model.fetchMore(model.index(-1))
    assert titles(screen)[50:] == [f"Entry {n}" for n in range(69, 19, -1)]  # appended, not reloaded
    with qtbot.waitSignal(model.pageShown, timeout=5000):
        model.fetchMore(model.index(-1))
    assert titles(screen) == [f"Entry {n}" for n in range(119, -1, -1)]
    assert not model.canFetchMore(model.index(-1))


def test_the_list_view_asks_for_the_next_page_when_scrolled_to_the_end(
    qtbot: QtBot,
    workstation,
    english: QLocale,  # type: ignore[no-untyped-def]
) -> None:
    station = workstation(Role.DOCTOR, doctor_id=CARDIOLOGIST)
    pulled(station.store, many_entries(MARIA, 120))
    screen = open_screen(qtbot, station, english)
    screen.resize(900, 600)
    screen.show()
    qtbot.waitExposed(screen)
    with qtbot.waitSignal(screen.timeline_model.pageShown, timeout=5000):
        screen.timeline.scrollToBottom()
        bar = screen.timeline.verticalScrollBar()
        bar.setValue(bar.maximum())
    assert screen.timeline_model.rowCount() > 50


def test_the_kind_filter_pages_only_that_kind_from_the_cache(
    qtbot: QtBot,
    workstation,
    english: QLocale,  # type: ignore[no-untyped-def]
) -> None:
    station = workstation(Role.DOCTOR, doctor_id=CARDIOLOGIST)
    pulled(station.store, many_entries(MARIA, 300))  # 60 of each kind
    pulled(station.store, many_entries(uuid.uuid4(), 20))  # someone else's history stays out
    screen = open_screen(qtbot, station, english)
    model = screen.timeline_model

    with qtbot.waitSignal(model.pageShown, timeout=5000):
        screen.kind.setCurrentIndex(screen.kind.findData(HistoryKind.NOTE))
    shown = [model.index(row).data(EntryRole) for row in range(model.rowCount())]
    assert len(shown) == 50 and {entry.kind for entry in shown} == {HistoryKind.NOTE}
    assert shown[0].title == "Entry 298"  # 298 = 59 * 5 + 3: the newest note
    with qtbot.waitSignal(model.pageShown, timeout=5000):
        model.fetchMore(model.index(-1))
    assert model.rowCount() == 60 and not model.canFetchMore(model.index(-1))


def test_the_timeline_model_passes_the_model_tester(
    qtbot: QtBot,
    qtmodeltester,
    workstation,
    english: QLocale,  # type: ignore[no-untyped-def]
) -> None:
    station = workstation(Role.DOCTOR, doctor_id=CARDIOLOGIST)
    pulled(station.store, many_entries(MARIA, 60))
    screen = open_screen(qtbot, station, english)
    qtmodeltester.check(screen.timeline_model, force_py=True)


def test_the_header_shows_the_birth_date_with_its_four_digit_year_and_the_age(
    qtbot: QtBot,
    workstation,
    brazil: QLocale,  # type: ignore[no-untyped-def]
) -> None:
    station = workstation(Role.NURSE)
    screen = open_screen(qtbot, station, brazil)
    assert screen.name.text() == "Maria Fernandes"
    assert "01/05/1970" in screen.facts.text() and "55" in screen.facts.text()
    assert "MRN-0041" in screen.facts.text()


def write_note(qtbot: QtBot, screen: PatientScreen, text: str) -> None:
    screen.add_note()
    dialog = screen.dialog
    assert isinstance(dialog, NoteDialog)
    dialog.body.setPlainText(text)
    with qtbot.waitSignal(screen.timeline_model.pageShown, timeout=5000):
        dialog.accept()


def test_a_note_written_offline_shows_at_once_as_waiting_and_survives_a_restart(
    qtbot: QtBot,
    workstation,
    english: QLocale,  # type: ignore[no-untyped-def]
) -> None:
    station = workstation(Role.DOCTOR, doctor_id=CARDIOLOGIST)
    pulled(station.store, many_entries(MARIA, 10))
    screen = open_screen(qtbot, station, english)

    write_note(qtbot, screen, "BP 150/95; start amlodipine 5 mg.")

    top = screen.timeline_model.index(0)
    assert top.data(EntryRole).waiting == Waiting.QUEUED
    assert "waiting to sync" in top.data()
    assert "BP 150/95; start amlodipine 5 mg." in top.data()
    (queued,) = station.store.mutations_to_push()
    assert queued.name is MutationName.HISTORY_NOTE_ADD
    assert queued.payload == {
        "patient_id": str(MARIA),
        "noted_on": TODAY.isoformat(),
        "text": "BP 150/95; start amlodipine 5 mg.",
    }

    path = station.store.path
    station.store.close()
    reopened = LocalStore.open_for_user(
        server_url=SERVER, username=station.user.username, data_dir=path.parents[3]
    )
    try:
        assert reopened.path == path
        (first, *_) = PatientHistory(reopened).page(MARIA).entries
        assert first.waiting == Waiting.QUEUED and first.summary == "BP 150/95; start amlodipine 5 mg."
    finally:
        reopened.close()
        station.store = LocalStore.open_for_user(
            server_url=SERVER, username=station.user.username, data_dir=path.parents[3]
        )


def test_the_servers_entry_replaces_the_waiting_note_once_pulled(
    qtbot: QtBot,
    workstation,
    english: QLocale,  # type: ignore[no-untyped-def]
) -> None:
    station = workstation(Role.DOCTOR, doctor_id=CARDIOLOGIST)
    screen = open_screen(qtbot, station, english)
    write_note(qtbot, screen, "Follow-up in two weeks.")
    (queued,) = station.store.mutations_to_push()

    answer_push(station.store)  # accepted: still shown, the history entry is on its way
    sent = PatientHistory(station.store).page(MARIA).entries
    assert [entry.waiting for entry in sent] == [Waiting.SENT]

    pulled(
        station.store,
        [
            history_entry(
                MARIA,
                at=T0 + timedelta(days=1),
                kind=HistoryKind.NOTE,
                title="Note by Dr. Ana Costa",
                summary="Follow-up in two weeks.",
                subject_id=str(queued.entity_id),
                details={"text": "Follow-up in two weeks.", "noted_on": TODAY.isoformat()},
            )
        ],
        last_mutation_id=queued.mutation_id,
    )
    with qtbot.waitSignal(screen.timeline_model.pageShown, timeout=5000):
        station.sync.statusChanged.emit(SyncStatus())  # after a sync, a screen with waiting notes reads again
    assert titles(screen) == ["Note by Dr. Ana Costa"]
    assert screen.timeline_model.index(0).data(EntryRole).waiting is None


def test_an_amendment_is_a_new_entry_and_the_note_stays_as_written(
    qtbot: QtBot,
    workstation,
    english: QLocale,  # type: ignore[no-untyped-def]
) -> None:
    station = workstation(Role.DOCTOR, doctor_id=CARDIOLOGIST)
    note_id = uuid.uuid4()
    pulled(
        station.store,
        [
            history_entry(
                MARIA,
                at=T0,
                kind=HistoryKind.NOTE,
                title="Note by Dr. Ana Costa",
                subject_id=str(note_id),
                details={"text": "Allergic to penicilin.", "noted_on": "2026-03-02"},
            )
        ],
    )
    screen = open_screen(qtbot, station, english)
    screen.timeline.setCurrentIndex(screen.timeline_model.index(0))
    assert screen.amend_button.isEnabled()
    screen.amend_note()
    dialog = screen.dialog
    assert dialog is not None
    dialog.body.setPlainText("Allergic to penicillin (spelling).")  # type: ignore[attr-defined]
    dialog.accept()  # no reason yet: refused, stays open
    assert dialog.isVisible() and dialog.error.isVisible()  # type: ignore[attr-defined]
    dialog.reason.setText("Spelling of the drug")  # type: ignore[attr-defined]
    with qtbot.waitSignal(screen.timeline_model.pageShown, timeout=5000):
        dialog.accept()

    entries = screen.timeline_model.entries()
    assert [entry.waiting for entry in entries] == [Waiting.QUEUED, None]
    assert entries[0].details["amends"] == str(note_id)
    assert entries[1].details["text"] == "Allergic to penicilin."  # never edited in place
    (queued,) = station.store.mutations_to_push()
    assert (queued.name, queued.entity_id) == (MutationName.HISTORY_NOTE_AMEND, note_id)


def paid_visit(station) -> uuid.UUID:  # type: ignore[no-untyped-def]
    appointment = uuid.uuid4()
    pulled(
        station.store,
        [
            server_appointment(appointment, starts_at=T0, status="completed", fee="180.00"),
            ledger_row(appointment_id=appointment, amount="180.00", at=T0 + timedelta(minutes=30)),
            history_entry(
                MARIA,
                at=T0 + timedelta(minutes=30),
                kind=HistoryKind.PAYMENT,
                title="Consultation paid",
                details={"amount": "180.00", "currency": "BRL", "method": "cash"},
            ),
        ],
    )
    return appointment


def test_doctors_and_nurses_never_see_amounts(
    qtbot: QtBot,
    workstation,
    english: QLocale,  # type: ignore[no-untyped-def]
) -> None:
    for role, doctor in ((Role.DOCTOR, CARDIOLOGIST), (Role.NURSE, None)):
        station = workstation(role, doctor_id=doctor)
        paid_visit(station)
        screen = open_screen(qtbot, station, english)
        shown = [screen.tabs.tabText(i) for i in range(screen.tabs.count())]
        assert shown == ["&History", "&Documents"] and screen.payments is None
        model = screen.timeline_model
        (entry,) = [model.index(row).data() for row in range(model.rowCount())]
        assert "Consultation paid" in entry and "180" not in entry
        assert screen.patient is not None and screen.patient.payments is None


def test_the_desk_sees_the_visits_with_their_payments_and_amounts(
    qtbot: QtBot,
    workstation,
    english: QLocale,  # type: ignore[no-untyped-def]
) -> None:
    station = workstation(Role.SCHEDULER)
    paid_visit(station)
    screen = open_screen(qtbot, station, english)
    assert screen.payments is not None
    visit = screen.payments.topLevelItem(0)
    assert visit.text(1) == "Dr. Ana Costa" and visit.text(2) == "paid" and visit.text(3) == "fee R$ 180.00"
    assert visit.child(0).text(1) == "Payment" and visit.child(0).text(3) == "R$ 180.00"
    (entry,) = [screen.timeline_model.index(row).data() for row in range(screen.timeline_model.rowCount())]
    assert "R$ 180.00" in entry


def test_the_payment_dialog_refuses_amounts_that_are_not_money_and_says_why(
    qtbot: QtBot,
    workstation,
    english: QLocale,  # type: ignore[no-untyped-def]
) -> None:
    station = workstation(Role.SCHEDULER)
    appointment = uuid.uuid4()
    pulled(station.store, [server_appointment(appointment, starts_at=T0, fee="180.00")])
    screen = open_screen(qtbot, station, english)
    assert screen.payments is not None
    screen.payments.setCurrentItem(screen.payments.topLevelItem(0))
    screen.take_payment()
    dialog = screen.dialog
    assert isinstance(dialog, PaymentDialog)
    assert dialog.amount.text() == "180.00"  # the fee, prefilled

    for typed, says in (
        ("12,345", "without thousands separators"),
        ("12.345", "without thousands separators"),
        ("1.2345", "at most two decimal places"),
        ("abc", "must be a number"),
        ("0", "more than zero"),
        ("", "Type the amount"),
    ):
        dialog.amount.setText(typed)
        dialog.accept()
        assert dialog.isVisible() and says in dialog.error.text(), typed
    assert station.store.mutations_to_push() == []

    dialog.method.setCurrentIndex(dialog.method.findData(PaymentMethod.HEALTH_PLAN))
    dialog.amount.setText("150.5")
    dialog.accept()
    assert "authorisation number" in dialog.error.text()
    dialog.authorisation.setText("UNI-778812")
    dialog.desk.setText("Front desk 2")
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: len(station.store.mutations_to_push()) == 1, timeout=5000)
    (queued,) = station.store.mutations_to_push()
    assert queued.name is MutationName.PAYMENT_RECORD
    assert queued.payload == {
        "appointment_id": str(appointment),
        "amount": "150.50",
        "method": "health_plan",
        "authorisation_number": "UNI-778812",
        "desk": "Front desk 2",
    }
    qtbot.waitUntil(lambda: screen.payments.topLevelItem(0).childCount() == 1, timeout=5000)
    waiting = screen.payments.topLevelItem(0).child(0)
    assert waiting.text(2) == "waiting to sync" and waiting.text(3) == "R$ 150.50"


def test_a_brazilian_desk_types_the_cents_after_a_comma(
    qtbot: QtBot,
    workstation,
    brazil: QLocale,  # type: ignore[no-untyped-def]
) -> None:
    station = workstation(Role.SCHEDULER)
    appointment = uuid.uuid4()
    pulled(station.store, [server_appointment(appointment, starts_at=T0, fee="1180.00")])
    screen = open_screen(qtbot, station, brazil)
    assert screen.payments is not None
    assert screen.payments.topLevelItem(0).text(3) == "fee R$ 1.180,00"
    screen.payments.setCurrentItem(screen.payments.topLevelItem(0))
    screen.take_payment()
    dialog = screen.dialog
    assert isinstance(dialog, PaymentDialog) and dialog.amount.text() == "1180,00"
    dialog.amount.setText("1.180,00")
    dialog.accept()
    assert dialog.isVisible() and dialog.error.isVisible()
    dialog.amount.setText("1180,5")
    dialog.accept()
    qtbot.waitUntil(lambda: screen.payments.topLevelItem(0).childCount() == 1, timeout=5000)  # type: ignore[union-attr]
    assert station.store.mutations_to_push()[0].payload["amount"] == "1180.50"
    assert screen.payments.topLevelItem(0).child(0).text(3) == "R$ 1.180,50"  # type: ignore[union-attr]


def test_the_patients_screen_finds_a_patient_by_name_and_opens_them(
    qtbot: QtBot,
    workstation,
    english: QLocale,  # type: ignore[no-untyped-def]
) -> None:
    station = workstation(Role.SCHEDULER)
    screen = PatientsScreen(station.context, today=lambda: TODAY, locale=english)
    qtbot.addWidget(screen)
    with qtbot.waitSignal(screen.patient.patientShown, timeout=5000):
        screen.search("maria fer")
    assert screen.results.count() == 1 and screen.patient.name.text() == "Maria Fernandes"


def test_a_payment_amount_in_the_cache_stays_a_decimal(workstation) -> None:  # type: ignore[no-untyped-def]
    station = workstation(Role.SCHEDULER)
    appointment = paid_visit(station)
    from desktop.store.payments import DeskLedger

    (payment,) = DeskLedger(station.store).for_appointments([appointment])
    assert payment.amount == Decimal("180.00") and isinstance(payment.amount, Decimal)
