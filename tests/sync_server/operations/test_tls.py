"""Serving TLS directly: `serve`'s uvicorn options with WARDDESK_TLS_CERTFILE/KEYFILE answer over HTTPS,
with HSTS, and nothing in plain HTTP."""

from __future__ import annotations

import datetime as dt
import ssl
from ipaddress import ip_address
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sync_server.app import create_app
from tests.conftest import make_test_settings
from tests.sync_server.operations.conftest import served


def self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


def test_the_server_answers_over_tls_with_hsts_and_no_banner(database_url, session_factory, tmp_path):  # type: ignore[no-untyped-def]
    cert_file, key_file = self_signed(tmp_path)
    settings = make_test_settings(messaging_in_app=False, tls_certfile=cert_file, tls_keyfile=key_file)
    trust = ssl.create_default_context(cafile=str(cert_file))
    with served(create_app(settings, database_url=database_url), settings) as base:
        assert base.startswith("https://")
        answer = httpx.get(f"{base}/healthz", verify=trust)
        with pytest.raises(httpx.HTTPError):
            httpx.get(base.replace("https://", "http://") + "/healthz")
    assert answer.status_code == 200
    assert answer.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    assert "server" not in answer.headers
