"""The desktop's settings: one typed declaration per option, stored in QSettings, upgraded by version.

    settings = DesktopSettings(QSettings(path, QSettings.Format.IniFormat))
    settings.idle_lock_minutes          # 10 unless the workstation says otherwise
    settings.idle_lock_minutes = 5

Secrets never live here (the refresh token goes to the OS keyring). An unreadable or out-of-range value
falls back to the option's default instead of failing the start. Settings written by an older WardDesk
are brought forward by the functions in UPGRADES, once, in order (Picard's config upgrade scheme).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar, overload

from PySide6.QtCore import QByteArray, QSettings

T = TypeVar("T")

DEFAULT_SERVER_URL = "http://127.0.0.1:8080"
LANGUAGES = ("en", "pt_BR")


@dataclass(frozen=True)
class Option(Generic[T]):
    """One setting: its key in QSettings, its default, and how a stored value is read back."""

    key: str
    default: T
    read: Callable[[Any], T]
    check: Callable[[T], bool] = lambda _value: True

    @overload
    def __get__(self, settings: None, owner: type) -> Option[T]: ...

    @overload
    def __get__(self, settings: DesktopSettings, owner: type) -> T: ...

    def __get__(self, settings: DesktopSettings | None, owner: type) -> Option[T] | T:
        if settings is None:
            return self
        raw = settings.qsettings.value(self.key)
        if raw is None:
            return self.default
        try:
            value = self.read(raw)
        except (TypeError, ValueError):
            return self.default  # hand-edited or damaged: the default is safer than failing the start
        return value if self.check(value) else self.default

    def __set__(self, settings: DesktopSettings, value: T) -> None:
        if not self.check(value):
            raise ValueError(f"{value!r} is not a valid value for {self.key}")
        settings.qsettings.setValue(self.key, value)


def _text(raw: Any) -> str:
    return str(raw)


def _integer(raw: Any) -> int:
    return int(raw)


def _bytes(raw: Any) -> QByteArray:
    if isinstance(raw, QByteArray):
        return raw
    if isinstance(raw, bytes | bytearray):
        return QByteArray(bytes(raw))
    raise TypeError("not bytes")


# Version N's step rewrites what version N-1 stored (a renamed key, a changed unit). Bump
# DesktopSettings.VERSION with each new step; none are needed yet.
UPGRADES: dict[int, Callable[[QSettings], None]] = {}


class DesktopSettings:
    """Typed access to the workstation's QSettings. Create one in main() and pass it on."""

    VERSION = 1
    STEPS: ClassVar[dict[int, Callable[[QSettings], None]]] = UPGRADES

    server_url = Option("connection/server_url", DEFAULT_SERVER_URL, _text, lambda url: "://" in url)
    language = Option("ui/language", "", _text, lambda code: code in ("", *LANGUAGES))  # "": system locale
    idle_lock_minutes = Option(
        "security/idle_lock_minutes", 10, _integer, lambda minutes: 1 <= minutes <= 240
    )
    last_username = Option("session/last_username", "", _text, lambda name: len(name) <= 150)
    window_geometry = Option("ui/main_window_geometry", QByteArray(), _bytes)

    def __init__(self, qsettings: QSettings) -> None:
        self.qsettings = qsettings
        self.upgrade()

    def upgrade(self) -> None:
        """Run each upgrade step newer than the stored version, in order, then record this version."""
        stored = _integer(self.qsettings.value("meta/version", 0) or 0)
        for version in range(stored + 1, self.VERSION + 1):
            step = self.STEPS.get(version)
            if step is not None:
                step(self.qsettings)
        if stored != self.VERSION:
            self.qsettings.setValue("meta/version", self.VERSION)

    def sync(self) -> None:
        """Write pending changes to disk now (QSettings otherwise writes them later)."""
        self.qsettings.sync()
