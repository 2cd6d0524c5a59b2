"""The server's refusals in the user's language: our sentence for a known code, its own words kept."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator

from desktop.ui.refusals import refusal_text

TRANSLATIONS = Path(__file__).resolve().parents[3] / "resources" / "translations"


@pytest.fixture
def portuguese(qapp: QCoreApplication, tmp_path: Path) -> Iterator[None]:
    compiled = tmp_path / "warddesk_pt_BR.qm"
    lrelease = Path(sys.executable).with_name("pyside6-lrelease")
    subprocess.run(
        [str(lrelease), "-silent", str(TRANSLATIONS / "warddesk_pt_BR.ts"), "-qm", str(compiled)], check=True
    )
    translator = QTranslator()
    assert translator.load(str(compiled))
    qapp.installTranslator(translator)
    yield
    qapp.removeTranslator(translator)


def test_a_known_code_gets_a_sentence_and_keeps_the_servers_specifics() -> None:
    assert refusal_text("slot_taken", "the doctor already has an appointment at that time") == (
        "Someone else booked this time first. (the doctor already has an appointment at that time)"
    )
    assert refusal_text("slot_taken", None) == "Someone else booked this time first."


def test_an_unknown_code_shows_the_servers_words_or_the_fallback() -> None:
    assert refusal_text("something_new", "the server's words") == "the server's words"
    assert refusal_text(None, None, fallback="") == ""
    assert refusal_text(None, None) == "No reason was given."


@pytest.mark.usefixtures("portuguese")
def test_in_portuguese_a_known_code_is_translated_and_the_specifics_follow() -> None:
    assert refusal_text("version_conflict", "The pharmacy approved it first.") == (
        "Outra pessoa alterou este registro primeiro. (The pharmacy approved it first.)"
    )
    assert (
        refusal_text("invalid_transition", None)
        == "Esta etapa já não se aplica: o registro mudou entretanto."
    )
    assert refusal_text("something_new", "the server's words") == "the server's words"
