"""IT's system-wide settings: defaults for every user of a PC, locked values nobody can change; and the
support bundle: logs and versions, no patient data."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from desktop.settings import DesktopSettings
from desktop.support import redact, write_support_bundle
from desktop.system_config import ENV_OVERRIDE, load_system_config, read_file

SYSTEM_FILE = """
[defaults]
language = pt_BR
idle_lock_minutes = 15

[locked]
server_url = https://warddesk.hospital.example:8443
idle_lock_minutes = 5

[updates]
check = false
install_command = /usr/local/sbin/warddesk-install {package}
"""


@pytest.fixture
def user_settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "user.ini"), QSettings.Format.IniFormat)


def test_locked_values_win_over_the_users_own_and_cannot_be_changed(
    tmp_path: Path, user_settings: QSettings
) -> None:
    (tmp_path / "warddesk.conf").write_text(SYSTEM_FILE)
    user_settings.setValue("connection/server_url", "http://my-laptop:8080")  # set before IT locked it
    settings = DesktopSettings(user_settings, system=read_file(tmp_path / "warddesk.conf"))

    assert settings.server_url == "https://warddesk.hospital.example:8443"
    assert settings.idle_lock_minutes == 5  # locked beats the default of the same key
    settings.server_url = "http://elsewhere:8080"
    settings.idle_lock_minutes = 60
    assert (settings.server_url, settings.idle_lock_minutes) == ("https://warddesk.hospital.example:8443", 5)
    assert settings.locked("server_url") and not settings.locked("language")


def test_defaults_apply_until_the_user_chooses(tmp_path: Path, user_settings: QSettings) -> None:
    (tmp_path / "warddesk.conf").write_text(SYSTEM_FILE)
    settings = DesktopSettings(user_settings, system=read_file(tmp_path / "warddesk.conf"))

    assert settings.language == "pt_BR"
    settings.language = "en"
    assert settings.language == "en"


def test_the_update_policy_and_a_missing_or_broken_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "warddesk.conf").write_text(SYSTEM_FILE)
    monkeypatch.setenv(ENV_OVERRIDE, str(tmp_path / "warddesk.conf"))
    system = load_system_config()
    assert not system.check_updates
    assert system.install_command == "/usr/local/sbin/warddesk-install {package}"

    assert read_file(tmp_path / "none.conf").locked == {}  # no file: nothing system-wide
    (tmp_path / "broken.conf").write_text("locked]\nserver_url\n")
    assert read_file(tmp_path / "broken.conf").locked == {}  # unreadable: ignored, WardDesk still starts


def test_an_invalid_locked_value_falls_back_to_the_users_setting(
    tmp_path: Path, user_settings: QSettings
) -> None:
    (tmp_path / "warddesk.conf").write_text("[locked]\nidle_lock_minutes = forever\n")
    settings = DesktopSettings(user_settings, system=read_file(tmp_path / "warddesk.conf"))

    settings.idle_lock_minutes = 20
    assert settings.idle_lock_minutes == 20 and not settings.locked("idle_lock_minutes")


def test_the_support_bundle_has_versions_settings_and_redacted_logs_but_no_cache(tmp_path: Path) -> None:
    logs, data = tmp_path / "logs", tmp_path / "data"
    logs.mkdir()
    (logs / "warddesk.log").write_text(
        "2026-12-03 08:00:01,123 ERROR desktop.ops: input_value='Maria Silva' for patient "
        "0b7c6f0e-1d3a-4a53-9b1c-5f0e2a7d9c11, phone 912345678, mail maria@example.org\n"
    )
    cache = data / "users" / "sync.hospital.example" / "nurse.ana" / "cache.sqlite"
    cache.parent.mkdir(parents=True)
    cache.write_bytes(b"SQLite format 3\x00 Maria Silva")

    path = write_support_bundle(tmp_path, log_dir=logs, data_dir=data)

    with zipfile.ZipFile(path) as bundle:
        names = set(bundle.namelist())
        assert {"versions.json", "settings.txt", "caches.txt", "logs/warddesk.log"} <= names
        assert not any(name.endswith(".sqlite") for name in names)
        everything = b"".join(bundle.read(name) for name in names)
        log_text = bundle.read("logs/warddesk.log").decode()
        versions = json.loads(bundle.read("versions.json"))
    assert b"Maria" not in everything and b"912345678" not in everything and b"maria@" not in everything
    assert "0b7c6f0e-1d3a-4a53-9b1c-5f0e2a7d9c11" in log_text  # record ids stay: they help find the bug
    assert "2026-12-03 08:00:01,123 ERROR" in log_text
    assert versions["warddesk"] and versions["qt"]


def test_redaction_keeps_the_shape_of_a_line() -> None:
    assert redact('sync POST /sync/push: "Ana" 1234567 ok') == "sync POST /sync/push: «…» «…» ok"
