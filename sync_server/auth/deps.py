"""Who is calling: the bearer token checked, the user loaded, the role enforced."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.errors import ErrorCode
from shared.roles import Role
from sync_server.auth import repository
from sync_server.auth.tokens import TokenError, read_access_token
from sync_server.core.actor import Actor as Actor  # who is calling: defined below every domain
from sync_server.core.context import DbSession, SettingsDep
from sync_server.core.errors import NotAuthenticated, PermissionDenied

_bearer = HTTPBearer(auto_error=False, description="Access token from POST /auth/token")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


class TokenExpired(NotAuthenticated):
    code = ErrorCode.TOKEN_EXPIRED


def current_actor(
    session: DbSession,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated("Sign in first: this needs a bearer access token.", headers=_CHALLENGE)
    try:
        claims = read_access_token(credentials.credentials, secret=settings.secret_key)
    except TokenError as exc:
        if exc.expired:
            raise TokenExpired("The access token has expired; refresh it.", headers=_CHALLENGE) from exc
        raise NotAuthenticated("The access token is not valid; sign in again.", headers=_CHALLENGE) from exc
    user = repository.signed_in_user(session, user_id=claims.user_id, session_id=claims.session_id)
    if user is None:
        raise NotAuthenticated("This session has ended; sign in again.", headers=_CHALLENGE)
    if not user.active:
        raise NotAuthenticated("This account is disabled.", headers=_CHALLENGE)
    return Actor(
        user_id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=Role(user.role),
        session_id=claims.session_id,
        ward_ids=frozenset(user.ward_ids or ()),
        doctor_id=user.doctor_id,
    )


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require(*roles: Role) -> Callable[[Actor], Awaitable[Actor]]:
    """A dependency that lets only these roles through (403 for the others)."""
    allowed = frozenset(roles)

    async def _check(actor: CurrentActor) -> Actor:
        if actor.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise PermissionDenied(f"A {actor.role.value} cannot do this; it needs one of: {names}.")
        return actor

    return _check


def Allowed(*roles: Role) -> type[Actor]:  # noqa: N802 - reads as a type in signatures
    return Annotated[Actor, Depends(require(*roles))]  # type: ignore[return-value]


ALL_ROLES = tuple(Role)
