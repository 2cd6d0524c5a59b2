"""A release world for update tests: the REAL sync server, a real HTTP server holding packages, a key."""

from __future__ import annotations

import base64
import functools
import hashlib
import http.server
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desktop.update import Installation, ReleaseClient, Updater
from shared.releases import Version
from shared.roles import Role
from sync_server.auth.models import User
from tests.conftest import PASSWORD


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture
def package_host(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder served over HTTP (what IT's package server does); yields (folder, base URL)."""
    folder = tmp_path / "packages"
    folder.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="package-host", daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(10)


@dataclass
class ReleaseDesk:
    """IT's side: the release key, the package server and an admin publishing on the sync server."""

    key: Ed25519PrivateKey
    folder: Path
    base_url: str
    server_url: str
    admin_headers: dict[str, str]

    def publish(
        self,
        version: str,
        *,
        content: bytes | None = None,
        served: bytes | None = None,
        signed_by: Ed25519PrivateKey | None = None,
        announced_sha256: str | None = None,
        min_supported: str | None = None,
    ) -> bytes:
        """Sign `content` (a fake package), serve `served` (default: the same bytes) and publish it."""
        content = content if content is not None else os.urandom(600_000)  # a few download chunks
        served = served if served is not None else content
        name = f"warddesk_{version}_amd64.deb"
        (self.folder / name).write_bytes(served)
        body = {
            "platform": "linux-deb",
            "version": version,
            "package_url": f"{self.base_url}/{name}",
            "size": len(served),
            "sha256": announced_sha256 or hashlib.sha256(served).hexdigest(),
            "signature": base64.b64encode((signed_by or self.key).sign(content)).decode(),
        }
        if min_supported:
            body["min_supported_version"] = min_supported
        answer = httpx.post(f"{self.server_url}/releases/desktop", json=body, headers=self.admin_headers)
        assert answer.status_code == 201, answer.text
        return content

    def refusals(self) -> list[dict[str, object]]:
        answer = httpx.get(
            f"{self.server_url}/audit", params={"action": "release.refused"}, headers=self.admin_headers
        )
        assert answer.status_code == 200, answer.text
        entries: list[dict[str, object]] = answer.json()["entries"]
        return entries


@pytest.fixture
def release_desk(
    server_url: str, package_host: tuple[Path, str], make_user: Callable[..., User]
) -> ReleaseDesk:
    admin = make_user(Role.ADMIN)
    answer = httpx.post(
        f"{server_url}/auth/token",
        data={"grant_type": "password", "username": admin.username, "password": PASSWORD},
    )
    assert answer.status_code == 200, answer.text
    headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    folder, base_url = package_host
    return ReleaseDesk(Ed25519PrivateKey.generate(), folder, base_url, server_url, headers)


@dataclass
class InstallLog:
    """The platform installer's stand-in: records each package it was asked to install."""

    calls: list[list[str]]

    def __call__(self, argv: object) -> int:
        self.calls.append(list(argv))  # type: ignore[call-overload]
        return 0


@pytest.fixture
def make_updater(tmp_path: Path, release_desk: ReleaseDesk) -> Callable[..., tuple[Updater, InstallLog]]:
    def _make(
        installed: str = "1.0.0", *, key: Ed25519PrivateKey | None = None
    ) -> tuple[Updater, InstallLog]:
        installation = Installation(
            Version.parse(installed), "linux-deb", (key or release_desk.key).public_key()
        )
        log = InstallLog([])
        updater = Updater(
            installation=installation,
            staging_dir=tmp_path / "cache" / "updates",
            install_command="pkexec dpkg -i {package}",
            run=log,
        )
        return updater, log

    return _make


@pytest.fixture
def release_client(release_desk: ReleaseDesk) -> ReleaseClient:
    return ReleaseClient(release_desk.server_url, timeout=10)
