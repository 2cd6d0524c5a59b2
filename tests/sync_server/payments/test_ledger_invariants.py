"""Generated histories of the desk's work (pay, pay again, refund part or all, replay, cancel) checked
against the ledger's invariants after every step: refunds never exceed a payment, an appointment has at
most one payment standing, a replay never adds a row, and the cash report adds up to its entries."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shared.payments import PaymentMethod, RecordPayment, RefundPayment
from shared.roles import Role
from sync_server.auth.models import User
from sync_server.core.config import Settings
from sync_server.core.context import ClientInfo
from sync_server.core.db import transaction
from sync_server.core.errors import AppError
from sync_server.payments.models import LedgerRow
from sync_server.payments.service import PaymentService
from tests.sync_server.payments.conftest import NOW, TODAY, Clinic, desk_actor

CENTS = st.integers(min_value=1, max_value=50_000).map(lambda cents: Decimal(cents) / 100)
REFUSALS = {"already_paid", "refund_exceeds_payment", "appointment_not_payable", "idempotency_key_reused"}


def test_generated_desk_histories_keep_the_ledgers_invariants(
    session_factory: sessionmaker[Session],
    settings: Settings,
    clinic: Clinic,
    make_user: Callable[..., User],
) -> None:
    desk = desk_actor(make_user(Role.SCHEDULER))

    def act(what: Callable[[PaymentService], object]) -> None:
        try:
            with transaction(session_factory) as session:
                what(
                    PaymentService(
                        session, actor=desk, client=ClientInfo("", "t"), now=NOW, settings=settings
                    )
                )
        except AppError as exc:
            assert exc.code in REFUSALS, exc.message

    class Desk(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            # Fresh appointments for each generated history (the ledger itself accumulates).
            self.appointments = [clinic.appointment().id for _ in range(3)]
            # Every id the ledger accepted in this history, with its request, in the order accepted.
            self.known: dict[uuid.UUID, RecordPayment | RefundPayment] = {}

        @rule(which=st.integers(0, 2), amount=CENTS, method=st.sampled_from(list(PaymentMethod)))
        def pay(self, which: int, amount: Decimal, method: PaymentMethod) -> None:
            payment_id = uuid.uuid4()
            request = RecordPayment(
                appointment_id=self.appointments[which],
                amount=amount,
                method=method,
                authorisation_number="AUT-1" if method is PaymentMethod.HEALTH_PLAN else None,
                desk=f"D{which % 2}",
            )
            act(
                lambda service: (
                    service.record(payment_id, request),
                    self.known.update({payment_id: request}),
                )
            )

        @rule(data=st.data(), whole=st.booleans(), amount=CENTS)
        def refund(self, data: st.DataObject, whole: bool, amount: Decimal) -> None:
            payments = [i for i, r in self.known.items() if isinstance(r, RecordPayment)]
            if not payments:
                return
            payment_id = data.draw(st.sampled_from(payments))
            request = RefundPayment(
                payment_id=payment_id, amount=None if whole else amount, reason="generated", desk="D0"
            )
            refund_id = uuid.uuid4()
            act(lambda service: (service.refund(refund_id, request), self.known.update({refund_id: request})))

        @rule(data=st.data())
        def replay(self, data: st.DataObject) -> None:
            if not self.known:
                return
            entry_id = data.draw(st.sampled_from(list(self.known)))
            request = self.known[entry_id]
            if isinstance(request, RecordPayment):
                act(lambda service: service.record(entry_id, request))
            else:
                act(lambda service: service.refund(entry_id, request))

        @rule(which=st.integers(0, 2))
        def cancel(self, which: int) -> None:
            clinic.set_status(self.appointments[which], "cancelled")

        @invariant()
        def refunds_never_exceed_payments_and_one_payment_stands(self) -> None:
            with session_factory() as session:
                mine = select(LedgerRow).where(LedgerRow.appointment_id.in_(self.appointments))
                rows = list(session.scalars(mine))
                assert len(rows) == len(self.known)  # replays added nothing
                paid = {r.id: r for r in rows if r.entry_type == "payment"}
                refunded = {pid: Decimal("0") for pid in paid}
                for r in rows:
                    if r.entry_type == "refund":
                        refunded[r.payment_id] += r.amount
                assert all(refunded[pid] <= paid[pid].amount for pid in paid)
                standing = [p.appointment_id for pid, p in paid.items() if refunded[pid] < p.amount]
                assert len(standing) == len(set(standing))

        @invariant()
        def the_cash_report_adds_up(self) -> None:
            with transaction(session_factory) as session:
                service = PaymentService(
                    session, actor=desk, client=ClientInfo("", "t"), now=NOW, settings=settings
                )
                report = service.cash_report(day=TODAY, desk=None)
            taken = sum((e.amount for e in report.entries if e.entry_type == "payment"), Decimal("0"))
            given = sum((e.amount for e in report.entries if e.entry_type == "refund"), Decimal("0"))
            assert (report.total_taken, report.total_refunded) == (taken, given)
            assert report.total_net == taken - given
            assert sum((line.net for line in report.lines), Decimal("0")) == report.total_net

    run_state_machine_as_test(
        Desk,
        settings=settings_for_db(),
    )


def settings_for_db() -> settings:
    # Each step is a real transaction: a few dozen short histories, no deadline (the machine is shared).
    return settings(
        max_examples=12,
        stateful_step_count=15,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
