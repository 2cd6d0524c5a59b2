"""Two desks at once: refunds of one payment racing each other never give back more than was paid, and
one payment sent by several workers at once (a desktop retrying while its first push is still running)
is recorded once. Real threads, real PostgreSQL transactions."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from shared.payments import PaymentMethod, RecordPayment, RefundPayment
from shared.roles import Role
from sync_server.auth.models import User
from sync_server.core.actor import Actor
from sync_server.core.config import Settings
from sync_server.core.context import ClientInfo
from sync_server.core.db import transaction
from sync_server.core.errors import AppError
from sync_server.payments.models import LedgerRow
from sync_server.payments.service import PaymentService
from tests.sync_server.payments.conftest import NOW, Clinic, desk_actor

T = TypeVar("T")
WORKERS = 6


def _race(
    factory: sessionmaker[Session], settings: Settings, actor: Actor, act: Callable[[PaymentService], T]
) -> list[T | AppError]:
    """Run `act` in WORKERS threads at once, each in its own transaction; what each ended with."""
    start = threading.Barrier(WORKERS)
    outcomes: list[T | AppError] = []
    lock = threading.Lock()

    def worker() -> None:
        start.wait()
        try:
            with transaction(factory) as session:
                service = PaymentService(
                    session, actor=actor, client=ClientInfo("127.0.0.1", "race"), now=NOW, settings=settings
                )
                outcome: T | AppError = act(service)
        except AppError as exc:
            outcome = exc
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _pay(factory: sessionmaker[Session], settings: Settings, actor: Actor, clinic: Clinic) -> uuid.UUID:
    payment_id = uuid.uuid4()
    request = RecordPayment(
        appointment_id=clinic.appointment().id, amount=Decimal("150.00"), method=PaymentMethod.CARD, desk="D1"
    )
    with transaction(factory) as session:
        PaymentService(
            session, actor=actor, client=ClientInfo("127.0.0.1", "t"), now=NOW, settings=settings
        ).record(payment_id, request)
    return payment_id


def test_concurrent_refunds_never_give_back_more_than_was_paid(
    session_factory: sessionmaker[Session], settings: Settings, clinic: Clinic, make_user: Callable[..., User]
) -> None:
    actor = desk_actor(make_user(Role.SCHEDULER))
    payment_id = _pay(session_factory, settings, actor, clinic)

    outcomes = _race(
        session_factory,
        settings,
        actor,
        lambda service: service.refund(
            uuid.uuid4(),
            RefundPayment(payment_id=payment_id, amount=Decimal("60.00"), reason="Cancelled", desk="D1"),
        ),
    )

    refused = [o for o in outcomes if isinstance(o, AppError)]
    assert len(outcomes) - len(refused) == 2  # 60 + 60 fit in 150; a third would not
    assert {e.code for e in refused} == {"refund_exceeds_payment"}
    with session_factory() as session:
        refunded = session.scalar(
            select(func.sum(LedgerRow.amount)).where(
                LedgerRow.entry_type == "refund", LedgerRow.payment_id == payment_id
            )
        )
    assert refunded == Decimal("120.00")


def test_concurrent_whole_refunds_give_back_the_payment_once(
    session_factory: sessionmaker[Session], settings: Settings, clinic: Clinic, make_user: Callable[..., User]
) -> None:
    actor = desk_actor(make_user(Role.SCHEDULER))
    payment_id = _pay(session_factory, settings, actor, clinic)

    outcomes = _race(
        session_factory,
        settings,
        actor,
        lambda service: service.refund(
            uuid.uuid4(), RefundPayment(payment_id=payment_id, reason="Cancelled", desk="D1")
        ),
    )

    assert sum(1 for o in outcomes if not isinstance(o, AppError)) == 1
    with session_factory() as session:
        refunds = list(session.scalars(select(LedgerRow.amount).where(LedgerRow.entry_type == "refund")))
    assert refunds == [Decimal("150.00")]


def test_one_payment_sent_by_several_workers_at_once_is_recorded_once(
    session_factory: sessionmaker[Session], settings: Settings, clinic: Clinic, make_user: Callable[..., User]
) -> None:
    actor = desk_actor(make_user(Role.SCHEDULER))
    payment_id = uuid.uuid4()
    request = RecordPayment(
        appointment_id=clinic.appointment().id, amount=Decimal("90.00"), method=PaymentMethod.PIX, desk="D1"
    )

    outcomes = _race(session_factory, settings, actor, lambda service: service.record(payment_id, request))

    assert not [o for o in outcomes if isinstance(o, AppError)]
    assert sorted(o.created for o in outcomes if not isinstance(o, AppError)) == [False] * (WORKERS - 1) + [
        True
    ]
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(LedgerRow)) == 1


def test_two_desks_paying_one_appointment_at_once_record_one_payment(
    session_factory: sessionmaker[Session], settings: Settings, clinic: Clinic, make_user: Callable[..., User]
) -> None:
    actor = desk_actor(make_user(Role.SCHEDULER))
    appointment_id = clinic.appointment().id

    outcomes = _race(
        session_factory,
        settings,
        actor,
        lambda service: service.record(
            uuid.uuid4(),
            RecordPayment(
                appointment_id=appointment_id, amount=Decimal("90.00"), method=PaymentMethod.CASH, desk="D2"
            ),
        ),
    )

    refused = [o for o in outcomes if isinstance(o, AppError)]
    assert len(refused) == WORKERS - 1
    assert {e.code for e in refused} == {"already_paid"}
