"""Desktop releases on the server: admins publish, anyone may ask what is current, refusals are audited."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from shared.roles import Role
from tests.conftest import Person

SIGNATURE = base64.b64encode(bytes(range(64))).decode()


def release(version: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "platform": "linux-deb",
        "version": version,
        "package": f"warddesk_{version}_amd64.deb",
        "package_url": f"https://updates.hospital.example/warddesk_{version}_amd64.deb",
        "size": 1234,
        "sha256": hashlib.sha256(version.encode()).hexdigest(),
        "signature": SIGNATURE,
        "public_key": "-----BEGIN PUBLIC KEY-----...",  # release.json carries it; the server ignores it
    }
    body.update(overrides)
    return body


def audit(client: TestClient, admin: Person, action: str) -> list[dict[str, Any]]:
    answer = client.get("/audit", params={"action": action}, headers=admin.headers)
    assert answer.status_code == 200, answer.text
    entries: list[dict[str, Any]] = answer.json()["entries"]
    return entries


def test_a_published_release_is_what_desktops_are_told_without_signing_in(
    client: TestClient, sign_in: Callable[..., Person]
) -> None:
    admin = sign_in(Role.ADMIN)
    assert client.get("/releases/desktop/current").status_code == 404

    published = client.post("/releases/desktop", json=release("1.2.0"), headers=admin.headers)

    assert published.status_code == 201, published.text
    current = client.get("/releases/desktop/current", params={"platform": "linux-deb"}).json()
    assert current["version"] == "1.2.0"
    assert current["signature"] == SIGNATURE
    assert current["package_url"].endswith("warddesk_1.2.0_amd64.deb")
    assert current["min_supported_version"] == "0"  # the first release forces nobody
    assert client.get("/releases/desktop/current", params={"platform": "windows-msi"}).status_code == 404
    [entry] = audit(client, admin, "release.publish")
    assert entry["details"]["version"] == "1.2.0"


def test_the_current_release_is_the_highest_version_and_keeps_its_minimum(
    client: TestClient, sign_in: Callable[..., Person]
) -> None:
    admin = sign_in(Role.ADMIN)
    for body in (release("1.9.0", min_supported_version="1.5"), release("1.10.0")):
        assert client.post("/releases/desktop", json=body, headers=admin.headers).status_code == 201

    current = client.get("/releases/desktop/current").json()

    assert (current["version"], current["min_supported_version"]) == ("1.10.0", "1.5")
    history = client.get("/releases/desktop", headers=admin.headers).json()
    assert [r["version"] for r in history] == ["1.10.0", "1.9.0"]


def test_publishing_an_older_or_the_same_version_is_refused(
    client: TestClient, sign_in: Callable[..., Person]
) -> None:
    admin = sign_in(Role.ADMIN)
    assert client.post("/releases/desktop", json=release("2.0.0"), headers=admin.headers).status_code == 201

    for version in ("1.9.9", "2.0.0", "2.0"):
        answer = client.post("/releases/desktop", json=release(version), headers=admin.headers)
        assert answer.status_code == 409, version
        assert answer.json()["error"]["details"] == {"current": "2.0.0"}
    assert client.get("/releases/desktop/current").json()["version"] == "2.0.0"


def test_only_admins_publish_and_malformed_releases_are_refused(
    client: TestClient, sign_in: Callable[..., Person]
) -> None:
    admin, nurse = sign_in(Role.ADMIN), sign_in(Role.NURSE)
    assert client.post("/releases/desktop", json=release("1.0.0"), headers=nurse.headers).status_code == 403
    assert client.post("/releases/desktop", json=release("1.0.0")).status_code == 401
    malformed = [
        release("1.0.0", signature="A" * 88),  # not 64 bytes once decoded
        release("1.0-beta"),
        release("1.0.0", platform="amiga"),
        release("1.0.0", package_url="file:///etc/passwd"),
        release("1.0.0", min_supported_version="1.1.0"),  # a minimum above the release itself
    ]
    for body in malformed:
        answer = client.post("/releases/desktop", json=body, headers=admin.headers)
        assert answer.status_code == 422, body
    assert client.get("/releases/desktop/current").status_code == 404


def test_a_refused_update_becomes_an_audit_entry_naming_the_user_when_signed_in(
    client: TestClient, sign_in: Callable[..., Person]
) -> None:
    admin, nurse = sign_in(Role.ADMIN), sign_in(Role.NURSE)
    refusal = {
        "platform": "linux-deb",
        "version": "1.3.0",
        "installed_version": "1.2.0",
        "reason": "signature_invalid",
        "message": "The update does not carry a valid signature.",
    }

    signed_in = client.post("/releases/desktop/refusals", json=refusal, headers=nurse.headers)
    before_sign_in = client.post(
        "/releases/desktop/refusals", json={**refusal, "reason": "downgrade", "version": "1.1.0"}
    )

    assert (signed_in.status_code, before_sign_in.status_code) == (204, 204)
    entries = audit(client, admin, "release.refused")
    by_reason = {entry["details"]["reason"]: entry for entry in entries}
    assert by_reason["signature_invalid"]["username"] == nurse.user.username
    assert by_reason["signature_invalid"]["entity_id"] == "1.3.0"
    assert by_reason["downgrade"]["username"] == ""
    bogus = client.post("/releases/desktop/refusals", json={**refusal, "reason": "because"})
    assert bogus.status_code == 422
