"""Rate limits on the whole API, per client address and per signed-in user, answered with 429 and
Retry-After; the probes and /metrics are never limited. The limits' clock is the test's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from shared.roles import Role
from sync_server.app import create_app
from sync_server.core.config import Settings
from tests.conftest import PASSWORD, make_test_settings


class Ticker:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticker() -> Ticker:
    return Ticker()


@pytest.fixture
def settings() -> Settings:
    return make_test_settings(messaging_in_app=False, rate_limit_per_address=3, rate_limit_per_user=0)


@pytest.fixture
def client(settings, database_url, session_factory, ticker) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(settings, database_url=database_url, monotonic=ticker)) as client:
        yield client


def test_an_address_over_its_limit_gets_429_with_retry_after_until_its_bucket_refills(client, ticker):  # type: ignore[no-untyped-def]
    assert [client.get("/wards").status_code for _ in range(3)] == [401, 401, 401]
    refused = client.get("/wards")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert refused.headers["retry-after"] == "20"  # 3 a minute: one token every 20 s
    assert refused.headers["x-content-type-options"] == "nosniff"
    ticker.now += 19
    assert client.get("/wards").status_code == 429
    ticker.now += 1
    assert client.get("/wards").status_code == 401


def test_probes_and_metrics_are_never_limited(client):  # type: ignore[no-untyped-def]
    for _ in range(10):
        assert client.get("/healthz").status_code == 200
        assert client.get("/metrics").status_code == 200
    assert client.get("/readyz").status_code == 200


@pytest.mark.parametrize(
    "settings",
    [make_test_settings(messaging_in_app=False, rate_limit_per_address=1000, rate_limit_per_user=2)],
)
def test_a_user_over_the_limit_is_refused_while_a_colleague_at_the_same_address_is_not(  # type: ignore[no-untyped-def]
    client, make_user, ticker
):
    def token(role: Role) -> dict[str, str]:
        user = make_user(role)
        answer = client.post(
            "/auth/token", data={"grant_type": "password", "username": user.username, "password": PASSWORD}
        )
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    nurse, scheduler = token(Role.NURSE), token(Role.SCHEDULER)
    assert [client.get("/wards", headers=nurse).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/wards", headers=nurse).headers["retry-after"] == "30"
    assert client.get("/wards", headers=scheduler).status_code == 200
    ticker.now += 30
    assert client.get("/wards", headers=nurse).status_code == 200
