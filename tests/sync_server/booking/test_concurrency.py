"""Many desks booking overlapping slots of one doctor and one room at the same moment."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from shared.roles import Role
from sync_server.booking import service as rules
from sync_server.booking.models import Appointment, BookingSaga, SagaKind
from sync_server.booking.saga import SagaEngine
from sync_server.booking.schemas import BookingRequest
from sync_server.core.db import transaction
from tests.sync_server.booking.conftest import as_actor, at, booking_settings, double_bookings

DESKS = 24


def test_racing_bookings_never_double_book_a_doctor_a_room_or_a_patient_and_all_end(
    session_factory, clinic, make_user
):
    scheduler = as_actor(make_user(Role.SCHEDULER))
    engine = SagaEngine(booking_settings())
    # Twelve 20-minute requests ten minutes apart, each wanted twice: neighbours overlap, so do twins.
    # A third of them ask for the other doctor in the same room.
    requests = [
        BookingRequest(
            doctor_id=(clinic.other_doctor if n % 3 == 0 else clinic.doctor).id,
            patient_id=clinic.patients[n % 3].id,
            room_id=clinic.room.id,
            starts_at=at(9) + timedelta(minutes=10 * (n // 2)),
            duration_minutes=20,
        )
        for n in range(DESKS)
    ]
    start_line = threading.Barrier(DESKS)
    failures: list[BaseException] = []

    def desk(body: BookingRequest) -> None:
        session = session_factory()
        try:
            start_line.wait(timeout=10)
            payload, refusal = rules.plan_booking(session, actor=scheduler, body=body, now=datetime.now(UTC))
            saga = engine.begin(
                session,
                kind=SagaKind.BOOK,
                payload=payload,
                started_by=scheduler.user_id,
                client_request_id=None,
                refusal=refusal,
            )
            session.commit()
            engine.drive(session, saga, deadline=time.monotonic() + 10)
        except BaseException as exc:  # reported below, with the outcome checks
            failures.append(exc)
        finally:
            session.close()

    threads = [threading.Thread(target=desk, args=(body,)) for body in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert double_bookings(session_factory) == {"doctor_id": 0, "room_id": 0, "patient_id": 0}
    with transaction(session_factory) as session:
        sagas = list(session.scalars(select(BookingSaga)))
        statuses = list(session.scalars(select(Appointment.status)))
    assert len(sagas) == DESKS
    assert {s.status for s in sagas} <= {"succeeded", "compensated"}
    assert len(statuses) == DESKS
    assert set(statuses) == {"confirmed", "rejected"}
    assert statuses.count("confirmed") == sum(s.status == "succeeded" for s in sagas)
    assert {s.outcome["reason_code"] for s in sagas if s.status == "compensated"} <= {
        "slot_taken",
        "patient_double_booked",
    }
