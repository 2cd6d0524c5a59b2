"""The workstation's settings: typed, defaulted, safe against hand-edits, upgraded once per version."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from PySide6.QtCore import QSettings

from desktop.settings import DesktopSettings


def _ini(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def test_a_new_workstation_gets_the_defaults(tmp_path: Path) -> None:
    settings = DesktopSettings(_ini(tmp_path))

    assert settings.server_url == "http://127.0.0.1:8080"
    assert settings.idle_lock_minutes == 10
    assert settings.language == ""
    assert settings.last_username == ""
    assert settings.window_geometry.isEmpty()


def test_values_survive_a_restart_with_their_types(tmp_path: Path) -> None:
    settings = DesktopSettings(_ini(tmp_path))
    settings.idle_lock_minutes = 3
    settings.language = "pt_BR"
    settings.sync()

    again = DesktopSettings(_ini(tmp_path))

    assert again.idle_lock_minutes == 3
    assert again.language == "pt_BR"


def test_a_hand_edited_nonsense_value_falls_back_to_the_default(tmp_path: Path) -> None:
    raw = _ini(tmp_path)
    raw.setValue("security/idle_lock_minutes", "soon")
    raw.setValue("ui/language", "klingon")
    raw.sync()

    settings = DesktopSettings(_ini(tmp_path))

    assert settings.idle_lock_minutes == 10
    assert settings.language == ""


def test_an_invalid_value_is_refused_when_set(tmp_path: Path) -> None:
    settings = DesktopSettings(_ini(tmp_path))

    with pytest.raises(ValueError):
        settings.idle_lock_minutes = 0


def test_settings_of_an_older_version_are_upgraded_once(tmp_path: Path) -> None:
    calls: list[int] = []

    class NextVersion(DesktopSettings):
        VERSION = DesktopSettings.VERSION + 1
        STEPS: ClassVar = {DesktopSettings.VERSION + 1: lambda qsettings: calls.append(1)}

    DesktopSettings(_ini(tmp_path)).sync()
    NextVersion(_ini(tmp_path)).sync()
    NextVersion(_ini(tmp_path)).sync()

    assert calls == [1]
    assert int(_ini(tmp_path).value("meta/version")) == NextVersion.VERSION
