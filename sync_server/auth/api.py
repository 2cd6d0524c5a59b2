from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from shared.roles import Role
from sync_server.audit import service as audit
from sync_server.auth import repository
from sync_server.auth.deps import Allowed, CurrentActor
from sync_server.auth.models import User, UserWard
from sync_server.auth.passwords import hash_password
from sync_server.auth.schemas import TokenResponse, UserCreate, UserOut, UserUpdate
from sync_server.auth.service import (
    AuthService,
    InvalidCredentials,
    IssuedTokens,
    Lockout,
    LoginRateLimited,
    LoginThrottler,
    normalised_username,
)
from sync_server.core.context import Client, ClientInfo, DbSession, SettingsDep, get_session_factory
from sync_server.core.errors import Conflict, Invalid, NotFound
from sync_server.core.openapi import AUTHED, WITH_BODY, errors
from sync_server.directory import repository as directory

router = APIRouter(tags=["auth"])


def _token_response(tokens: IssuedTokens) -> TokenResponse:
    now = datetime.now(UTC)
    return TokenResponse(
        access_token=tokens.access_token,
        expires_in=max(0, int((tokens.access_expires_at - now).total_seconds())),
        refresh_token=tokens.refresh_token,
        refresh_expires_in=max(0, int((tokens.refresh_expires_at - now).total_seconds())),
        user=UserOut.model_validate(tokens.user),
    )


@router.post(
    "/auth/token",
    response_model=TokenResponse,
    responses=errors(400, 401, 413, 415, 422, 429),
    summary="OAuth2 token endpoint: password and refresh_token grants",
)
def issue_token(
    session: DbSession,
    settings: SettingsDep,
    client: Client,
    response: Response,
    factory: Annotated[sessionmaker[Session], Depends(get_session_factory)],
    grant_type: Annotated[Literal["password", "refresh_token"], Form()],
    username: Annotated[str | None, Form(max_length=150)] = None,
    password: Annotated[str | None, Form(max_length=200)] = None,
    refresh_token: Annotated[str | None, Form(max_length=200)] = None,
) -> TokenResponse:
    """Sign in with user name and password, or trade a refresh token for a fresh pair.

    Refresh tokens rotate: each is good once; presenting a used one ends the whole session, unless the
    same client retries within a few seconds because the answer was lost: it gets the same pair again.
    """
    response.headers["Cache-Control"] = "no-store"
    service = AuthService(session, settings)
    if grant_type == "refresh_token":
        if not refresh_token:
            raise Invalid("refresh_token is required for the refresh_token grant")
        return _token_response(service.refresh(refresh_token, client=client))
    if not username or not password:
        raise Invalid("username and password are required for the password grant")
    throttler = LoginThrottler(factory, settings)
    lockout = throttler.lockout(username, client.address)
    if lockout is not None:
        _audit_sign_in(session, client, "auth.login_refused_locked", username, details=_described(lockout))
        raise LoginRateLimited.during(lockout)
    try:
        user = service.authenticate(username, password)
    except InvalidCredentials:
        started = throttler.record_failure(username, client.address)
        _audit_sign_in(session, client, "auth.login_failed", username)
        for lockout in started:
            _audit_lockout(session, client, lockout)
        raise
    throttler.record_success(username)
    tokens = service.start_session(user, client=client.name, address=client.address)
    _audit_sign_in(session, client, "auth.login", user.username)
    return _token_response(tokens)


def _described(lockout: Lockout) -> dict[str, str]:
    return {"locked": lockout.scope, "locked_until": lockout.until.isoformat()}


def _audit_sign_in(
    session: Session, client: ClientInfo, action: str, username: str, *, details: dict[str, str] | None = None
) -> None:
    """Record a sign-in event under the account it names, when that is a real user, so that filtering
    the audit log by user finds the attempts on it, the wrong passwords included."""
    name = normalised_username(username)
    user = repository.user_by_name(session, name)
    audit.record(
        session,
        actor=None,
        client=client,
        action=action,
        entity="user",
        entity_id=user.id if user else None,
        username=name[:63],
        user_id=user.id if user else None,
        role=user.role.value if user else "",
        details=details,
    )


def _audit_lockout(session: Session, client: ClientInfo, lockout: Lockout) -> None:
    if lockout.scope == "account":
        _audit_sign_in(session, client, "auth.lockout", lockout.subject, details=_described(lockout))
        return
    audit.record(
        session,
        actor=None,
        client=client,
        action="auth.lockout",
        entity="client_address",
        entity_id=lockout.subject,
        details=_described(lockout),
    )


@router.post("/auth/logout", status_code=204, responses=errors(*AUTHED))
def logout(session: DbSession, actor: CurrentActor, client: Client) -> None:
    """End this session: its access and refresh tokens stop working at once."""
    repository.revoke_family(session, actor.session_id, at=datetime.now(UTC), reason="logout")
    audit.record(
        session, actor=actor, client=client, action="auth.logout", entity="user", entity_id=actor.user_id
    )


@router.get("/auth/me", response_model=UserOut, responses=errors(*AUTHED))
def who_am_i(session: DbSession, actor: CurrentActor) -> UserOut:
    user = repository.user_by_id(session, actor.user_id)
    return UserOut.model_validate(user)


@router.get("/users", response_model=list[UserOut], responses=errors(*AUTHED), tags=["users"])
def list_users(session: DbSession, _: Allowed(Role.ADMIN)) -> list[UserOut]:  # type: ignore[valid-type]
    return [UserOut.model_validate(user) for user in repository.list_users(session)]


def _check_scope_records(
    session: DbSession, *, doctor_id: uuid.UUID | None, ward_ids: list[uuid.UUID]
) -> None:
    """Invalid when the doctor record or a ward named for a new account does not exist."""
    if doctor_id is not None and directory.doctor(session, doctor_id) is None:
        raise Invalid(f"doctor {doctor_id} does not exist", details={"field": "doctor_id"})
    missing = set(ward_ids) - {ward.id for ward in directory.wards_by_ids(session, ward_ids)}
    if missing:
        raise Invalid(f"ward {sorted(map(str, missing))[0]} does not exist", details={"field": "ward_ids"})


@router.post(
    "/users", response_model=UserOut, status_code=201, responses=errors(*WITH_BODY, 409), tags=["users"]
)
def create_user(
    session: DbSession,
    actor: Allowed(Role.ADMIN),  # type: ignore[valid-type]
    client: Client,
    body: UserCreate,
) -> UserOut:
    _check_scope_records(session, doctor_id=body.doctor_id, ward_ids=body.ward_ids)
    if repository.user_by_name(session, body.username) is not None:
        raise Conflict(f"the user name {body.username!r} is taken")
    user = User(
        username=body.username,
        full_name=body.full_name,
        role=body.role,
        password_hash=hash_password(body.password),
        doctor_id=body.doctor_id,
        wards=[UserWard(ward_id=ward_id) for ward_id in dict.fromkeys(body.ward_ids)],
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(f"the user name {body.username!r} is taken") from exc
    audit.record(
        session,
        actor=actor,
        client=client,
        action="user.create",
        entity="user",
        entity_id=user.id,
        details={"username": user.username, "role": user.role.value},
    )
    return UserOut.model_validate(user)


@router.patch(
    "/users/{user_id}", response_model=UserOut, responses=errors(*WITH_BODY, 404, 409), tags=["users"]
)
def update_user(
    session: DbSession,
    settings: SettingsDep,
    actor: Allowed(Role.ADMIN),  # type: ignore[valid-type]
    client: Client,
    user_id: uuid.UUID,
    body: UserUpdate,
) -> UserOut:
    """Rename, disable, reset the password, or change a nurse's wards or the wards a doctor covers.
    Disabling or a new password ends the user's sessions; a change of wards changes what the person's
    desktop caches (its next pull starts over and drops the patients no longer in their care)."""
    user = repository.user_by_id(session, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    changes = body.model_dump(exclude_unset=True)
    if body.ward_ids is not None:
        if user.role not in (Role.NURSE, Role.DOCTOR):
            raise Invalid("only nurses (their wards) and doctors (the wards they cover) have wards")
        if not body.ward_ids and user.role is Role.NURSE:
            raise Invalid("a nurse must belong to at least one ward")
        _check_scope_records(session, doctor_id=None, ward_ids=body.ward_ids)
        user.wards = [UserWard(ward_id=ward_id) for ward_id in dict.fromkeys(body.ward_ids)]
    if body.full_name is not None:
        user.full_name = body.full_name
    if body.password is not None:
        user.password_hash = hash_password(body.password)
    last_admin = user.role is Role.ADMIN and not repository.other_active_admins(session, user.id)
    if body.active is False and user.active and last_admin:
        raise Conflict(
            "this is the last active administrator: enable or create another one before disabling it"
        )
    if body.active is not None:
        user.active = body.active
    if body.password is not None or body.active is False:
        repository.revoke_all_families_of(session, user.id, at=datetime.now(UTC), reason="account_changed")
    changes.pop("password", None)
    audit.record(
        session,
        actor=actor,
        client=client,
        action="user.update",
        entity="user",
        entity_id=user.id,
        details={"changed": sorted(changes) + (["password"] if body.password else [])},
    )
    session.flush()
    return UserOut.model_validate(user)
