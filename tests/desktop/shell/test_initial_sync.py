"""The first sync fills the cache page by page, and the main window shows how far it has come."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session, sessionmaker

from desktop.ops.session import TokenVault, sign_in
from desktop.sync import PullProgress, SyncClient, SyncEngine
from desktop.ui.shell.main_window import InitialSyncBanner
from desktop.ui.shell.translations import install_translations
from shared.roles import Role
from sync_server.auth.models import User
from sync_server.core.db import transaction
from sync_server.directory.feed import record_directory
from sync_server.directory.models import Ward
from tests.conftest import PASSWORD


def test_each_committed_page_of_the_first_pull_reports_the_rows_so_far(
    make_user: Callable[..., User],
    server_url: str,
    vault: TokenVault,
    data_dir: Path,
    session_factory: sessionmaker[Session],
) -> None:
    with transaction(session_factory) as session:
        for n in range(7):
            ward = Ward(code=f"P{n}", name=f"Ward {n}")
            session.add(ward)
            session.flush()
            record_directory(session, ward)
    scheduler = make_user(Role.SCHEDULER)
    session = sign_in(
        server_url=server_url, username=scheduler.username, password=PASSWORD, vault=vault, data_dir=data_dir
    )
    client = SyncClient(server_url, tokens=session.tokens)
    engine = SyncEngine(session.store, client, page_size=3)
    reports: list[PullProgress] = []
    engine.progress_listeners.append(reports.append)
    try:
        engine.sync_once()
    finally:
        client.close()
        session.close()

    assert len(reports) >= 3
    assert all(report.initial for report in reports)
    assert [report.rows for report in reports] == sorted(report.rows for report in reports)
    assert reports[0].rows == 3 and reports[0].has_more
    assert reports[-1].rows >= 7 and not reports[-1].has_more
    # The server counted the snapshot when it started, and every page of this pull says so.
    assert {report.total_estimate for report in reports} == {reports[-1].rows}


def test_the_banner_shows_rows_and_rate_while_the_cache_fills_and_hides_when_done(qtbot: QtBot) -> None:
    banner = InitialSyncBanner(locale=QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    qtbot.addWidget(banner)
    banner.show()  # as part of the main window

    banner.show_progress(PullProgress(rows=1000, pages=1, has_more=True, initial=True), now=100.0)
    assert banner.bar.maximum() == 0  # no count from the server: a busy bar
    banner.show_progress(PullProgress(rows=21000, pages=21, has_more=True, initial=True), now=110.0)

    assert banner.isVisible()
    assert "21,000 records downloaded so far (2,100 a second, 10 s)" in banner.label.text()
    banner.show_progress(PullProgress(rows=25000, pages=25, has_more=False, initial=True), now=112.0)
    assert not banner.isVisible()


def _english_banner(qtbot: QtBot) -> InitialSyncBanner:
    banner = InitialSyncBanner(locale=QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    qtbot.addWidget(banner)
    banner.show()
    return banner


def test_with_the_servers_count_the_banner_shows_records_of_the_total_and_the_time_left(qtbot: QtBot) -> None:
    banner = _english_banner(qtbot)

    banner.show_progress(PullProgress(12_000, 12, True, True, total_estimate=130_000), now=100.0)
    first = banner.label.text()
    banner.show_progress(PullProgress(22_000, 22, True, True, total_estimate=130_000), now=110.0)
    minutes = banner.label.text()
    banner.show_progress(PullProgress(122_000, 122, True, True, total_estimate=130_000), now=210.0)

    # Nothing measured yet on the first page: no guess at the time.
    assert "12,000 of 130,000 records. You can keep working" in first
    assert "22,000 of 130,000 records · about 2 min left" in minutes  # 1,000 a second, 108,000 to go
    assert "122,000 of 130,000 records · about 8 s left" in banner.label.text()
    assert (banner.bar.minimum(), banner.bar.maximum(), banner.bar.value()) == (0, 130_000, 122_000)
    assert banner.bar.accessibleDescription() == banner.label.text()


def test_rows_past_the_estimate_fill_the_bar_without_overflowing_it(qtbot: QtBot) -> None:
    banner = _english_banner(qtbot)

    banner.show_progress(PullProgress(900, 1, True, True, total_estimate=1000), now=1.0)
    banner.show_progress(PullProgress(1200, 2, True, True, total_estimate=1000), now=2.0)

    assert banner.bar.value() == banner.bar.maximum() == 1000
    assert "1,000 of 1,000 records · about 1 s left" in banner.label.text()
    banner.show_progress(PullProgress(1300, 3, False, True, total_estimate=1000), now=3.0)
    assert not banner.isVisible()


def test_the_banner_speaks_portuguese_with_its_number_format(
    qtbot: QtBot, qapp: QApplication, tmp_path: Path
) -> None:
    before = QLocale()
    translators = install_translations(qapp, "pt_BR", cache_dir=tmp_path)
    try:
        banner = InitialSyncBanner(locale=QLocale(QLocale.Language.Portuguese, QLocale.Country.Brazil))
        qtbot.addWidget(banner)
        banner.show_progress(PullProgress(12_000, 12, True, True, total_estimate=130_000), now=0.0)
        banner.show_progress(PullProgress(22_000, 22, True, True, total_estimate=130_000), now=100.0)
        text = banner.label.text()
    finally:
        for translator in translators:
            QCoreApplication.removeTranslator(translator)
        QLocale.setDefault(before)

    assert text.startswith("Preparando este computador para trabalhar offline: 22.000 de 130.000 registros")
    assert "faltam cerca de 18 min" in text  # 100 a second, 108.000 to go
