"""The viewer's first-page time, for `make bench-documents`: a 50-page PDF opened to its first page
painted (offscreen)."""

from __future__ import annotations

import statistics
import time

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QSize
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtWidgets import QApplication

from desktop.ui.documents.viewer import PDF, DocumentViewer


def sample_pdf(pages: int) -> bytes:
    """A lab-report-like PDF of `pages` A4 pages of text, written by Qt."""
    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setPageLayout(
        QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, QMarginsF())
    )
    painter = QPainter(writer)
    painter.setFont(QFont("Sans", 10))
    for page in range(pages):
        if page:
            writer.newPage()
        for line in range(60):
            painter.drawText(200, 300 + line * 220, f"Page {page + 1} line {line + 1}: haemoglobin 13.2 g/dL")
    painter.end()
    buffer.close()
    return bytes(array.data())


def first_page_ms(*, pages: int = 50, rounds: int = 5) -> float:
    app = QApplication.instance() or QApplication([])
    data = sample_pdf(pages)
    times = []
    for _ in range(rounds):
        viewer = DocumentViewer()
        viewer.resize(QSize(1000, 800))
        viewer.show()
        app.processEvents()
        painted: list[bool] = []
        viewer.page_painted.connect(lambda done=painted: done.append(True))
        started = time.perf_counter()
        viewer.load(data, PDF)
        while not painted:
            app.processEvents()
        times.append((time.perf_counter() - started) * 1000)
        viewer.close()
        viewer.deleteLater()
        app.processEvents()
    return round(statistics.median(times), 1)
