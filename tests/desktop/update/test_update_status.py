"""The update in the window: downloaded in the background with progress, then offered for install only
when nothing is queued; while changes wait, so does the update."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from desktop.ops.background import Executors
from desktop.ops.update import UpdateOps, UpdatePhase
from desktop.ui.shell.update_bar import UpdateStatus
from desktop.update import ReleaseClient, Updater
from tests.desktop.update.conftest import InstallLog, ReleaseDesk


@pytest.fixture
def executors() -> Iterator[Executors]:
    workers = Executors()
    yield workers
    workers.shutdown()


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[QMainWindow]:
    main = QMainWindow()
    qtbot.addWidget(main)
    yield main
    main.close()


def test_a_ready_update_waits_for_the_queue_then_installs_when_the_user_agrees(
    qtbot: QtBot,
    window: QMainWindow,
    executors: Executors,
    release_desk: ReleaseDesk,
    make_updater: Callable[..., tuple[Updater, InstallLog]],
) -> None:
    release_desk.publish("1.1.0")
    updater, installer = make_updater("1.0.0")
    updates = UpdateOps(
        updater, client_for=lambda: ReleaseClient(release_desk.server_url), executors=executors, parent=window
    )
    phases: list[UpdatePhase] = []
    updates.changed.connect(lambda state: phases.append(state.phase))
    queued = [2]
    status = UpdateStatus(updates, queued_changes=lambda: queued[0], parent=window)
    window.statusBar().addPermanentWidget(status)
    window.show()

    updates.check()
    qtbot.waitUntil(lambda: updates.state.phase is UpdatePhase.READY, timeout=20_000)

    assert UpdatePhase.DOWNLOADING in phases  # the progress bar moved before it was ready
    assert status.isVisible() and not status.install_button.isVisible()
    assert "once your changes are sent" in status.label.text()
    assert not updates.install(queued_changes=queued[0])  # two changes still queued: nothing happens
    assert installer.calls == []

    queued[0] = 0  # the sync sent them
    status.refresh()
    assert status.install_button.isVisible()
    with qtbot.waitSignal(updates.installed, timeout=20_000):
        status.install()  # the user said yes
    assert len(installer.calls) == 1 and installer.calls[0][-1].endswith("warddesk_1.1.0.deb")


def test_a_refused_update_says_why(
    qtbot: QtBot,
    window: QMainWindow,
    executors: Executors,
    release_desk: ReleaseDesk,
    make_updater: Callable[..., tuple[Updater, InstallLog]],
) -> None:
    release_desk.publish("0.9.0")
    updater, installer = make_updater("1.0.0")
    updates = UpdateOps(
        updater, client_for=lambda: ReleaseClient(release_desk.server_url), executors=executors, parent=window
    )
    status = UpdateStatus(updates, queued_changes=lambda: 0, parent=window)
    window.statusBar().addPermanentWidget(status)
    window.show()

    updates.check()
    qtbot.waitUntil(lambda: updates.state.phase is UpdatePhase.REFUSED, timeout=20_000)

    assert "downgrade is refused" in status.label.text()
    assert installer.calls == []


def test_when_the_server_refuses_this_version_the_update_may_install_over_a_queue(
    qtbot: QtBot,
    window: QMainWindow,
    executors: Executors,
    release_desk: ReleaseDesk,
    make_updater: Callable[..., tuple[Updater, InstallLog]],
) -> None:
    release_desk.publish("1.1.0", min_supported="1.1.0")
    updater, installer = make_updater("1.0.0")
    updates = UpdateOps(
        updater, client_for=lambda: ReleaseClient(release_desk.server_url), executors=executors, parent=window
    )
    refused = [False]
    status = UpdateStatus(
        updates, queued_changes=lambda: 4, update_required=lambda: refused[0], parent=window
    )
    window.statusBar().addPermanentWidget(status)
    window.show()
    updates.check()
    qtbot.waitUntil(lambda: updates.state.phase is UpdatePhase.READY, timeout=20_000)
    assert updates.state.required and not status.install_button.isVisible()  # still syncing: the queue first

    refused[0] = True  # the server answers 426: the queue can no longer empty
    status.refresh()

    assert status.install_button.isVisible()
    assert "Your changes are kept and sent after the update" in status.label.text()
    with qtbot.waitSignal(updates.installed, timeout=20_000):
        status.install()
    assert len(installer.calls) == 1
