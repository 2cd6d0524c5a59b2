"""Signing in, token rotation, sign-out, lockout and the admin's user management, as a client sees them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from shared.roles import Role
from sync_server.app import create_app
from sync_server.audit.models import AuditEntry
from sync_server.auth.models import LoginThrottle, RefreshToken, SessionFamily
from sync_server.auth.tokens import issue_access_token
from sync_server.core.db import transaction
from tests.conftest import PASSWORD, TEST_SECRET
from tests.conftest import make_test_settings as make_settings


def password_grant(client: TestClient, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(
        "/auth/token", data={"grant_type": "password", "username": username, "password": password}
    )


def refresh_grant(client: TestClient, refresh_token: str):  # type: ignore[no-untyped-def]
    return client.post("/auth/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token})


def another_workstation(app) -> TestClient:  # type: ignore[no-untyped-def]
    """Calls to the running app from another address (not entered: `client` already runs the app)."""
    return TestClient(app, client=("10.20.30.40", 50000))


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def error_code(answer) -> str:  # type: ignore[no-untyped-def]
    return answer.json()["error"]["code"]


@pytest.fixture
def strict_client(database_url: str, session_factory) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """A server that locks an account after 3 failures and an address after 5."""
    settings = make_settings(login_max_failures_per_account=3, login_max_failures_per_address=5)
    with TestClient(create_app(settings, database_url=database_url)) as client:
        yield client


# --- password grant ---------------------------------------------------------------------------------


def test_a_nurse_signs_in_and_sees_who_she_is(client, make_user):
    nurse = make_user(Role.NURSE, username="maria")
    answer = password_grant(client, "maria")
    assert answer.status_code == 200, answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    tokens = answer.json()
    assert tokens["token_type"] == "bearer"
    assert 0 < tokens["expires_in"] <= 15 * 60
    assert tokens["user"]["role"] == "nurse"
    me = client.get("/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json()["username"] == "maria"
    assert me.json()["ward_ids"] == [str(nurse.wards[0].ward_id)]


def test_the_user_name_is_not_case_sensitive_when_signing_in(client, make_user):
    make_user(Role.SCHEDULER, username="joao")
    assert password_grant(client, "JOAO").status_code == 200


def test_a_wrong_password_is_refused_as_invalid_credentials(client, make_user):
    make_user(Role.DOCTOR, username="ana")
    answer = password_grant(client, "ana", "not the password")
    assert answer.status_code == 401
    assert error_code(answer) == "invalid_credentials"


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(client):
    answer = password_grant(client, "nobody-here")
    assert answer.status_code == 401
    assert error_code(answer) == "invalid_credentials"


def test_a_password_grant_without_a_password_is_invalid(client, make_user):
    make_user(Role.DOCTOR, username="ana")
    answer = client.post("/auth/token", data={"grant_type": "password", "username": "ana"})
    assert answer.status_code == 422
    assert error_code(answer) == "invalid_request"


def test_an_unknown_grant_type_is_invalid(client):
    answer = client.post("/auth/token", data={"grant_type": "client_credentials"})
    assert answer.status_code == 422
    assert error_code(answer) == "invalid_request"


# --- access tokens ----------------------------------------------------------------------------------


def test_requests_without_a_token_are_not_authenticated(client):
    answer = client.get("/auth/me")
    assert answer.status_code == 401
    assert error_code(answer) == "not_authenticated"
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_an_expired_access_token_is_refused_as_token_expired(client, sign_in):
    nurse = sign_in(Role.NURSE)
    claims = jwt.decode(nurse.headers["Authorization"].split()[1], options={"verify_signature": False})
    expired, _ = issue_access_token(
        secret=TEST_SECRET,
        user_id=nurse.user.id,
        role=Role.NURSE,
        session_id=uuid.UUID(claims["sid"]),
        lifetime=timedelta(minutes=-1),
    )
    answer = client.get("/auth/me", headers=bearer(expired))
    assert answer.status_code == 401
    assert error_code(answer) == "token_expired"


def test_a_token_signed_with_another_key_is_refused(client, sign_in):
    nurse = sign_in(Role.NURSE)
    claims = jwt.decode(nurse.headers["Authorization"].split()[1], options={"verify_signature": False})
    forged, _ = issue_access_token(
        secret="some-other-secret-" + "y" * 40,
        user_id=nurse.user.id,
        role=Role.ADMIN,
        session_id=uuid.UUID(claims["sid"]),
        lifetime=timedelta(minutes=5),
    )
    answer = client.get("/users", headers=bearer(forged))
    assert answer.status_code == 401
    assert error_code(answer) == "not_authenticated"


def test_a_garbage_token_is_refused(client):
    answer = client.get("/auth/me", headers=bearer("not-a-jwt"))
    assert answer.status_code == 401
    assert error_code(answer) == "not_authenticated"


# --- refresh rotation and reuse detection ----------------------------------------------------------


def test_a_refresh_token_buys_a_new_pair_and_is_then_used_up(client, sign_in):
    doctor = sign_in(Role.DOCTOR)
    answer = refresh_grant(client, doctor.refresh_token)
    assert answer.status_code == 200, answer.text
    fresh = answer.json()
    assert fresh["refresh_token"] != doctor.refresh_token
    assert client.get("/auth/me", headers=bearer(fresh["access_token"])).status_code == 200
    # The new refresh token rotates once more: the chain goes on.
    assert refresh_grant(client, fresh["refresh_token"]).status_code == 200


def test_presenting_a_used_refresh_token_from_another_workstation_ends_the_whole_session(
    app, client, sign_in
):
    doctor = sign_in(Role.DOCTOR)
    newest = refresh_grant(client, doctor.refresh_token).json()

    replay = refresh_grant(another_workstation(app), doctor.refresh_token)

    assert replay.status_code == 401
    assert error_code(replay) == "refresh_token_reused"
    # The thief and the owner both lose the session: the newest pair is dead too.
    assert client.get("/auth/me", headers=bearer(newest["access_token"])).status_code == 401
    assert refresh_grant(client, newest["refresh_token"]).status_code == 401
    assert client.get("/auth/me", headers=doctor.headers).status_code == 401


def test_reuse_in_one_session_leaves_the_users_other_sessions_alone(app, client, sign_in):
    doctor = sign_in(Role.DOCTOR)
    other = password_grant(client, doctor.user.username).json()
    refresh_grant(client, doctor.refresh_token)
    assert refresh_grant(another_workstation(app), doctor.refresh_token).status_code == 401
    assert client.get("/auth/me", headers=bearer(other["access_token"])).status_code == 200


def test_a_retry_after_a_lost_answer_gets_the_same_pair_and_the_session_goes_on(client, sign_in):
    doctor = sign_in(Role.DOCTOR)
    lost = refresh_grant(client, doctor.refresh_token).json()

    retry = refresh_grant(client, doctor.refresh_token)

    assert retry.status_code == 200, retry.text
    assert retry.json()["refresh_token"] == lost["refresh_token"]
    assert client.get("/auth/me", headers=bearer(retry.json()["access_token"])).status_code == 200
    assert client.get("/auth/me", headers=doctor.headers).status_code == 200  # not revoked
    assert refresh_grant(client, retry.json()["refresh_token"]).status_code == 200


def test_retrying_the_same_token_twice_forks_no_second_chain(client, sign_in, session_factory):
    doctor = sign_in(Role.DOCTOR)
    answers = [refresh_grant(client, doctor.refresh_token).json() for _ in range(3)]
    assert len({answer["refresh_token"] for answer in answers}) == 1
    with session_factory() as session:
        # The sign-in's token and its one successor, in the one session.
        assert session.scalar(select(func.count()).select_from(RefreshToken)) == 2
        assert session.scalar(select(func.count()).select_from(SessionFamily)) == 1

    # Once the new token has been used, the client evidently got it: the old one back is a reuse.
    assert refresh_grant(client, answers[0]["refresh_token"]).status_code == 200
    replay = refresh_grant(client, doctor.refresh_token)
    assert replay.status_code == 401
    assert error_code(replay) == "refresh_token_reused"
    assert client.get("/auth/me", headers=doctor.headers).status_code == 401


def test_a_retry_after_the_grace_window_ends_the_session(client, sign_in, session_factory):
    doctor = sign_in(Role.DOCTOR)
    lost = refresh_grant(client, doctor.refresh_token).json()
    with transaction(session_factory) as session:
        session.execute(update(RefreshToken).values(used_at=RefreshToken.used_at - timedelta(seconds=31)))

    late = refresh_grant(client, doctor.refresh_token)

    assert late.status_code == 401
    assert error_code(late) == "refresh_token_reused"
    assert refresh_grant(client, lost["refresh_token"]).status_code == 401


def test_a_retry_from_another_client_program_ends_the_session(client, sign_in):
    doctor = sign_in(Role.DOCTOR)
    lost = refresh_grant(client, doctor.refresh_token).json()

    other = client.post(
        "/auth/token",
        data={"grant_type": "refresh_token", "refresh_token": doctor.refresh_token},
        headers={"X-WardDesk-Client": "some script"},
    )

    assert other.status_code == 401
    assert error_code(other) == "refresh_token_reused"
    assert refresh_grant(client, lost["refresh_token"]).status_code == 401


def test_without_a_grace_window_any_reuse_ends_the_session(database_url, session_factory, make_user):
    make_user(Role.NURSE, username="rita")
    with TestClient(
        create_app(make_settings(refresh_retry_grace_seconds=0), database_url=database_url)
    ) as client:
        tokens = password_grant(client, "rita").json()
        refresh_grant(client, tokens["refresh_token"])
        assert error_code(refresh_grant(client, tokens["refresh_token"])) == "refresh_token_reused"


def test_an_unknown_refresh_token_is_refused(client):
    answer = refresh_grant(client, "made-up-token")
    assert answer.status_code == 401
    assert error_code(answer) == "not_authenticated"


# --- logout -----------------------------------------------------------------------------------------


def test_logout_ends_the_session_for_access_and_refresh_tokens(client, sign_in):
    nurse = sign_in(Role.NURSE)
    assert client.post("/auth/logout", headers=nurse.headers).status_code == 204
    assert client.get("/auth/me", headers=nurse.headers).status_code == 401
    answer = refresh_grant(client, nurse.refresh_token)
    assert answer.status_code == 401
    assert error_code(answer) == "not_authenticated"


# --- lockout ----------------------------------------------------------------------------------------


def test_an_account_is_locked_after_too_many_failures_even_for_the_right_password(strict_client, make_user):
    make_user(Role.PHARMACIST, username="pedro")
    for _ in range(3):
        assert password_grant(strict_client, "pedro", "guess guess guess").status_code == 401

    answer = password_grant(strict_client, "pedro")

    assert answer.status_code == 429
    assert error_code(answer) == "login_rate_limited"
    assert 0 < int(answer.headers["Retry-After"]) <= 15 * 60 + 1


def test_spelling_the_user_name_differently_does_not_buy_more_attempts(strict_client, make_user):
    make_user(Role.PHARMACIST, username="pedro")
    for spelling in ("pedro", " Pedro", "PEDRO "):
        assert password_grant(strict_client, spelling, "guess guess guess").status_code == 401

    answer = password_grant(strict_client, "pedro")

    assert answer.status_code == 429
    assert error_code(answer) == "login_rate_limited"


def test_a_locked_account_does_not_lock_out_other_accounts(strict_client, make_user):
    make_user(Role.PHARMACIST, username="pedro")
    make_user(Role.PHARMACIST, username="paula")
    for _ in range(3):
        password_grant(strict_client, "pedro", "guess guess guess")
    assert password_grant(strict_client, "paula").status_code == 200


def test_a_success_before_the_limit_clears_the_account_count(strict_client, make_user):
    make_user(Role.PHARMACIST, username="pedro")
    for _ in range(2):
        password_grant(strict_client, "pedro", "guess guess guess")
    assert password_grant(strict_client, "pedro").status_code == 200
    for _ in range(2):
        password_grant(strict_client, "pedro", "guess guess guess")
    assert password_grant(strict_client, "pedro").status_code == 200


def test_an_address_is_locked_after_too_many_failures_across_accounts(strict_client, make_user):
    make_user(Role.SCHEDULER, username="sara")
    for attempt in range(5):
        assert password_grant(strict_client, f"someone-{attempt}", "guess guess guess").status_code == 401

    answer = password_grant(strict_client, "sara")

    assert answer.status_code == 429
    assert error_code(answer) == "login_rate_limited"
    assert int(answer.headers["Retry-After"]) > 0


def test_names_tried_in_past_windows_do_not_pile_up_in_the_throttle(strict_client, session_factory):
    def rows() -> int:
        with session_factory() as session:
            return int(session.scalar(select(func.count()).select_from(LoginThrottle)) or 0)

    for window in range(4):
        for attempt in range(5):
            assert error_code(password_grant(strict_client, f"guess-{window}-{attempt}", "x")) == (
                "invalid_credentials"
            )
        # The address is locked out in every window, so it adds at most five names to the table.
        assert error_code(password_grant(strict_client, f"guess-{window}-5", "x")) == "login_rate_limited"
        assert rows() <= 5 + 1
        with transaction(session_factory) as session:  # the lockout window passes
            session.execute(
                update(LoginThrottle).values(
                    window_started_at=LoginThrottle.window_started_at - timedelta(minutes=16),
                    locked_until=LoginThrottle.locked_until - timedelta(minutes=16),
                )
            )


# --- account changes --------------------------------------------------------------------------------


def test_a_disabled_user_cannot_sign_in_and_loses_open_sessions(client, sign_in):
    admin = sign_in(Role.ADMIN)
    nurse = sign_in(Role.NURSE)
    answer = client.patch(f"/users/{nurse.user.id}", json={"active": False}, headers=admin.headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["active"] is False

    assert client.get("/auth/me", headers=nurse.headers).status_code == 401
    assert refresh_grant(client, nurse.refresh_token).status_code == 401
    signing_in = password_grant(client, nurse.user.username)
    assert signing_in.status_code == 401
    assert error_code(signing_in) == "invalid_credentials"


def test_a_password_reset_ends_existing_sessions_and_the_new_password_works(client, sign_in):
    admin = sign_in(Role.ADMIN)
    nurse = sign_in(Role.NURSE)
    new_password = "a brand new passphrase"
    answer = client.patch(f"/users/{nurse.user.id}", json={"password": new_password}, headers=admin.headers)
    assert answer.status_code == 200, answer.text

    assert client.get("/auth/me", headers=nurse.headers).status_code == 401
    assert refresh_grant(client, nurse.refresh_token).status_code == 401
    assert password_grant(client, nurse.user.username).status_code == 401
    assert password_grant(client, nurse.user.username, new_password).status_code == 200


# --- /users (admin only) ----------------------------------------------------------------------------


def new_user(role: str, **extra: object) -> dict[str, object]:
    return {
        "username": f"{role}-{uuid.uuid4().hex[:6]}",
        "full_name": "New Colleague",
        "role": role,
        "password": "long enough password",
        **extra,
    }


def test_an_admin_creates_a_nurse_for_a_ward_who_can_then_sign_in(client, sign_in, ward):
    admin = sign_in(Role.ADMIN)
    body = new_user("nurse", ward_ids=[str(ward.id)])
    answer = client.post("/users", json=body, headers=admin.headers)
    assert answer.status_code == 201, answer.text
    assert answer.json()["ward_ids"] == [str(ward.id)]
    assert password_grant(client, str(body["username"]), "long enough password").status_code == 200
    assert body["username"] in [
        user["username"] for user in client.get("/users", headers=admin.headers).json()
    ]


def test_a_nurse_account_needs_a_ward(client, sign_in):
    admin = sign_in(Role.ADMIN)
    answer = client.post("/users", json=new_user("nurse"), headers=admin.headers)
    assert answer.status_code == 422
    assert error_code(answer) == "invalid_request"


def test_a_nurse_account_needs_an_existing_ward(client, sign_in):
    admin = sign_in(Role.ADMIN)
    answer = client.post(
        "/users", json=new_user("nurse", ward_ids=[str(uuid.uuid4())]), headers=admin.headers
    )
    assert answer.status_code == 422
    assert error_code(answer) == "invalid_request"


def test_a_doctor_account_needs_its_doctor_record(client, sign_in, doctor):
    admin = sign_in(Role.ADMIN)
    missing = client.post("/users", json=new_user("doctor"), headers=admin.headers)
    assert missing.status_code == 422
    unknown = client.post(
        "/users", json=new_user("doctor", doctor_id=str(uuid.uuid4())), headers=admin.headers
    )
    assert unknown.status_code == 422
    created = client.post("/users", json=new_user("doctor", doctor_id=str(doctor.id)), headers=admin.headers)
    assert created.status_code == 201, created.text
    assert created.json()["doctor_id"] == str(doctor.id)


def test_a_taken_user_name_is_a_conflict(client, sign_in):
    admin = sign_in(Role.ADMIN)
    body = new_user("scheduler")
    assert client.post("/users", json=body, headers=admin.headers).status_code == 201
    again = client.post(
        "/users", json={**body, "username": str(body["username"]).upper()}, headers=admin.headers
    )
    assert again.status_code == 409
    assert error_code(again) == "conflict"


def test_unknown_fields_in_a_new_user_are_refused(client, sign_in):
    admin = sign_in(Role.ADMIN)
    answer = client.post("/users", json=new_user("scheduler", is_superuser=True), headers=admin.headers)
    assert answer.status_code == 422


@pytest.mark.parametrize("role", [Role.DOCTOR, Role.NURSE, Role.PHARMACIST, Role.SCHEDULER])
def test_only_an_admin_manages_users(client, sign_in, role):
    someone = sign_in(role)
    listing = client.get("/users", headers=someone.headers)
    assert listing.status_code == 403
    assert error_code(listing) == "permission_denied"
    creating = client.post("/users", json=new_user("scheduler"), headers=someone.headers)
    assert creating.status_code == 403


def test_updating_an_unknown_user_is_not_found(client, sign_in):
    admin = sign_in(Role.ADMIN)
    answer = client.patch(f"/users/{uuid.uuid4()}", json={"full_name": "X"}, headers=admin.headers)
    assert answer.status_code == 404
    assert error_code(answer) == "not_found"


# --- audit ------------------------------------------------------------------------------------------


def test_failed_and_successful_sign_ins_are_in_the_audit_log(client, sign_in, make_user):
    make_user(Role.DOCTOR, username="ana")
    password_grant(client, "ana", "wrong wrong wrong")
    password_grant(client, "ana")
    admin = sign_in(Role.ADMIN)

    answer = client.get("/audit", params={"username": "ana"}, headers=admin.headers)

    assert answer.status_code == 200, answer.text
    actions = [entry["action"] for entry in answer.json()["entries"]]
    assert actions == ["auth.login", "auth.login_failed"]  # newest first
    assert all(entry["client_address"] for entry in answer.json()["entries"])


def test_filtering_the_audit_log_by_user_finds_her_sign_ins_and_wrong_passwords(client, sign_in, make_user):
    ana = make_user(Role.DOCTOR, username="ana")
    password_grant(client, "ana", "wrong wrong wrong")
    password_grant(client, " Ana")
    admin = sign_in(Role.ADMIN)

    answer = client.get("/audit", params={"user_id": str(ana.id)}, headers=admin.headers)

    assert answer.status_code == 200, answer.text
    entries = answer.json()["entries"]
    assert [(e["action"], e["username"], e["role"]) for e in entries] == [
        ("auth.login", "ana", "doctor"),
        ("auth.login_failed", "ana", "doctor"),
    ]


def test_a_failed_sign_in_with_an_unknown_name_names_no_user(client, session_factory):
    password_grant(client, "Nobody-Here", "wrong wrong wrong")
    with session_factory() as session:
        entry = session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.username, entry.user_id, entry.role) == (
        "auth.login_failed",
        "nobody-here",
        None,
        "",
    )


def test_an_account_lockout_and_each_refusal_during_it_are_audited(strict_client, make_user):
    pedro = make_user(Role.PHARMACIST, username="pedro")
    admin = make_user(Role.ADMIN)
    for _ in range(3):
        password_grant(strict_client, "pedro", "guess guess guess")
    for _ in range(2):
        assert password_grant(strict_client, "pedro").status_code == 429
    headers = bearer(password_grant(strict_client, admin.username).json()["access_token"])

    answer = strict_client.get("/audit", params={"user_id": str(pedro.id)}, headers=headers)

    entries = answer.json()["entries"]
    assert [e["action"] for e in entries] == [
        "auth.login_refused_locked",
        "auth.login_refused_locked",
        "auth.lockout",
        *["auth.login_failed"] * 3,
    ]
    lockout = entries[2]
    assert (lockout["username"], lockout["entity_id"], lockout["details"]["locked"]) == (
        "pedro",
        str(pedro.id),
        "account",
    )
    assert entries[0]["details"]["locked"] == "account"


def test_an_address_lockout_is_audited_once_with_the_address(strict_client, session_factory):
    for attempt in range(7):
        password_grant(strict_client, f"someone-{attempt}", "guess guess guess")

    with session_factory() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == [
        *["auth.login_failed"] * 5,
        "auth.lockout",
        "auth.login_refused_locked",
        "auth.login_refused_locked",
    ]
    lockout = entries[5]
    assert (lockout.entity, lockout.entity_id, lockout.details["locked"]) == (
        "client_address",
        "testclient",
        "address",
    )
    assert entries[-1].username == "someone-6"
    assert entries[-1].details["locked"] == "address"


def test_user_management_is_audited_with_the_admin_as_actor(client, sign_in):
    admin = sign_in(Role.ADMIN)
    created = client.post("/users", json=new_user("scheduler"), headers=admin.headers).json()
    answer = client.get(
        "/audit", params={"entity_id": created["id"], "action": "user.create"}, headers=admin.headers
    )
    [entry] = answer.json()["entries"]
    assert entry["username"] == admin.user.username
    assert entry["role"] == "admin"


# --- safety nets for admins ---------------------------------------------------------------------------


def test_a_reused_refresh_token_is_in_the_audit_log_with_its_owner(app, client, sign_in, session_factory):
    doctor = sign_in(Role.DOCTOR)
    refresh_grant(client, doctor.refresh_token)
    assert refresh_grant(another_workstation(app), doctor.refresh_token).status_code == 401

    with session_factory() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "auth.refresh_token_reused")
        ).all()
    assert [(e.username, e.user_id, e.role, e.entity_id, e.client_address) for e in entries] == [
        (doctor.user.username, doctor.user.id, "doctor", str(doctor.user.id), "10.20.30.40")
    ]
    assert entries[0].details["session_id"]


def test_the_last_active_admin_cannot_be_disabled(client, sign_in):
    admin = sign_in(Role.ADMIN)

    refused = client.patch(f"/users/{admin.user.id}", json={"active": False}, headers=admin.headers)

    assert refused.status_code == 409, refused.text
    assert "last active administrator" in refused.json()["error"]["message"]
    assert client.get("/auth/me", headers=admin.headers).status_code == 200  # still signed in

    second = sign_in(Role.ADMIN)
    answer = client.patch(f"/users/{admin.user.id}", json={"active": False}, headers=second.headers)
    assert answer.status_code == 200, answer.text
    # Now `second` is the last one: nobody can lock the hospital out of its own server.
    assert (
        client.patch(f"/users/{second.user.id}", json={"active": False}, headers=second.headers).status_code
        == 409
    )
