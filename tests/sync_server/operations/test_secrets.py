"""The secret key from the environment, a file, or AWS Secrets Manager (a real moto server)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer
from pydantic import ValidationError

from sync_server.core.config import Settings
from tests.sync_server.operations.conftest import free_port

STRONG = secrets.token_urlsafe(48)


def production(**values: object) -> Settings:
    return Settings(environment="production", database_url="postgresql+psycopg://u@h/db", **values)  # type: ignore[arg-type]


@pytest.fixture
def secrets_manager(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def test_the_secret_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARDDESK_SECRET_KEY", STRONG)
    assert production().secret_key == STRONG


def test_the_secret_key_comes_from_a_file(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    key_file = tmp_path / "secret_key"
    key_file.write_text(STRONG + "\n")
    monkeypatch.setenv("WARDDESK_SECRET_KEY_FILE", str(key_file))
    assert production().secret_key == STRONG


def test_a_missing_or_empty_secret_file_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="cannot be read"):
        production(secret_key_file=tmp_path / "absent")
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(ValidationError, match="is empty"):
        production(secret_key_file=tmp_path / "empty")


def test_the_secret_key_comes_from_aws_secrets_manager(secrets_manager: str) -> None:
    aws = boto3.client("secretsmanager", region_name="eu-west-1", endpoint_url=secrets_manager)
    aws.create_secret(Name="warddesk/plain", SecretString=STRONG)
    aws.create_secret(Name="warddesk/json", SecretString=json.dumps({"secret_key": STRONG[::-1]}))

    plain = production(secret_key_aws_secret_id="warddesk/plain", secrets_endpoint_url=secrets_manager)
    as_json = production(secret_key_aws_secret_id="warddesk/json", secrets_endpoint_url=secrets_manager)

    assert plain.secret_key == STRONG
    assert as_json.secret_key == STRONG[::-1]


def test_a_weak_or_missing_aws_secret_is_refused(secrets_manager: str) -> None:
    aws = boto3.client("secretsmanager", region_name="eu-west-1", endpoint_url=secrets_manager)
    aws.create_secret(Name="warddesk/weak", SecretString="changeme" * 5)
    with pytest.raises(ValidationError, match="too weak for production"):
        production(secret_key_aws_secret_id="warddesk/weak", secrets_endpoint_url=secrets_manager)
    with pytest.raises(ValidationError, match="cannot be read"):
        production(secret_key_aws_secret_id="warddesk/absent", secrets_endpoint_url=secrets_manager)
