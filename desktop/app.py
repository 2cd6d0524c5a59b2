"""`warddesk`: the desktop client's composition root.

main() parses the command line, builds the QApplication, the settings and the translations, then the
shell flow (sign-in window, then the main window). Nothing is global: every object is passed on.
Qt is imported inside main(), so `warddesk --help` works on a machine without a display.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop.ops.background import Executors
    from desktop.ops.update import UpdateOps
    from desktop.settings import DesktopSettings
    from desktop.system_config import SystemConfig
    from desktop.ui.shell.flow import ShellFlow
    from desktop.ui.shell.main_window import MainWindow
    from desktop.update import Updater

DEMO_USERS = ("admin", "scheduler", "pharmacist", "doctor", "nurse")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="warddesk", description="WardDesk desktop client.")
    parser.add_argument(
        "--server", help="sync server URL (default: the last one used, else http://127.0.0.1:8080)"
    )
    parser.add_argument(
        "--lang", choices=["en", "pt_BR"], help="interface language (default: settings, else system)"
    )
    parser.add_argument(
        "--demo-user",
        choices=DEMO_USERS,
        help="fill the sign-in form with a demo hospital account (demo password) and sign in",
    )
    parser.add_argument(
        "--data-dir", type=Path, help="where users' caches live (default: the OS data folder)"
    )
    parser.add_argument(
        "--support-bundle",
        nargs="?",
        const=Path.cwd(),
        type=Path,
        metavar="PATH",
        help="write a zip of logs, versions and settings for support (no patient data) and exit",
    )
    parser.add_argument(
        "--update",
        action="store_true",
        help="install a newer release from the server now, if its signature verifies, and exit (for IT)",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="start, show the sign-in window, print that it did and exit (checks an installation)",
    )
    return parser.parse_args(argv)


def make_updater(system: SystemConfig) -> Updater:
    """This installation's updater; downloads wait in the user's cache folder."""
    from platformdirs import user_cache_dir

    from desktop.update import Updater, current_installation

    return Updater(
        installation=current_installation(),
        staging_dir=Path(user_cache_dir("warddesk", appauthor=False)) / "updates",
        install_command=system.install_command,
    )


def preload_without_qt() -> None:
    """Import the big non-Qt libraries before PySide6: PySide6's import hook inspects the source of every
    module imported after it, which costs a third of a second at start."""
    import argon2  # noqa: F401
    import httpx  # noqa: F401
    import keyring  # noqa: F401

    import desktop.store  # noqa: F401  (SQLAlchemy, Alembic)
    import desktop.sync  # noqa: F401


def start_updates(
    updater: Updater, *, settings: DesktopSettings, executors: Executors, flow: ShellFlow
) -> UpdateOps:
    """Check for a release now and daily; show its state in each main window's status bar."""
    from desktop.ops.update import UpdateOps
    from desktop.ui.shell.update_bar import attach_update_status
    from desktop.update import ReleaseClient

    def client() -> ReleaseClient:
        # Signed in: that session's server, and its token, so a refused update is audited with the user.
        session = flow.session
        if session is None:
            return ReleaseClient(settings.server_url)
        return ReleaseClient(session.server_url, token=session.tokens.access_token)

    updates = UpdateOps(updater, client_for=client, executors=executors, parent=flow)

    def attach(window: MainWindow) -> None:
        if flow.runner is not None:
            attach_update_status(window, runner=flow.runner, updates=updates)

    flow.mainWindowShown.connect(attach)
    updates.start()
    return updates


def main(argv: list[str] | None = None) -> int:
    """Run the desktop app until the user quits; returns the exit code."""
    args = parse_args(argv)
    if args.support_bundle is not None:
        from desktop.support import write_support_bundle

        print(write_support_bundle(args.support_bundle, data_dir=args.data_dir))
        return 0
    from desktop.support import configure_logging
    from desktop.system_config import load_system_config
    from desktop.update import install_staged_at_start

    configure_logging()
    system = load_system_config()
    updater = make_updater(system)
    if args.update:
        from desktop.update import ReleaseClient, update_now

        server = system.locked.get("server_url") or args.server or system.defaults.get("server_url")
        if not server:
            print("warddesk --update needs --server (or server_url in the system-wide settings)")
            return 2
        return update_now(updater, ReleaseClient(server))
    if not args.self_test and install_staged_at_start(updater):
        os.execv(sys.executable, [sys.executable, *sys.argv[1:]])  # the new version takes over
    for chatty in ("alembic", "httpx"):  # a line per migration plugin and per request: noise in a terminal
        logging.getLogger(chatty).setLevel(logging.WARNING)
    preload_without_qt()

    from platformdirs import user_cache_dir
    from PySide6.QtCore import QProcess, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.ops.background import Executors
    from desktop.ops.session import TokenVault
    from desktop.settings import DesktopSettings
    from desktop.ui.shell.flow import ShellFlow
    from desktop.ui.shell.translations import choose_language, install_translations
    from desktop.ui.theme import configure_high_dpi

    configure_high_dpi()
    app = QApplication(sys.argv[:1])
    app.setOrganizationName("WardDesk")
    app.setApplicationName("WardDesk")
    app.setApplicationDisplayName("WardDesk")
    settings = DesktopSettings(QSettings(), system=system)
    if settings.locked("server_url"):
        args.server = None  # IT's address, whatever the command line says
    if args.lang:
        settings.language = args.lang
    language = choose_language(settings.language)
    translators = install_translations(
        app, language, cache_dir=Path(user_cache_dir("warddesk", appauthor=False))
    )

    executors = Executors()
    flow = ShellFlow(
        settings=settings,
        vault=TokenVault(),
        executors=executors,
        data_dir=args.data_dir,
        server_url=args.server,
    )
    flow.finished.connect(app.quit)
    if system.check_updates and not args.self_test:
        updates = start_updates(updater, settings=settings, executors=executors, flow=flow)
        updates.installed.connect(lambda: (QProcess.startDetached(sys.executable, sys.argv[1:]), flow.quit()))
        flow.finished.connect(updates.stop)
    # Ctrl+C in the terminal (make demo) quits cleanly. Qt's loop hides signals from Python, so a timer
    # hands control back to the interpreter a few times a second to let the handler run.
    signal.signal(signal.SIGINT, lambda *_: app.quit())
    wake_python = QTimer()
    wake_python.timeout.connect(lambda: None)
    wake_python.start(250)
    window = flow.show_sign_in(username=args.demo_user)
    if args.self_test:

        def report_and_quit() -> None:
            print(f"WardDesk started: sign-in window shown={window.isVisible()}", flush=True)
            app.exit(0 if window.isVisible() else 1)

        QTimer.singleShot(0, report_and_quit)
    if args.demo_user:
        window.fill(username=args.demo_user, password=f"demo-{args.demo_user}-2026")
        window.submit()
    try:
        code = app.exec()
    finally:
        flow.quit()
        executors.shutdown()
        settings.sync()
    del translators
    return code


if __name__ == "__main__":
    raise SystemExit(main())
