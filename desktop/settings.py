"""The desktop's settings: one typed declaration per option, stored in QSettings, upgraded by version.

    settings = DesktopSettings(QSettings(path, QSettings.Format.IniFormat))
    settings.idle_lock_minutes          # 10 unless the workstation says otherwise
    settings.idle_lock_minutes = 5

Secrets never live here (the refresh token goes to the OS keyring). An unreadable or out-of-range value
falls back to the option's default instead of failing the start. IT's system-wide file
(desktop/system_config.py) gives an option a workstation default, or locks it: a locked option reads
IT's value whatever the user stored, and writing it changes nothing. Settings written by an older WardDesk
are brought forward by the functions in UPGRADES, once, in order (Picard's config upgrade scheme).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar, overload

from PySide6.QtCore import QByteArray, QSettings

from desktop.system_config import SystemConfig

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
    name: str = field(default="", compare=False)  # the attribute's name: IT's system-wide files use it

    def __set_name__(self, owner: type, name: str) -> None:
        object.__setattr__(self, "name", name)

    def _parsed(self, raw: Any) -> T | None:
        try:
            value = self.read(raw)
        except (TypeError, ValueError):
            return None
        return value if self.check(value) else None

    @overload
    def __get__(self, settings: None, owner: type) -> Option[T]: ...

    @overload
    def __get__(self, settings: DesktopSettings, owner: type) -> T: ...

    def __get__(self, settings: DesktopSettings | None, owner: type) -> Option[T] | T:
        if settings is None:
            return self
        system = settings.system
        if self.name in system.locked:
            locked = self._parsed(system.locked[self.name])
            if locked is not None:
                return locked
        raw = settings.qsettings.value(self.key)
        if raw is None and self.name in system.defaults:
            raw = system.defaults[self.name]
        if raw is None:
            return self.default
        # Hand-edited or damaged: the default is safer than failing the start.
        value = self._parsed(raw)
        return self.default if value is None else value

    def __set__(self, settings: DesktopSettings, value: T) -> None:
        if not self.check(value):
            raise ValueError(f"{value!r} is not a valid value for {self.key}")
        if settings.locked(self.name):
            return  # IT's value stands
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

    def __init__(self, qsettings: QSettings, *, system: SystemConfig | None = None) -> None:
        self.qsettings = qsettings
        self.system = system if system is not None else SystemConfig()
        self.upgrade()

    def locked(self, name: str) -> bool:
        """Whether IT locked the option `name` (e.g. "server_url") with a valid value."""
        option = getattr(type(self), name, None)
        return (
            isinstance(option, Option)
            and name in self.system.locked
            and option._parsed(self.system.locked[name]) is not None
        )

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
