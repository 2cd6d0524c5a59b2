"""What the desk prints or downloads: a receipt the patient takes (payment or refund) and the day's cash
report, as PDF (fpdf2, pure Python) and CSV. Amounts are printed from their decimals, never via float."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from shared.payments import CashReport, EntryType, LedgerEntry, PaymentMethod

METHOD_NAMES = {
    PaymentMethod.CASH: "Cash",
    PaymentMethod.CARD: "Card",
    PaymentMethod.PIX: "PIX",
    PaymentMethod.HEALTH_PLAN: "Health plan",
}

# The receipt's words per language (WARDDESK_RECEIPT_LANGUAGE): the patient takes it home.
_RECEIPT_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "payment": "Payment receipt",
        "refund": "Refund receipt",
        "number": "Receipt number",
        "refund_of": "Refund of receipt",
        "patient": "Patient",
        "record": "record",
        "doctor": "Doctor",
        "appointment": "Appointment",
        "paid": "Amount paid",
        "refunded": "Amount refunded",
        "method": "Method",
        "authorisation": "Authorisation number",
        "reason": "Reason",
        "date": "Date",
        "desk": "Desk",
        "received_by": "Received by",
        "refunded_by": "Refunded by",
        **{method.value: name for method, name in METHOD_NAMES.items()},
    },
    "pt_BR": {
        "payment": "Recibo de pagamento",
        "refund": "Recibo de reembolso",
        "number": "Número do recibo",
        "refund_of": "Reembolso do recibo",
        "patient": "Paciente",
        "record": "prontuário",
        "doctor": "Médico(a)",
        "appointment": "Consulta",
        "paid": "Valor pago",
        "refunded": "Valor reembolsado",
        "method": "Forma de pagamento",
        "authorisation": "Número de autorização",
        "reason": "Motivo",
        "date": "Data",
        "desk": "Guichê",
        "received_by": "Recebido por",
        "refunded_by": "Reembolsado por",
        "cash": "Dinheiro",
        "card": "Cartão",
        "pix": "PIX",
        "health_plan": "Convênio",
    },
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
    language: str = "en"  # a key of _RECEIPT_WORDS


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


def money_text(amount: Decimal, currency: str, *, language: str = "en") -> str:
    """An amount as people read it: 'BRL 1234.56', or in Brazil 'R$ 1.234,56'."""
    if language == "pt_BR" and currency == "BRL":
        grouped = f"{amount:,.2f}"  # Decimal formatting: exact, no float
        return "R$ " + grouped.replace(",", "_").replace(".", ",").replace("_", ".")
    return f"{currency} {amount}"


def receipt_pdf(facts: ReceiptFacts) -> bytes:
    entry = facts.entry
    words = _RECEIPT_WORDS[facts.language]
    is_refund = entry.entry_type is EntryType.REFUND
    page = _Page(words["refund" if is_refund else "payment"], facts.hospital)
    page.field(words["number"], entry.receipt_number or "")
    if facts.payment_receipt:
        page.field(words["refund_of"], facts.payment_receipt)
    page.field(words["patient"], f"{facts.patient_name} ({words['record']} {facts.patient_mrn})")
    page.field(words["doctor"], facts.doctor_name)
    page.field(words["appointment"], facts.appointment_at.strftime("%Y-%m-%d %H:%M %Z"))
    amount = money_text(entry.amount, entry.currency, language=facts.language)
    page.field(words["refunded" if is_refund else "paid"], amount)
    page.field(words["method"], words[entry.method.value])
    if entry.authorisation_number:
        page.field(words["authorisation"], entry.authorisation_number)
    if entry.reason:
        page.field(words["reason"], entry.reason)
    page.field(words["date"], facts.recorded_at.strftime("%Y-%m-%d %H:%M %Z"))
    page.field(words["desk"], entry.desk)
    page.field(words["refunded_by" if is_refund else "received_by"], facts.taken_by)
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
    zone = getattr(day_start.tzinfo, "key", None) or day_start.tzname()
    page.line_of(f"Amounts in {report.currency}; times in {zone}.")
    entry_widths = (16.0, 24.0, 18.0, 24.0, 26.0, 28.0, 54.0)
    page.row_of(
        entry_widths, ("Time", "Receipt", "Type", "Method", "Amount", "Desk", "Authorisation"), bold=True
    )
    for entry in report.entries:
        values = _entry_values(entry, day_start)
        page.row_of(entry_widths, (*values[:6], values[7]))
    return bytes(page.output())
