"""The booking saga's recovery: expired holds are released, temporary failures retried, crashed
executors' sagas finished by any replica, and every saga ends."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from shared.roles import Role
from sync_server.booking import saga as saga_module
from sync_server.booking import service as rules
from sync_server.booking.models import Appointment, BookingSaga, SagaKind
from sync_server.booking.recovery import SagaRunner
from sync_server.booking.saga import Progress, SagaEngine
from sync_server.booking.schemas import BookingRequest
from sync_server.core.db import transaction
from tests.sync_server.booking.conftest import (
    as_actor,
    at,
    booking_settings,
    double_bookings,
    events,
)


@pytest.fixture
def scheduler(make_user):  # type: ignore[no-untyped-def]
    return as_actor(make_user(Role.SCHEDULER))


def start_booking(factory: sessionmaker[Session], engine: SagaEngine, actor, clinic, *, start, patient=0):  # type: ignore[no-untyped-def]
    """The validate step, as the API runs it: the saga is committed, leased to `engine`."""
    session = factory()
    body = BookingRequest(doctor_id=clinic.doctor.id, patient_id=clinic.patients[patient].id, starts_at=start)
    payload, refusal = rules.plan_booking(session, actor=actor, body=body, now=datetime.now(UTC))
    saga = engine.begin(
        session,
        kind=SagaKind.BOOK,
        payload=payload,
        started_by=actor.user_id,
        client_request_id=None,
        refusal=refusal,
    )
    session.commit()
    return session, saga


def executor_dies(factory: sessionmaker[Session]) -> None:
    """What a crash leaves: leases that run out with nobody renewing them."""
    with transaction(factory) as session:
        session.execute(text("UPDATE booking_sagas SET lease_expires_at = now() - interval '1 second'"))


def saga_states(factory: sessionmaker[Session]) -> list[tuple[str, str]]:
    with transaction(factory) as session:
        return [
            (s.status, s.step) for s in session.scalars(select(BookingSaga).order_by(BookingSaga.created_at))
        ]


def appointment_statuses(factory: sessionmaker[Session]) -> list[str]:
    with transaction(factory) as session:
        return sorted(session.scalars(select(Appointment.status)))


def test_a_hold_left_by_a_crashed_executor_is_confirmed_by_the_runner_while_it_is_valid(
    session_factory, clinic, scheduler
):
    engine = SagaEngine(booking_settings())
    session, saga = start_booking(session_factory, engine, scheduler, clinic, start=at(9))
    assert engine.advance(session, saga) is Progress.ADVANCED  # hold done; then the executor dies
    session.close()
    executor_dies(session_factory)

    SagaRunner(session_factory, SagaEngine(booking_settings())).run_until_idle()

    assert saga_states(session_factory) == [("succeeded", "done")]
    assert len(events(session_factory, "appointment.confirmed")) == 1


def test_an_expired_hold_is_released_by_compensation_and_the_slot_is_free_again(
    session_factory, clinic, scheduler
):
    engine = SagaEngine(booking_settings())
    session, saga = start_booking(session_factory, engine, scheduler, clinic, start=at(9))
    engine.advance(session, saga)
    session.close()
    with transaction(session_factory) as s:
        s.execute(text("UPDATE appointments SET hold_expires_at = now() - interval '1 second'"))
    executor_dies(session_factory)

    SagaRunner(session_factory, SagaEngine(booking_settings())).run_until_idle()

    assert saga_states(session_factory) == [("compensated", "released")]
    [rejected] = events(session_factory, "appointment.rejected")
    assert rejected.payload["reason_code"] == "hold_expired"
    assert appointment_statuses(session_factory) == ["rejected"]
    again, retry = start_booking(session_factory, engine, scheduler, clinic, start=at(9), patient=1)
    assert engine.drive(again, retry).status == "succeeded"


def test_a_held_appointment_without_a_live_saga_is_released_once_its_hold_expires(
    session_factory, clinic, scheduler
):
    engine = SagaEngine(booking_settings())
    session, saga = start_booking(session_factory, engine, scheduler, clinic, start=at(9))
    engine.advance(session, saga)
    session.close()
    with transaction(session_factory) as s:  # a saga that somehow ended without its hold
        s.execute(text("UPDATE booking_sagas SET status = 'failed'"))
        s.execute(text("UPDATE appointments SET hold_expires_at = now() - interval '1 second'"))

    SagaRunner(session_factory, engine).run_once()

    assert appointment_statuses(session_factory) == ["rejected"]
    assert events(session_factory, "appointment.rejected")[0].payload["reason_code"] == "hold_expired"


def test_a_temporary_failure_is_retried_until_the_step_succeeds(
    session_factory, clinic, scheduler, monkeypatch
):
    real_confirm, following = saga_module.STEPS[(SagaKind.BOOK, "confirm")]
    calls = []

    def flaky_confirm(engine, session, saga, now):  # type: ignore[no-untyped-def]
        calls.append(now)
        if len(calls) < 3:
            raise OperationalError("UPDATE appointments", {}, Exception("server closed the connection"))
        real_confirm(engine, session, saga, now)

    monkeypatch.setitem(saga_module.STEPS, (SagaKind.BOOK, "confirm"), (flaky_confirm, following))
    engine = SagaEngine(booking_settings())
    session, saga = start_booking(session_factory, engine, scheduler, clinic, start=at(9))

    ended = engine.drive(session, saga, deadline=time.monotonic() + 5)

    assert (ended.status, len(calls)) == ("succeeded", 3)
    assert appointment_statuses(session_factory) == ["confirmed"]
    assert len(events(session_factory, "appointment.confirmed")) == 1


def test_a_step_that_keeps_failing_gives_up_after_the_limit_and_releases_the_hold(
    session_factory, clinic, scheduler, monkeypatch
):
    def broken_confirm(engine, session, saga, now):  # type: ignore[no-untyped-def]
        raise OperationalError("UPDATE appointments", {}, Exception("could not obtain lock"))

    monkeypatch.setitem(saga_module.STEPS, (SagaKind.BOOK, "confirm"), (broken_confirm, None))
    engine = SagaEngine(booking_settings(booking_saga_max_attempts=3))
    session, saga = start_booking(session_factory, engine, scheduler, clinic, start=at(9))

    ended = engine.drive(session, saga, deadline=time.monotonic() + 5)

    assert (ended.status, ended.outcome["reason_code"]) == ("compensated", "booking_unavailable")
    assert appointment_statuses(session_factory) == ["rejected"]


def test_two_replicas_recover_the_same_backlog_without_doing_any_step_twice(
    session_factory, clinic, scheduler
):
    crashed = SagaEngine(booking_settings())
    for n in range(12):
        session, saga = start_booking(
            session_factory,
            crashed,
            scheduler,
            clinic,
            start=at(8, 0) + n * (at(8, 20) - at(8)),
            patient=n % 3,
        )
        if n % 2:
            crashed.advance(session, saga)  # half of them got as far as the hold
        session.close()
    executor_dies(session_factory)
    replicas = [SagaRunner(session_factory, SagaEngine(booking_settings()), batch=3) for _ in range(2)]

    threads = [threading.Thread(target=r.run_until_idle) for r in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert saga_states(session_factory) == [("succeeded", "done")] * 12
    confirmed = [e.aggregate_id for e in events(session_factory, "appointment.confirmed")]
    requested = [e.aggregate_id for e in events(session_factory, "appointment.requested")]
    assert len(confirmed) == len(set(confirmed)) == 12
    assert len(requested) == len(set(requested)) == 12
    assert double_bookings(session_factory) == {"doctor_id": 0, "room_id": 0, "patient_id": 0}
