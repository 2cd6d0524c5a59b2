"""The whole OpenAPI schema holds: generated requests to every operation never get a 5xx, and every answer
has a documented status code and a body matching its documented schema. In-process, real PostgreSQL.

One pytest test per operation and generation mode. (schemathesis' own pytest loader for fixtures does not
work with pytest 9, so the test drives its Hypothesis strategies directly.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import BaseSchema, GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from shared.roles import Role
from sync_server.app import create_app
from sync_server.auth.models import User
from sync_server.auth.service import AuthService
from sync_server.core.db import transaction
from sync_server.migrations.schema import metadata
from tests.conftest import make_test_settings as make_settings

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
EXAMPLES_PER_OPERATION = 25


def _cases() -> list[tuple[str, str, GenerationMode]]:
    """Every (method, path, mode); an operation without any input has no invalid request to generate."""
    # Building the app does not connect to the database, so the operations are known at collection time.
    app = create_app(make_settings(), database_url="postgresql://collecting@127.0.0.1:1/none")
    cases = []
    for path, operations in app.openapi()["paths"].items():
        for method, spec in operations.items():
            takes_input = bool(spec.get("parameters") or spec.get("requestBody"))
            for mode in GenerationMode if takes_input else [GenerationMode.POSITIVE]:
                cases.append((method.upper(), path, mode))
    return cases


@pytest.fixture(scope="module")
def fuzzed_app(engine: Engine) -> Iterator[FastAPI]:
    """One app for all generated requests (building the schema once), emptied after the module."""
    # Generated sign-ins fail by the hundred; the lockout is tested in test_auth.py, not here.
    settings = make_settings(
        login_max_failures_per_account=1_000_000, login_max_failures_per_address=1_000_000
    )
    yield create_app(settings, database_url=engine.url.render_as_string(hide_password=False))
    tables = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="module")
def api_schema(fuzzed_app: FastAPI) -> BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app)


@pytest.fixture(scope="module")
def admin_headers(fuzzed_app: FastAPI) -> Callable[[], dict[str, str]]:
    """Headers of a fresh admin session for each call: a generated POST /auth/logout ends the one it used."""
    factory: sessionmaker[Session] = fuzzed_app.state.session_factory
    with transaction(factory) as session:
        # The password is never used: tokens are minted directly, which spares a slow hash per test.
        admin = User(
            username="contract-admin", full_name="Contract Admin", role=Role.ADMIN, password_hash="-"
        )
        session.add(admin)

    def _headers() -> dict[str, str]:
        with transaction(factory) as session:
            user = session.get(User, admin.id)
            assert user is not None
            tokens = AuthService(session, fuzzed_app.state.settings).start_session(
                user, client="schemathesis"
            )
        return {"Authorization": f"Bearer {tokens.access_token}"}

    return _headers


@pytest.mark.parametrize(("method", "path", "mode"), _cases(), ids=str)
def test_every_operation_honours_its_documented_contract(api_schema, admin_headers, method, path, mode):  # type: ignore[no-untyped-def]
    operation = api_schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis_settings(
        max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck)
    )
    def holds(case) -> None:  # type: ignore[no-untyped-def]
        case.call_and_validate(headers=admin_headers(), checks=CHECKS)

    holds()


# --- bad input, spelled out: what the fuzzer found once stays fixed -------------------------------------


@pytest.fixture
def admin(sign_in):  # type: ignore[no-untyped-def]
    return sign_in(Role.ADMIN)


def error_of(answer) -> dict:  # type: ignore[no-untyped-def,type-arg]
    assert set(answer.json()) == {"error"}, answer.text
    return answer.json()["error"]  # type: ignore[no-any-return]


def test_a_nul_character_in_a_query_is_invalid_not_a_server_error(client, admin):  # type: ignore[no-untyped-def]
    answer = client.get("/audit", params={"action": "login\x00"}, headers=admin.headers)
    assert answer.status_code == 422
    assert error_of(answer)["code"] == "invalid_request"


def test_a_nul_character_in_a_sign_in_form_is_invalid_not_a_server_error(client):  # type: ignore[no-untyped-def]
    answer = client.post(
        "/auth/token", data={"grant_type": "password", "username": "ana\x00", "password": "x"}
    )
    assert answer.status_code == 422
    assert error_of(answer)["code"] == "invalid_request"


def test_a_body_that_is_not_json_is_invalid_and_says_so(client, admin):  # type: ignore[no-untyped-def]
    headers = {**admin.headers, "Content-Type": "application/json"}
    answer = client.post("/users", content=b'{"username": ', headers=headers)
    assert answer.status_code == 422
    assert "not valid JSON" in error_of(answer)["message"]


def test_an_oversized_body_is_refused_whether_its_length_is_declared_or_not(client, admin):  # type: ignore[no-untyped-def]
    headers = {**admin.headers, "Content-Type": "application/json"}
    big = b'{"full_name": "' + b"x" * 1_100_000 + b'"}'

    declared = client.post("/users", content=big, headers=headers)

    def chunks():  # type: ignore[no-untyped-def]
        for start in range(0, len(big), 64 * 1024):
            yield big[start : start + 64 * 1024]

    streamed = client.post("/users", content=chunks(), headers=headers)
    for answer in (declared, streamed):
        assert answer.status_code == 413
        assert error_of(answer)["code"] == "payload_too_large"


def test_unknown_paths_and_methods_answer_in_the_one_error_shape(client, admin):  # type: ignore[no-untyped-def]
    missing = client.get("/no-such-thing", headers=admin.headers)
    assert (missing.status_code, error_of(missing)["code"]) == (404, "not_found")
    wrong_method = client.delete("/users", headers=admin.headers)
    assert (wrong_method.status_code, error_of(wrong_method)["code"]) == (405, "method_not_allowed")
