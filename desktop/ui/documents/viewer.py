"""The document viewer: a PDF (QtPdf) or an image, painted into a graphics view with zoom, rotation,
page navigation, page thumbnails, printing and keyboard shortcuts.

Pages are rendered one at a time, at the zoom shown, so opening a long report paints its first page
without waiting for the others; thumbnails follow in small batches once the first page is on screen.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QImage, QKeySequence, QPainter, QPixmap, QShortcut, QTransform
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import (
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

PDF = "application/pdf"
SCREEN_DPI = 96 / 72  # PDF points to pixels at 100 %
ZOOM_STEPS = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0)
THUMB_WIDTH = 96
THUMBS_PER_TICK = 4


class _PageView(QGraphicsView):
    """Tells once when a page is first painted (for the first-page timing and tests)."""

    painted = Signal()

    def __init__(self, scene: QGraphicsScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.armed = False
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)

    def paintEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        super().paintEvent(event)
        if self.armed:
            self.armed = False
            self.painted.emit()


class DocumentViewer(QWidget):
    """Shows one document's bytes. `load(data, content_type)`; `page_painted` after each page shown."""

    page_painted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pdf = QPdfDocument(self)
        self._buffer: QBuffer | None = None
        self._image = QImage()
        self._page = 0
        self._zoom = 1.0
        self._rotation = 0
        self._next_thumb = 0

        self._scene = QGraphicsScene(self)
        self._item = QGraphicsPixmapItem()
        self._scene.addItem(self._item)
        self.view = _PageView(self._scene, self)
        self.view.painted.connect(self.page_painted)

        self.thumbnails = QListWidget(self)
        self.thumbnails.setViewMode(QListWidget.ViewMode.IconMode)
        self.thumbnails.setFlow(QListWidget.Flow.TopToBottom)
        self.thumbnails.setIconSize(QSize(THUMB_WIDTH, int(THUMB_WIDTH * 1.41)))
        self.thumbnails.setMaximumWidth(THUMB_WIDTH + 40)
        self.thumbnails.currentRowChanged.connect(self._thumbnail_chosen)
        self._thumb_timer = QTimer(self)
        self._thumb_timer.setInterval(0)
        self._thumb_timer.timeout.connect(self._render_thumbnails)

        self.banner = QLabel(self)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background: #fde2e1; color: #8a1c12; padding: 6px;")
        self.banner.hide()
        self.page_label = QLabel(self)

        self.toolbar = QToolBar(self)
        self.toolbar.addAction(self.tr("Previous page"), self.previous_page)
        self.toolbar.addAction(self.tr("Next page"), self.next_page)
        self.toolbar.addWidget(self.page_label)
        self.toolbar.addSeparator()
        self.toolbar.addAction(self.tr("Zoom out"), self.zoom_out)
        self.toolbar.addAction(self.tr("Zoom in"), self.zoom_in)
        self.toolbar.addAction(self.tr("Rotate"), self.rotate)
        self.toolbar.addAction(self.tr("Print…"), self.print_document)

        splitter = QSplitter(self)
        splitter.addWidget(self.thumbnails)
        splitter.addWidget(self.view)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.banner)
        row = QHBoxLayout()
        row.addWidget(splitter)
        layout.addLayout(row)

        for keys, slot in (
            (QKeySequence.StandardKey.ZoomIn, self.zoom_in),
            (QKeySequence.StandardKey.ZoomOut, self.zoom_out),
            (QKeySequence(Qt.Key.Key_PageDown), self.next_page),
            (QKeySequence(Qt.Key.Key_PageUp), self.previous_page),
            (QKeySequence(Qt.Key.Key_Home), lambda: self.go_to(0)),
            (QKeySequence(Qt.Key.Key_End), lambda: self.go_to(self.page_count - 1)),
            (QKeySequence("Ctrl+R"), self.rotate),
            (QKeySequence.StandardKey.Print, self.print_document),
        ):
            # Only while the viewer has focus: it sits beside the calendar, whose keys are its own.
            QShortcut(keys, self, slot, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._update_label()

    # -- loading ---------------------------------------------------------------------------------------

    @property
    def is_pdf(self) -> bool:
        return self._buffer is not None

    @property
    def page_count(self) -> int:
        return self._pdf.pageCount() if self.is_pdf else (0 if self._image.isNull() else 1)

    @property
    def page(self) -> int:
        return self._page

    @property
    def zoom(self) -> float:
        return self._zoom

    @property
    def rotation(self) -> int:
        return self._rotation

    def load(self, data: bytes, content_type: str, *, entered_in_error: str | None = None) -> bool:
        """Show these bytes (a PDF, PNG or JPEG). False when they cannot be read."""
        self._thumb_timer.stop()
        self.thumbnails.clear()
        self._page, self._rotation, self._next_thumb = 0, 0, 0
        self._image = QImage()
        self._pdf.close()
        self._buffer = None
        if entered_in_error is not None:
            self.banner.setText(self.tr("Entered in error: %1").replace("%1", entered_in_error))
            self.banner.show()
        else:
            self.banner.hide()
        if content_type == PDF:
            buffer = QBuffer(self)
            buffer.setData(QByteArray(data))
            buffer.open(QIODevice.OpenModeFlag.ReadOnly)
            self._pdf.load(buffer)
            if self._pdf.status() != QPdfDocument.Status.Ready:
                return False
            self._buffer = buffer
        else:
            self._image = QImage.fromData(data)
            if self._image.isNull():
                return False
        self.thumbnails.setVisible(self.page_count > 1)
        self._show_page()
        if self.page_count > 1:
            for number in range(self.page_count):
                self.thumbnails.addItem(QListWidgetItem(str(number + 1)))
            self._thumb_timer.start()
        return True

    # -- navigation, zoom, rotation --------------------------------------------------------------------

    def go_to(self, page: int) -> None:
        if 0 <= page < self.page_count and page != self._page:
            self._page = page
            self._show_page()

    def next_page(self) -> None:
        self.go_to(self._page + 1)

    def previous_page(self) -> None:
        self.go_to(self._page - 1)

    def zoom_in(self) -> None:
        self._set_zoom(next((z for z in ZOOM_STEPS if z > self._zoom), ZOOM_STEPS[-1]))

    def zoom_out(self) -> None:
        self._set_zoom(next((z for z in reversed(ZOOM_STEPS) if z < self._zoom), ZOOM_STEPS[0]))

    def _set_zoom(self, zoom: float) -> None:
        if zoom != self._zoom:
            self._zoom = zoom
            self._show_page()

    def rotate(self) -> None:
        """A quarter turn clockwise (scanned results often come sideways)."""
        self._rotation = (self._rotation + 90) % 360
        self.view.setTransform(QTransform().rotate(self._rotation))

    def _render(self, page: int, width: int | None = None) -> QImage:
        if not self.is_pdf:
            image = self._image
            return (
                image
                if width is None
                else image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
            )
        points = self._pdf.pagePointSize(page)
        scale = (width / points.width()) if width else self._zoom * SCREEN_DPI
        return self._pdf.render(page, QSize(round(points.width() * scale), round(points.height() * scale)))

    def _show_page(self) -> None:
        if self.page_count == 0:
            return
        image = self._render(self._page)
        if not self.is_pdf and self._zoom != 1.0:
            image = image.scaledToWidth(
                round(image.width() * self._zoom), Qt.TransformationMode.SmoothTransformation
            )
        self._item.setPixmap(QPixmap.fromImage(image))
        self._scene.setSceneRect(self._item.boundingRect())
        self.view.armed = True
        self.view.viewport().update()
        if self.thumbnails.count():
            self.thumbnails.blockSignals(True)
            self.thumbnails.setCurrentRow(self._page)
            self.thumbnails.blockSignals(False)
        self._update_label()

    def _update_label(self) -> None:
        count = self.page_count
        text = (
            self.tr("Page %1 of %2")
            .replace("%1", str(self._page + 1 if count else 0))
            .replace("%2", str(count))
        )
        self.page_label.setText(text)

    def _thumbnail_chosen(self, row: int) -> None:
        self.go_to(row)

    def _render_thumbnails(self) -> None:
        end = min(self._next_thumb + THUMBS_PER_TICK, self.page_count)
        for number in range(self._next_thumb, end):
            self.thumbnails.item(number).setIcon(QIcon(QPixmap.fromImage(self._render(number, THUMB_WIDTH))))
        self._next_thumb = end
        if end >= self.page_count:
            self._thumb_timer.stop()

    # -- printing --------------------------------------------------------------------------------------

    def print_document(self) -> None:
        """Ask for a printer, then print every page, fitted to the paper."""
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        if QPrintDialog(printer, self).exec() == QPrintDialog.DialogCode.Accepted:
            self.print_to(printer)

    def print_to(self, device) -> None:  # type: ignore[no-untyped-def]
        """Paint every page on a paged device (a QPrinter or a QPdfWriter), one page each."""
        painter = QPainter(device)
        try:
            for number in range(self.page_count):
                if number:
                    device.newPage()
                area = painter.viewport()
                image = self._render(number, area.width())
                size = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
                painter.drawImage(area.topLeft(), image.scaled(size, Qt.AspectRatioMode.KeepAspectRatio))
        finally:
            painter.end()

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        self._thumb_timer.stop()
        super().closeEvent(event)
