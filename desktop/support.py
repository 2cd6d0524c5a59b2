"""Logs on disk, and `warddesk --support-bundle`: what IT sends to support, without patient data.

The bundle is a zip of plain text files a person can read before sending it:
  versions.json     WardDesk, its build, Python, Qt and library versions, the OS, the release key
  settings.txt      the workstation's system-wide settings (IT's file) and this user's options
                    (server address, language, idle lock; never tokens or window layout)
  caches.txt        how many user caches this computer holds and their sizes (no names, no contents)
  logs/             this user's WardDesk logs, with every quoted value, e-mail address and long number
                    replaced by «…» (record ids stay: they point at records, they do not describe people)
Caches, offline sign-in files, keyring entries and downloaded updates are never included.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import platform
import re
import socket
import sys
import zipfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from platformdirs import user_log_dir

from desktop.store.paths import CACHE_FILE, default_data_dir
from desktop.system_config import load_system_config, system_config_path
from desktop.update.installation import current_installation

LOG_FILE = "warddesk.log"
LOG_BYTES = 1_000_000
LOG_BACKUPS = 3
LIBRARIES = ("PySide6-Essentials", "httpx", "sqlalchemy", "alembic", "keyring", "pydantic", "cryptography",
             "argon2-cffi", "icalendar", "orjson", "platformdirs")  # fmt: skip
USER_OPTIONS = ("connection/server_url", "ui/language", "security/idle_lock_minutes", "meta/version")

_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_LONG_NUMBER = re.compile(r"(?<![\w-])\d{6,}(?![\w-])")  # phone numbers, record numbers, not UUID parts
_REDACTED = "«…»"


def default_log_dir() -> Path:
    return Path(user_log_dir("warddesk", appauthor=False))


def configure_logging(log_dir: Path | None = None) -> Path | None:
    """Log to stderr and to a rotating file (1 MB x 4); returns the file, or None when the folder
    cannot be written (WardDesk then logs to stderr only)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    folder = log_dir if log_dir is not None else default_log_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            folder / LOG_FILE, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
        )
    except OSError as exc:
        logging.getLogger(__name__).warning("logging to stderr only: %s", exc)
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    return folder / LOG_FILE


def redact(line: str) -> str:
    """A log line with quoted values, e-mail addresses and long numbers replaced by «…»."""
    line = _QUOTED.sub(_REDACTED, line)
    line = _EMAIL.sub(_REDACTED, line)
    return _LONG_NUMBER.sub(_REDACTED, line)


def versions() -> dict[str, object]:
    installation = current_installation()
    libraries: dict[str, str | None] = {}
    for name in LIBRARIES:
        try:
            libraries[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            libraries[name] = None
    try:
        from PySide6 import QtCore

        qt = QtCore.qVersion()
    except ImportError:  # pragma: no cover - a broken install is exactly when this is needed
        qt = None
    return {
        "warddesk": str(installation.version),
        "installation": installation.platform,
        "build": installation.build_info,
        "release_key_fingerprint": installation.key_fingerprint,
        "executable": sys.executable,
        "frozen": bool(getattr(sys, "frozen", False)),
        "python": sys.version,
        "qt": qt,
        "libraries": libraries,
        "os": platform.platform(),
        "machine": platform.machine(),
    }


def _settings_text() -> str:
    system = load_system_config()
    lines = [f"system-wide settings: {system.source} (looked for {system_config_path()})"]
    lines += [f"  default {key} = {value}" for key, value in sorted(system.defaults.items())]
    lines += [f"  locked  {key} = {value}" for key, value in sorted(system.locked.items())]
    lines.append(f"  updates: check={system.check_updates} install_command={system.install_command}")
    try:
        from PySide6.QtCore import QSettings

        user = QSettings("WardDesk", "WardDesk")
        lines.append(f"this user's settings: {user.fileName()}")
        lines += [f"  {key} = {user.value(key)}" for key in USER_OPTIONS if user.contains(key)]
    except ImportError:  # pragma: no cover
        lines.append("this user's settings: Qt is unavailable")
    return "\n".join(lines) + "\n"


def _caches_text(data_dir: Path) -> str:
    caches = list((data_dir / "users").glob(f"*/*/{CACHE_FILE}")) if (data_dir / "users").is_dir() else []
    total = sum(path.stat().st_size for path in caches)
    return f"data folder: {data_dir}\nuser caches: {len(caches)}, {total / 2**20:.1f} MB in all\n"


def write_support_bundle(target: Path | None = None, *, log_dir: Path | None = None,
                         data_dir: Path | None = None) -> Path:  # fmt: skip
    """Write the bundle (a .zip; `target` may be a folder or a file name) and return its path."""
    now = datetime.now(UTC)
    name = f"warddesk-support-{socket.gethostname()}-{now:%Y%m%d-%H%M%S}.zip"
    if target is None:
        target = Path.cwd() / name
    elif target.is_dir():
        target = target / name
    logs = log_dir if log_dir is not None else default_log_dir()
    data = data_dir if data_dir is not None else default_data_dir()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("README.txt", __doc__ or "")
        bundle.writestr("versions.json", json.dumps(versions(), indent=2, default=str) + "\n")
        bundle.writestr("settings.txt", _settings_text())
        bundle.writestr("caches.txt", _caches_text(data))
        for path in sorted(logs.glob(f"{LOG_FILE}*")) if logs.is_dir() else []:
            text = path.read_text(encoding="utf-8", errors="replace")
            bundle.writestr(f"logs/{path.name}", "".join(redact(line) for line in text.splitlines(True)))
        bundle.writestr("created.txt", f"{now.isoformat(timespec='seconds')}\n")
    return target
