"""A doctor's day list on paper or as a PDF file (QTextDocument laid out on a QPdfWriter)."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QMarginsF, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

from desktop.ops.export import DayList
from desktop.ui.calendar.booking_dialog import clock, qdate
from desktop.ui.theme import status_label


def day_list_html(day_list: DayList, *, locale: QLocale) -> str:
    """The day list as simple HTML (a title and one table row per appointment)."""
    title = QCoreApplication.translate("DayList", "{doctor} · {day}").format(
        doctor=day_list.doctor.name,
        day=locale.toString(qdate(day_list.day), QLocale.FormatType.LongFormat),
    )
    rows = []
    for row in day_list.rows:
        time_text = f"{clock(locale, row.starts)}–{clock(locale, row.ends)}"
        status = status_label(row.status)
        if row.pending:
            status += " " + QCoreApplication.translate("DayList", "(not yet confirmed)")
        rows.append(
            "<tr>"
            + "".join(
                f"<td>{html.escape(cell)}</td>" for cell in (time_text, row.patient_name, status, row.reason)
            )
            + "</tr>"
        )
    if not rows:
        rows.append(
            '<tr><td colspan="4">{}</td></tr>'.format(
                html.escape(QCoreApplication.translate("DayList", "No appointments."))
            )
        )
    header = "".join(
        f"<th align='left'>{html.escape(text)}</th>"
        for text in (
            QCoreApplication.translate("DayList", "Time"),
            QCoreApplication.translate("DayList", "Patient"),
            QCoreApplication.translate("DayList", "Status"),
            QCoreApplication.translate("DayList", "Reason"),
        )
    )
    return (
        f"<h2>{html.escape(title)}</h2>"
        "<table width='100%' cellspacing='0' cellpadding='4' border='1' style='border-collapse: collapse'>"
        f"<thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def write_day_pdf(day_list: DayList, path: Path, *, locale: QLocale | None = None) -> Path:
    """Save the day list as an A4 PDF at `path`. Raises OSError when the file cannot be written."""
    locale = locale if locale is not None else QLocale()
    document = QTextDocument()
    document.setHtml(day_list_html(day_list, locale=locale))
    writer = QPdfWriter(str(path))
    writer.setTitle(QCoreApplication.translate("DayList", "Day list"))
    writer.setCreator("WardDesk")
    writer.setResolution(300)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(15, 15, 15, 15),
            QPageLayout.Unit.Millimeter,
        )
    )
    document.setPageSize(QSizeF(writer.width(), writer.height()))
    document.print_(writer)
    del writer  # the file is finished when the writer goes
    if not path.exists() or path.stat().st_size == 0:
        raise OSError(f"could not write {path}")
    return path
