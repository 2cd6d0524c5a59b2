"""IT's settings for every user of a workstation: defaults, locked values and the update policy.

    Linux    /etc/warddesk/warddesk.conf (installed commented by the package)
    Windows  HKLM\\SOFTWARE\\Policies\\WardDesk (subkeys Defaults, Locked, Updates; string values, e.g.
             deployed by Group Policy), else %ProgramData%\\WardDesk\\warddesk.conf
    macOS    /Library/Application Support/WardDesk/warddesk.conf
    any      WARDDESK_SYSTEM_CONFIG=<file> names another file (tests, a non-standard deployment)

The file is INI: `[defaults]` (a user's first value), `[locked]` (enforced; the user cannot change it) and
`[updates]` (`check`, `install_command`). Keys are the option names of desktop/settings.py (server_url,
language, idle_lock_minutes). A missing or unreadable file means no system-wide settings: WardDesk still
starts, and says why in its log. No Qt here: the support bundle reads it too.
"""

from __future__ import annotations

import configparser
import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

ENV_OVERRIDE = "WARDDESK_SYSTEM_CONFIG"
WINDOWS_POLICY_KEY = r"SOFTWARE\Policies\WardDesk"
# How a verified update is installed, per platform (each asks for an administrator's consent).
DEFAULT_INSTALL_COMMAND = {
    "win32": "msiexec /i {package} /passive /norestart",
    "darwin": "open -W {package}",
}.get(sys.platform, "pkexec dpkg -i {package}")


@dataclass(frozen=True)
class SystemConfig:
    defaults: Mapping[str, str] = field(default_factory=dict)
    locked: Mapping[str, str] = field(default_factory=dict)
    check_updates: bool = True
    install_command: str = DEFAULT_INSTALL_COMMAND
    source: str = "none"  # where it was read from (shown in the support bundle)


def system_config_path() -> Path:
    """Where this platform's system-wide file lives (the override included)."""
    if os.environ.get(ENV_OVERRIDE):
        return Path(os.environ[ENV_OVERRIDE])
    if sys.platform == "win32":
        return Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "WardDesk" / "warddesk.conf"
    if sys.platform == "darwin":
        return Path("/Library/Application Support/WardDesk/warddesk.conf")
    return Path("/etc/warddesk/warddesk.conf")


def _truthy(text: str) -> bool:
    return text.strip().lower() not in ("0", "false", "no", "off")


def from_sections(sections: Mapping[str, Mapping[str, str]], *, source: str) -> SystemConfig:
    updates = sections.get("updates", {})
    return SystemConfig(
        defaults=dict(sections.get("defaults", {})),
        locked=dict(sections.get("locked", {})),
        check_updates=_truthy(updates.get("check", "true")),
        install_command=updates.get("install_command", DEFAULT_INSTALL_COMMAND),
        source=source,
    )


def read_file(path: Path) -> SystemConfig:
    """The system-wide settings in `path`; an empty config when there is none or it cannot be read."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with path.open(encoding="utf-8") as handle:
            parser.read_file(handle)
    except FileNotFoundError:
        return SystemConfig()
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        log.warning("ignoring the system-wide settings in %s: %s", path, exc)
        return SystemConfig(source=f"{path} (unreadable: {exc})")
    sections = {name.lower(): dict(parser.items(name)) for name in parser.sections()}
    return from_sections(sections, source=str(path))


def _read_windows_policy() -> SystemConfig | None:  # pragma: no cover - Windows only
    if sys.platform != "win32":
        return None
    import winreg

    sections: dict[str, dict[str, str]] = {}
    try:
        root = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, WINDOWS_POLICY_KEY)
    except OSError:
        return None
    with root:
        for section in ("Defaults", "Locked", "Updates"):
            try:
                key = winreg.OpenKey(root, section)
            except OSError:
                continue
            with key:
                values: dict[str, str] = {}
                index = 0
                while True:
                    try:
                        name, value, _kind = winreg.EnumValue(key, index)
                    except OSError:
                        break
                    values[name.lower()] = str(value)
                    index += 1
            sections[section.lower()] = values
    return from_sections(sections, source=f"HKLM\\{WINDOWS_POLICY_KEY}")


def load_system_config() -> SystemConfig:
    """This workstation's system-wide settings (see the module docstring for where they come from)."""
    if sys.platform == "win32" and not os.environ.get(ENV_OVERRIDE):  # pragma: no cover - Windows only
        policy = _read_windows_policy()
        if policy is not None:
            return policy
    return read_file(system_config_path())
