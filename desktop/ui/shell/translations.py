"""English and Brazilian Portuguese: choosing the language and loading its compiled translations.

The .ts sources live in resources/translations/ (warddesk_en.ts holds only English plural forms, for
the `%n` strings); the .qm files are build outputs. `make translations`
builds them next to the sources; when they are missing or older than their source, the app compiles
them at start into the user's cache folder with PySide6's lrelease.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

import PySide6
from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from desktop.settings import LANGUAGES

log = logging.getLogger(__name__)

TRANSLATIONS_DIR = Path(__file__).resolve().parents[3] / "resources" / "translations"
SOURCE_LANGUAGE = "en"


def choose_language(setting: str, system: QLocale | None = None) -> str:
    """The setting when it names a language we ship; otherwise the system's (any Portuguese: pt_BR)."""
    if setting in LANGUAGES:
        return setting
    name = (system if system is not None else QLocale.system()).name()
    return "pt_BR" if name.startswith("pt") else SOURCE_LANGUAGE


def _lrelease() -> str | None:
    bundled = Path(PySide6.__file__).resolve().parent / "lrelease"
    if bundled.exists():
        return str(bundled)
    return shutil.which("pyside6-lrelease") or shutil.which("lrelease")


def compiled_translation(language: str, *, cache_dir: Path) -> Path | None:
    """The .qm file for `language`, compiling it into `cache_dir` when needed; None if impossible."""
    source = TRANSLATIONS_DIR / f"warddesk_{language}.ts"
    if not source.exists():
        return None
    for built in (source.with_suffix(".qm"), cache_dir / "translations" / f"warddesk_{language}.qm"):
        if built.exists() and built.stat().st_mtime >= source.stat().st_mtime:
            return built
    tool = _lrelease()
    if tool is None:
        log.warning("no lrelease found: WardDesk starts in English")
        return None
    target = cache_dir / "translations" / f"warddesk_{language}.qm"
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run([tool, "-silent", str(source), "-qm", str(target)], check=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("could not compile %s: %s", source, exc)
        return None
    return target


def install_translations(app: QCoreApplication, language: str, *, cache_dir: Path) -> list[QTranslator]:
    """Make `language` the app's language and locale (dates, times, numbers). Keep the result alive."""
    QLocale.setDefault(QLocale(language))
    installed: list[QTranslator] = []
    if language == SOURCE_LANGUAGE:
        # English needs only its plural forms ("%n tickets shown" -> "1 ticket shown").
        path = compiled_translation(SOURCE_LANGUAGE, cache_dir=cache_dir)
        plurals = QTranslator(app)
        if path is not None and plurals.load(str(path)):
            app.installTranslator(plurals)
            installed.append(plurals)
        return installed
    qt_own = QTranslator(app)  # Qt's standard buttons and dialogs
    if qt_own.load(
        QLocale(language), "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    ):
        app.installTranslator(qt_own)
        installed.append(qt_own)
    path = compiled_translation(language, cache_dir=cache_dir)
    ours = QTranslator(app)
    if path is not None and ours.load(str(path)):
        app.installTranslator(ours)
        installed.append(ours)
    return installed
