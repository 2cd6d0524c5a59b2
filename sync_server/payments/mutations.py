"""The payment changes a desk's desktop queues (offline too), as the sync push applies them: the entity id
is the payment's (or the refund's) id, so a desktop that pushes a payment twice records it once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from shared.payments import RecordPayment, RefundPayment
from shared.protocol import Mutation, MutationName
from sync_server.auth.deps import Actor
from sync_server.core.config import Settings
from sync_server.core.context import ClientInfo
from sync_server.core.errors import Invalid
from sync_server.payments.service import PaymentService

Handler = Callable[[Session, Actor, ClientInfo, Mutation], int]


def handlers(settings: Settings, clock: Callable[[], datetime]) -> dict[MutationName, Handler]:
    """The push's handlers for payments, acting at `clock()`."""

    def service(session: Session, actor: Actor, client: ClientInfo) -> PaymentService:
        return PaymentService(session, actor=actor, client=client, now=clock(), settings=settings)

    def record(session: Session, actor: Actor, client: ClientInfo, mutation: Mutation) -> int:
        try:
            request = RecordPayment.model_validate(mutation.payload)
        except ValueError as exc:
            raise Invalid(f"not a payment: {exc}") from None
        return service(session, actor, client).record(mutation.entity_id, request).version

    def refund(session: Session, actor: Actor, client: ClientInfo, mutation: Mutation) -> int:
        try:
            request = RefundPayment.model_validate(mutation.payload)
        except ValueError as exc:
            raise Invalid(f"not a refund: {exc}") from None
        return service(session, actor, client).refund(mutation.entity_id, request).version

    return {MutationName.PAYMENT_RECORD: record, MutationName.PAYMENT_REFUND: refund}
