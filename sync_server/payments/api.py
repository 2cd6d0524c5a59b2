"""Payment routes: fees, recording and refunding at the desk, the ledger, receipts and the cash report.
Doctors, nurses and pharmacists get 403 on every one of them: amounts are the desk's business."""

from __future__ import annotations

import re
import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from shared.payments import CashReport, Fee, LedgerEntry
from shared.roles import Role
from sync_server.auth.deps import Actor, require
from sync_server.core.clock import Now
from sync_server.core.context import Client, DbSession, SettingsDep
from sync_server.core.openapi import AUTHED, WITH_BODY, errors
from sync_server.payments import printouts
from sync_server.payments.schemas import RecordedOut, RecordPaymentIn, RefundIn
from sync_server.payments.service import PaymentService, Recorded, day_bounds

router = APIRouter(tags=["payments"])

Desk = Annotated[Actor, Depends(require(Role.SCHEDULER))]
Reader = Annotated[Actor, Depends(require(Role.SCHEDULER, Role.ADMIN))]
Admin = Annotated[Actor, Depends(require(Role.ADMIN))]


# No I/O in these: async, so FastAPI runs them without a thread-pool hop (see core/context.py).
async def _desk_service(
    session: DbSession, actor: Desk, client: Client, now: Now, settings: SettingsDep
) -> PaymentService:
    return PaymentService(session, actor=actor, client=client, now=now, settings=settings)


async def _reader_service(
    session: DbSession, actor: Reader, client: Client, now: Now, settings: SettingsDep
) -> PaymentService:
    return PaymentService(session, actor=actor, client=client, now=now, settings=settings)


async def _admin_service(
    session: DbSession, actor: Admin, client: Client, now: Now, settings: SettingsDep
) -> PaymentService:
    return PaymentService(session, actor=actor, client=client, now=now, settings=settings)


DeskService = Annotated[PaymentService, Depends(_desk_service)]
ReaderService = Annotated[PaymentService, Depends(_reader_service)]
AdminService = Annotated[PaymentService, Depends(_admin_service)]


def _recorded(recorded: Recorded, response: Response) -> RecordedOut:
    response.status_code = 201 if recorded.created else 200
    return RecordedOut(entry=recorded.entry, replayed=not recorded.created)


def _file_name(text: str) -> str:
    """A desk's name as it may appear in a file name (an HTTP header carries no quotes or accents)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "desk"


# ---- fees -----------------------------------------------------------------------------------------------


@router.put(
    "/fees",
    response_model=Fee,
    responses=errors(*WITH_BODY, 404),
    summary="Set a doctor's consultation fee, for one appointment type or (no type) for any",
)
def set_fee(service: AdminService, body: Fee) -> Fee:
    return service.set_fee(body)


@router.get("/fees", response_model=list[Fee], responses=errors(*AUTHED), summary="Consultation fees")
def list_fees(service: ReaderService, doctor_id: uuid.UUID | None = None) -> list[Fee]:
    return service.fees(doctor_id=doctor_id)


@router.get(
    "/appointments/{appointment_id}/fee",
    response_model=Fee,
    responses=errors(*AUTHED, 404),
    summary="What the desk charges for an appointment: the doctor's fee for the type, else for any type",
)
def appointment_fee(
    service: ReaderService,
    appointment_id: uuid.UUID,
    appointment_type: Annotated[str | None, Query(max_length=64)] = None,
) -> Fee:
    return service.fee_of_appointment(appointment_id, appointment_type=appointment_type)


# ---- the ledger -----------------------------------------------------------------------------------------


@router.post(
    "/payments",
    response_model=RecordedOut,
    status_code=201,
    responses=errors(*WITH_BODY, 404, 409),
    summary="Record a payment taken at the desk (201; the same payment sent again: 200, recorded once)",
)
def record_payment(service: DeskService, body: RecordPaymentIn, response: Response) -> RecordedOut:
    """Amounts are decimal strings ('150.00'); a JSON number with a fraction is refused. One payment per
    appointment unless the earlier ones were wholly refunded."""
    return _recorded(service.record(body.payment_id, body.request()), response)


@router.post(
    "/payments/{payment_id}/refunds",
    response_model=RecordedOut,
    status_code=201,
    responses=errors(*WITH_BODY, 404, 409),
    summary="Refund all (no amount) or part of what is left of a payment",
)
def refund_payment(
    service: DeskService, payment_id: uuid.UUID, body: RefundIn, response: Response
) -> RecordedOut:
    return _recorded(service.refund(body.refund_id, body.request(payment_id)), response)


@router.get(
    "/payments",
    response_model=list[LedgerEntry],
    responses=errors(*AUTHED),
    summary="The ledger: a day's entries (the hospital's day; today by default), a desk's, an appointment's",
)
def list_payments(
    service: ReaderService,
    day: date | None = None,
    desk: Annotated[str | None, Query(max_length=64)] = None,
    appointment_id: uuid.UUID | None = None,
) -> list[LedgerEntry]:
    """Schedulers see today; admins any day."""
    return service.ledger(day=day, desk=desk, appointment_id=appointment_id)


@router.get(
    "/payments/refunds-due",
    response_model=list[LedgerEntry],
    responses=errors(*AUTHED),
    summary="Payments of cancelled appointments not yet wholly refunded",
)
def refunds_due(service: ReaderService) -> list[LedgerEntry]:
    return service.refunds_due()


@router.get(
    "/payments/{entry_id}/receipt.pdf",
    response_class=Response,
    responses={**errors(*AUTHED, 404), 200: {"content": {"application/pdf": {}}}},
    summary="The receipt of a payment or a refund, for the patient (PDF; the print is audited)",
)
def receipt(service: ReaderService, entry_id: uuid.UUID) -> Response:
    filename, pdf = service.receipt(entry_id)
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )


# ---- the cash report ------------------------------------------------------------------------------------


class ReportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    PDF = "pdf"


@router.get(
    "/reports/cash",
    response_model=CashReport,
    responses={
        **errors(*AUTHED),
        200: {"content": {"application/json": {}, "text/csv": {}, "application/pdf": {}}},
    },
    summary="The day's cash report per desk (every desk without one): totals per method and the entries",
)
def cash_report(
    service: ReaderService,
    settings: SettingsDep,
    day: date | None = None,
    desk: Annotated[str | None, Query(max_length=64)] = None,
    format: ReportFormat = ReportFormat.JSON,  # noqa: A002 - the query parameter's name
) -> Response:
    """The day is the hospital's (WARDDESK_HOSPITAL_TIME_ZONE), today by default. Schedulers see today;
    admins any day."""
    day = day or service.today()
    report = service.cash_report(day=day, desk=desk)
    day_start, _ = day_bounds(day, settings.hospital_time_zone)
    name = f"cash-{day.isoformat()}-{_file_name(report.desk) if report.desk else 'all'}"
    if format is ReportFormat.CSV:
        return Response(
            printouts.cash_report_csv(report, day_start=day_start),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if format is ReportFormat.PDF:
        return Response(
            printouts.cash_report_pdf(report, hospital=settings.hospital_name, day_start=day_start),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{name}.pdf"'},
        )
    return Response(report.model_dump_json(), media_type="application/json")
