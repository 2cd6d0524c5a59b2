"""Who is calling: the bearer token checked, the user loaded, the role enforced."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from shared.errors import ErrorCode
from shared.roles import Role
from sync_server.auth import repository
from sync_server.auth.tokens import AccessClaims, TokenError, read_access_token
from sync_server.core.actor import Actor as Actor  # who is calling: defined below every domain
from sync_server.core.config import Settings
from sync_server.core.context import DbSession, SettingsDep
from sync_server.core.errors import NotAuthenticated, PermissionDenied

_bearer = HTTPBearer(auto_error=False, description="Access token from POST /auth/token")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


class TokenExpired(NotAuthenticated):
    code = ErrorCode.TOKEN_EXPIRED


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _claims(credentials: HTTPAuthorizationCredentials | None, settings: Settings) -> AccessClaims:
    """The bearer token's claims once its signature, issuer and expiry hold (no I/O); 401 otherwise."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated("Sign in first: this needs a bearer access token.", headers=_CHALLENGE)
    try:
        return read_access_token(credentials.credentials, secret=settings.secret_key)
    except TokenError as exc:
        if exc.expired:
            raise TokenExpired("The access token has expired; refresh it.", headers=_CHALLENGE) from exc
        raise NotAuthenticated("The access token is not valid; sign in again.", headers=_CHALLENGE) from exc


def signed_in(session: Session, claims: AccessClaims) -> Actor:
    """The caller behind live claims: 401 when the session has ended or the account is disabled."""
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


def _allowed(role: Role, allowed: frozenset[Role]) -> None:
    if role not in allowed:
        names = ", ".join(sorted(r.value for r in allowed))
        raise PermissionDenied(f"A {role.value} cannot do this; it needs one of: {names}.")


def current_actor(session: DbSession, settings: SettingsDep, credentials: Credentials) -> Actor:
    return signed_in(session, _claims(credentials, settings))


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require(*roles: Role) -> Callable[[Actor], Awaitable[Actor]]:
    """A dependency that lets only these roles through (403 for the others)."""
    allowed = frozenset(roles)

    async def _check(actor: CurrentActor) -> Actor:
        _allowed(actor.role, allowed)
        return actor

    return _check


def Allowed(*roles: Role) -> type[Actor]:  # noqa: N802 - reads as a type in signatures
    return Annotated[Actor, Depends(require(*roles))]  # type: ignore[return-value]


ALL_ROLES = tuple(Role)


async def _early_claims(settings: SettingsDep, credentials: Credentials) -> AccessClaims:
    return _claims(credentials, settings)


# The bearer token's claims, checked on the event loop (401 when missing, forged or expired). The
# caller is NOT yet known to be signed in: pass them to `signed_in` on the endpoint's own thread.
BearerClaims = Annotated[AccessClaims, Depends(_early_claims)]


Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def checked_on_its_thread(*roles: Role) -> Callable[[Endpoint], Endpoint]:
    """For a hot sync endpoint with parameters `session: DbSession` and `actor: Actor`: the whole
    request takes ONE trip through the thread pool instead of three. On the event loop, the token is
    checked (401) and the role it was issued with (403); then, on one worker thread, the session is
    checked in the database (401 when it has ended, 403 when the account's role no longer allows
    this), the endpoint runs, and the request's transaction commits when it returned an answer (never
    after an error: the DbSession dependency rolls back). The endpoint itself is the same plain function.

    Why: each trip through the thread pool costs about 0.6 ms of CPU under load (measured in
    docs/performance.md), as much as the rest of the HTTP stack together."""
    allowed = frozenset(roles)

    def decorate(endpoint: Endpoint) -> Endpoint:
        signature = inspect.signature(endpoint, eval_str=True)  # the endpoint's module's names
        if "session" not in signature.parameters or "actor" not in signature.parameters:
            raise TypeError(f"{endpoint.__name__} needs `session` and `actor` parameters")

        async def claims_in_role(claims: BearerClaims) -> AccessClaims:
            _allowed(claims.role, allowed)  # a dependency: 403 comes before any 422 of the body
            return claims

        in_role = Annotated[AccessClaims, Depends(claims_in_role)]
        parameters = [
            p.replace(annotation=in_role) if name == "actor" else p
            for name, p in signature.parameters.items()
        ]

        @functools.wraps(endpoint)
        async def run(**kwargs: Any) -> Any:
            claims: AccessClaims = kwargs["actor"]
            session: Session = kwargs["session"]

            def on_thread() -> Any:
                actor = signed_in(session, claims)
                _allowed(actor.role, allowed)
                answer = endpoint(**{**kwargs, "actor": actor})
                if session.in_transaction():
                    session.commit()
                return answer

            return await run_in_threadpool(on_thread)

        del run.__wrapped__  # FastAPI reads the signature below, not the endpoint's
        run.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        return run  # type: ignore[return-value]

    return decorate
