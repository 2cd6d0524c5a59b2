"""The document viewer: a PDF's pages, zoom, rotation and printing, and images, painted offscreen."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QColor, QImage, QPdfWriter
from PySide6.QtPdf import QPdfDocument

from desktop.ui.documents.bench import sample_pdf
from desktop.ui.documents.viewer import PDF, DocumentViewer


def _viewer(qtbot) -> DocumentViewer:  # type: ignore[no-untyped-def]
    viewer = DocumentViewer()
    qtbot.addWidget(viewer)
    viewer.resize(900, 700)
    viewer.show()
    qtbot.waitExposed(viewer)
    viewer.activateWindow()
    viewer.view.setFocus()
    return viewer


def test_a_pdf_opens_on_its_first_page_and_pages_with_the_keyboard(qtbot) -> None:  # type: ignore[no-untyped-def]
    viewer = _viewer(qtbot)
    with qtbot.waitSignal(viewer.page_painted, timeout=5000):
        assert viewer.load(sample_pdf(3), PDF)
    assert (viewer.page, viewer.page_count) == (0, 3)
    assert viewer.page_label.text() == "Page 1 of 3"
    qtbot.keyClick(viewer.view, Qt.Key.Key_PageDown)
    qtbot.keyClick(viewer.view, Qt.Key.Key_PageDown)
    qtbot.keyClick(viewer.view, Qt.Key.Key_PageDown)  # no page after the last
    assert viewer.page == 2
    qtbot.keyClick(viewer.view, Qt.Key.Key_Home)
    assert viewer.page == 0
    qtbot.waitUntil(lambda: viewer.thumbnails.item(2).icon().isNull() is False, timeout=5000)


def test_zoom_and_rotation_change_what_is_painted(qtbot) -> None:  # type: ignore[no-untyped-def]
    viewer = _viewer(qtbot)
    viewer.load(sample_pdf(1), PDF)
    width = viewer._item.pixmap().width()
    viewer.zoom_in()
    assert viewer.zoom == 1.25 and viewer._item.pixmap().width() > width
    viewer.zoom_out()
    viewer.zoom_out()
    assert viewer.zoom == 0.75
    viewer.rotate()
    assert viewer.rotation == 90


def test_printing_puts_every_page_on_paper(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    viewer = _viewer(qtbot)
    viewer.load(sample_pdf(4), PDF)
    target = tmp_path / "printed.pdf"
    viewer.print_to(QPdfWriter(str(target)))
    printed = QPdfDocument()
    printed.load(str(target))
    assert printed.pageCount() == 4
    printed.close()


def test_an_image_result_is_shown_and_a_wrong_one_is_refused(qtbot) -> None:  # type: ignore[no-untyped-def]
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    viewer = _viewer(qtbot)
    assert viewer.load(bytes(array.data()), "image/png", entered_in_error="wrong patient")
    assert viewer.page_count == 1 and not viewer.thumbnails.isVisibleTo(viewer)
    assert viewer.banner.text() == "Entered in error: wrong patient"
    assert not viewer.load(b"%PDF-broken", PDF)
