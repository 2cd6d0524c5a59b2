"""The version gate at the protocol level, through the REAL sync server and the desktop's sync engine.

A hospital updates its PCs over days: a server that moved to the next protocol version still accepts the
previous one during the support period (docs/installation.md), and a newer desktop works against an
older server. Once the server stops supporting a version, those desktops are told to update, and their
queued changes wait in the cache and go out after the update.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

import desktop.sync.client as desktop_protocol
import sync_server.sync.api as server_protocol
from desktop.store import LocalStore
from desktop.sync import Connection, SessionTokens, SyncClient, SyncEngine
from shared.protocol import PROTOCOL_VERSION, Entity
from shared.roles import Role
from sync_server.auth.models import User
from sync_server.directory.models import Ward
from tests.conftest import PASSWORD
from tests.desktop.sync.conftest import submit_ticket
from tests.desktop.sync.test_against_real_server import formulary  # noqa: F401 - the fixture


class Desktop:
    def __init__(self, tmp_path: Path, server_url: str, user: User) -> None:
        self.store = LocalStore.open_for_user(
            server_url=server_url, username=user.username, data_dir=tmp_path
        )
        answer = httpx.post(
            f"{server_url}/auth/token",
            data={"grant_type": "password", "username": user.username, "password": PASSWORD},
        )
        assert answer.status_code == 200, answer.text
        self.tokens = SessionTokens(
            base_url=server_url,
            access_token=answer.json()["access_token"],
            refresh_token=answer.json()["refresh_token"],
        )
        self.server_url = server_url
        self.start()

    def start(self) -> None:
        """The app starting: a client speaking this build's protocol version, over the same cache."""
        self.client = SyncClient(self.server_url, tokens=self.tokens, timeout=10)
        self.engine = SyncEngine(self.store, self.client, long_poll_seconds=1)

    def restart(self) -> None:
        self.client.close()
        self.start()

    def close(self) -> None:
        self.client.close()
        self.tokens.close()
        self.store.close()


@pytest.fixture
def nurse_desktop(
    tmp_path: Path,
    server_url: str,
    make_user: Callable[..., User],
    formulary: None,  # noqa: F811
) -> Iterator[Desktop]:
    desktop = Desktop(tmp_path, server_url, make_user(Role.NURSE))
    yield desktop
    desktop.close()


def server_speaks(monkeypatch: pytest.MonkeyPatch, *, version: int, oldest_supported: int) -> None:
    monkeypatch.setattr(server_protocol, "PROTOCOL_VERSION", version)
    monkeypatch.setattr(server_protocol, "MIN_SUPPORTED_VERSION", oldest_supported)


def desktop_speaks(monkeypatch: pytest.MonkeyPatch, version: int) -> None:
    monkeypatch.setattr(desktop_protocol, "PROTOCOL_VERSION", version)


def test_an_old_desktop_keeps_working_with_a_new_server_during_the_support_period(
    nurse_desktop: Desktop, ward: Ward, monkeypatch: pytest.MonkeyPatch
) -> None:
    server_speaks(monkeypatch, version=PROTOCOL_VERSION + 1, oldest_supported=PROTOCOL_VERSION)
    submit_ticket(nurse_desktop.store, ward_id=ward.id)

    status = nurse_desktop.engine.sync_once()

    assert status.state is Connection.ONLINE and status.queued == 0


def test_a_new_desktop_works_with_an_old_server(
    nurse_desktop: Desktop, ward: Ward, monkeypatch: pytest.MonkeyPatch
) -> None:
    desktop_speaks(monkeypatch, PROTOCOL_VERSION + 1)  # new fields are opt-in features the old server ignores
    nurse_desktop.restart()
    submit_ticket(nurse_desktop.store, ward_id=ward.id)

    status = nurse_desktop.engine.sync_once()

    assert status.state is Connection.ONLINE and status.queued == 0


def test_after_the_support_period_an_old_desktop_is_told_to_update_and_its_changes_go_out_afterwards(
    nurse_desktop: Desktop, ward: Ward, monkeypatch: pytest.MonkeyPatch
) -> None:
    server_speaks(monkeypatch, version=PROTOCOL_VERSION + 1, oldest_supported=PROTOCOL_VERSION + 1)
    ticket_id = submit_ticket(nurse_desktop.store, ward_id=ward.id)

    refused = nurse_desktop.engine.sync_once()

    assert refused.state is Connection.UPDATE_REQUIRED
    assert refused.message and "update" in refused.message
    assert refused.queued == 1  # kept in the cache, not rejected
    record = nurse_desktop.store.record(Entity.TICKET, ticket_id)
    assert record is not None and record.pending

    desktop_speaks(monkeypatch, PROTOCOL_VERSION + 1)  # IT installed the update: the same cache
    nurse_desktop.restart()
    updated = nurse_desktop.engine.sync_once()

    assert updated.state is Connection.ONLINE and updated.queued == 0 and updated.rejected == 0
    record = nurse_desktop.store.record(Entity.TICKET, ticket_id)
    assert record is not None and not record.pending and record.data["status"] == "submitted"
