"""What the desk prints or downloads: a receipt the patient takes (payment or refund) and the day's cash
report, as PDF (fpdf2, pure Python) and CSV. Amounts are printed from their decimals, never via float."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from shared.payments import CashReport, EntryType, LedgerEntry, PaymentMethod

METHOD_NAMES = {
    PaymentMethod.CASH: "Cash",
    PaymentMethod.CARD: "Card",
    PaymentMethod.PIX: "PIX",
    PaymentMethod.HEALTH_PLAN: "Health plan",
}


@dataclass(frozen=True)
class ReceiptFacts:
    hospital: str
    entry: LedgerEntry
    patient_name: str
    patient_mrn: str
    doctor_name: str
    appointment_at: datetime  # in the doctor's zone
    recorded_at: datetime  # in the hospital's zone
    taken_by: str
    payment_receipt: str | None  # of a refund: the receipt of the payment it gives back


def _latin1(text: str) -> str:
    """The PDF's built-in fonts carry Latin-1 (every Portuguese name); anything else prints as '?'."""
    return text.encode("latin-1", "replace").decode("latin-1")


class _Page(FPDF):
    def __init__(self, title: str, hospital: str) -> None:
        super().__init__(format="A4")
        self.set_title(_latin1(title))
        self.set_creator("WardDesk")
        self.add_page()
        self.set_font("Helvetica", style="B", size=16)
        self.line_of(hospital, height=9)
        self.set_font("Helvetica", style="B", size=13)
        self.line_of(title, height=8)
        self.set_font("Helvetica", size=11)
        self.ln(3)

    def line_of(self, text: str, *, height: float = 7) -> None:
        self.cell(0, height, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def field(self, label: str, value: str) -> None:
        self.set_font("Helvetica", style="B", size=11)
        self.cell(55, 7, _latin1(label))
        self.set_font("Helvetica", size=11)
        self.cell(0, 7, _latin1(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def row_of(self, widths: tuple[float, ...], values: tuple[str, ...], *, bold: bool = False) -> None:
        self.set_font("Helvetica", style="B" if bold else "", size=9)
        for width, value in zip(widths, values, strict=True):
            self.cell(width, 6, _latin1(value))
        self.ln(6)


def money_text(amount: object, currency: str) -> str:
    return f"{currency} {amount}"


def receipt_pdf(facts: ReceiptFacts) -> bytes:
    entry = facts.entry
    is_refund = entry.entry_type is EntryType.REFUND
    page = _Page("Refund receipt" if is_refund else "Payment receipt", facts.hospital)
    page.field("Receipt number", entry.receipt_number or "")
    if facts.payment_receipt:
        page.field("Refund of receipt", facts.payment_receipt)
    page.field("Patient", f"{facts.patient_name} (record {facts.patient_mrn})")
    page.field("Doctor", facts.doctor_name)
    page.field("Appointment", facts.appointment_at.strftime("%Y-%m-%d %H:%M %Z"))
    page.field("Amount refunded" if is_refund else "Amount paid", money_text(entry.amount, entry.currency))
    page.field("Method", METHOD_NAMES[entry.method])
    if entry.authorisation_number:
        page.field("Authorisation number", entry.authorisation_number)
    if entry.reason:
        page.field("Reason", entry.reason)
    page.field("Date", facts.recorded_at.strftime("%Y-%m-%d %H:%M %Z"))
    page.field("Desk", entry.desk)
    page.field("Refunded by" if is_refund else "Received by", facts.taken_by)
    return bytes(page.output())


def _cell(text: str) -> str:
    """Typed text as a spreadsheet shows it, never as a formula it would run ('=HYPERLINK(...)')."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


_ENTRY_COLUMNS = ("time", "receipt", "type", "method", "amount", "desk", "appointment", "authorisation")


def _entry_values(entry: LedgerEntry, zone_of: datetime) -> tuple[str, ...]:
    signed = entry.amount if entry.entry_type is EntryType.PAYMENT else -entry.amount
    return (
        entry.recorded_at.astimezone(zone_of.tzinfo).strftime("%H:%M"),
        entry.receipt_number or "",
        entry.entry_type.value,
        entry.method.value,
        str(signed),
        _cell(entry.desk),
        str(entry.appointment_id),
        _cell(entry.authorisation_number or ""),
    )


def cash_report_csv(report: CashReport, *, day_start: datetime) -> str:
    """One table of the day's totals per method (and the total), then one of its entries."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    desk = _cell(report.desk) if report.desk else "all desks"
    writer.writerow(("day", report.day.isoformat(), "desk", desk, "currency", report.currency))
    writer.writerow(("method", "payments", "refunds", "taken", "refunded", "net"))
    for line in report.lines:
        writer.writerow(
            (
                line.method.value,
                line.payments,
                line.refunds,
                str(line.taken),
                str(line.refunded),
                str(line.net),
            )
        )
    payments = sum(line.payments for line in report.lines)
    refunds = sum(line.refunds for line in report.lines)
    writer.writerow(
        (
            "total",
            payments,
            refunds,
            str(report.total_taken),
            str(report.total_refunded),
            str(report.total_net),
        )
    )
    writer.writerow(())
    writer.writerow(_ENTRY_COLUMNS)
    for entry in report.entries:
        writer.writerow(_entry_values(entry, day_start))
    return out.getvalue()


def cash_report_pdf(report: CashReport, *, hospital: str, day_start: datetime) -> bytes:
    page = _Page(f"Cash report {report.day.isoformat()} - {report.desk or 'all desks'}", hospital)
    widths = (34.0, 22.0, 22.0, 34.0, 34.0, 34.0)
    page.row_of(widths, ("Method", "Payments", "Refunds", "Taken", "Refunded", "Net"), bold=True)
    for line in report.lines:
        page.row_of(
            widths,
            (
                METHOD_NAMES[line.method],
                str(line.payments),
                str(line.refunds),
                str(line.taken),
                str(line.refunded),
                str(line.net),
            ),
        )
    page.row_of(
        widths,
        (
            "Total",
            str(sum(line.payments for line in report.lines)),
            str(sum(line.refunds for line in report.lines)),
            str(report.total_taken),
            str(report.total_refunded),
            str(report.total_net),
        ),
        bold=True,
    )
    page.ln(4)
    page.set_font("Helvetica", size=10)
    page.line_of(f"Amounts in {report.currency}; times in {day_start.tzname()}.")
    entry_widths = (16.0, 24.0, 18.0, 24.0, 26.0, 28.0, 54.0)
    page.row_of(
        entry_widths, ("Time", "Receipt", "Type", "Method", "Amount", "Desk", "Authorisation"), bold=True
    )
    for entry in report.entries:
        values = _entry_values(entry, day_start)
        page.row_of(entry_widths, (*values[:6], values[7]))
    return bytes(page.output())
