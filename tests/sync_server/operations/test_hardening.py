"""Hardening the server sees from outside: security headers, no banner, API docs off in production,
secrets that must be strong, and whose address a request comes from behind (or without) a proxy."""

from __future__ import annotations

import logging
import secrets

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import select

from shared.roles import Role
from sync_server.app import create_app
from sync_server.audit.models import AuditEntry
from sync_server.core.config import Settings
from sync_server.core.db import transaction
from tests.conftest import make_test_settings
from tests.sync_server.operations.conftest import served

STRONG = secrets.token_urlsafe(48)


def production(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "production",
        "secret_key": STRONG,
        "database_url": "postgresql+psycopg://unused/unused",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def test_every_answer_carries_the_security_headers_and_patient_data_is_not_cached(client, sign_in):  # type: ignore[no-untyped-def]
    nurse = sign_in(Role.NURSE)
    for answer in (
        client.get("/healthz"),
        client.get("/patients", headers=nurse.headers),
        client.get("/nope"),
    ):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert answer.headers["cache-control"] == "no-store"
        assert "server" not in answer.headers
        assert "strict-transport-security" not in answer.headers  # plain HTTP, no TLS configured


def test_hsts_is_sent_when_the_server_terminates_tls(database_url, session_factory):  # type: ignore[no-untyped-def]
    settings = make_test_settings(messaging_in_app=False, tls_certfile="/c.pem", tls_keyfile="/k.pem")
    from fastapi.testclient import TestClient

    with TestClient(create_app(settings, database_url=database_url)) as tls_client:
        assert tls_client.get("/healthz").headers["strict-transport-security"].startswith("max-age=31536000")


def test_tls_needs_both_certificate_and_key() -> None:
    with pytest.raises(ValidationError, match="TLS_CERTFILE and WARDDESK_TLS_KEYFILE"):
        make_test_settings(tls_certfile="/c.pem")


def test_a_trusted_proxy_saying_https_gets_hsts_an_untrusted_one_does_not(database_url, session_factory):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    for trusted, expected in (("", False), ("0.0.0.0/0", True)):
        settings = make_test_settings(messaging_in_app=False, trusted_proxies=trusted)
        app = create_app(settings, database_url=database_url)
        with TestClient(app, client=("10.0.0.5", 4000)) as proxied:
            answer = proxied.get("/healthz", headers={"X-Forwarded-Proto": "https"})
        assert ("strict-transport-security" in answer.headers) is expected


def test_the_api_documentation_is_off_in_production_unless_enabled(database_url, session_factory):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    for settings, expected in ((production(), 404), (production(api_docs=True), 200)):
        with TestClient(create_app(settings, database_url=database_url)) as prod:
            assert prod.get("/openapi.json").status_code == expected
            assert prod.get("/docs").status_code == expected


@pytest.mark.parametrize(
    "weak",
    [" " * 32, "x" * 64, "test-secret-" + "x" * 40, "0123456789abcdef" * 2, "short-but-random-9fK2"],
    ids=["spaces", "one-letter", "repetitive", "pattern", "short"],
)
def test_a_production_secret_must_have_real_entropy(weak: str) -> None:
    with pytest.raises(ValidationError, match="too weak for production"):
        production(secret_key=weak)


def test_a_random_production_secret_is_accepted() -> None:
    assert production(secret_key=secrets.token_hex(16)).secret_key
    assert production(secret_key=secrets.token_urlsafe(32)).secret_key


def test_development_mode_warns_loudly_that_its_secret_is_public(database_url, caplog) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.WARNING, logger="sync_server.app"):
        create_app(Settings(environment="development", data_dir="/tmp/unused"), database_url=database_url)
    assert any("PUBLIC development secret" in r.getMessage() for r in caplog.records)


def _wrong_sign_in(base: str, forwarded_for: str) -> httpx.Response:
    return httpx.post(
        f"{base}/auth/token",
        data={"grant_type": "password", "username": "nobody-here", "password": "wrong password!"},
        headers={"X-Forwarded-For": forwarded_for},
    )


@pytest.mark.parametrize(("trusted", "locked_out"), [("", True), ("127.0.0.1", False)])
def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(  # type: ignore[no-untyped-def]
    database_url, session_factory, trusted, locked_out
):
    """Without trusted proxies a forged header cannot dodge the per-address sign-in lockout; behind a
    trusted proxy, each desktop's own address counts (one ward cannot lock out the hospital)."""
    settings = make_test_settings(
        messaging_in_app=False,
        trusted_proxies=trusted,
        login_max_failures_per_address=2,
        login_max_failures_per_account=100,
    )
    with served(create_app(settings, database_url=database_url), settings) as base:
        answers = [_wrong_sign_in(base, f"203.0.113.{n}") for n in range(4)]
    codes = [a.json()["error"]["code"] for a in answers]
    assert ("login_rate_limited" in codes) is locked_out, codes
    assert all("server" not in a.headers for a in answers)
    # The audit log records the same address the lockout counted.
    with transaction(session_factory) as session:
        audited = set(session.scalars(select(AuditEntry.client_address)))
    assert audited == ({"127.0.0.1"} if locked_out else {f"203.0.113.{n}" for n in range(4)})
