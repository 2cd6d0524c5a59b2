"""Desktop release routes: the current release (public), publishing (admins), refused updates (desktops)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.releases import PLATFORMS, DesktopRelease, UpdateRefusal
from shared.roles import Role
from sync_server.auth.deps import Actor, Allowed, current_actor
from sync_server.core.context import Client, DbSession, SettingsDep
from sync_server.core.errors import NotAuthenticated
from sync_server.core.openapi import AUTHED, WITH_BODY, errors
from sync_server.releases import service
from sync_server.releases.schemas import PublishRelease

router = APIRouter(prefix="/releases/desktop", tags=["releases"])
_bearer = HTTPBearer(auto_error=False)
PlatformQuery = Annotated[str, Query(pattern="^(" + "|".join(PLATFORMS) + ")$")]


def _actor_if_signed_in(
    session: DbSession,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor | None:
    """Who reports, when a signed-in desktop does; an update is also checked before anyone signs in."""
    if credentials is None:
        return None
    try:
        return current_actor(session, settings, credentials)
    except NotAuthenticated:
        return None


@router.get(
    "/current",
    response_model=DesktopRelease,
    responses=errors(404, 422),
    summary="The desktop release of a platform that desktops should run (no sign-in needed)",
)
def current_release(session: DbSession, platform: PlatformQuery = "linux-deb") -> DesktopRelease:
    return service.current(session, platform)


@router.post(
    "",
    status_code=201,
    response_model=DesktopRelease,
    responses=errors(*WITH_BODY, 409),
    summary="Publish a desktop release (admins): the body is installer/build.py's release.json + package_url",
)
def publish_release(
    session: DbSession,
    actor: Allowed(Role.ADMIN),  # type: ignore[valid-type]
    client: Client,
    release: PublishRelease,
) -> DesktopRelease:
    return service.publish(session, actor=actor, client=client, release=release)


@router.get(
    "",
    response_model=list[DesktopRelease],
    responses=errors(*AUTHED),
    summary="Every published desktop release, newest first per platform (admins)",
)
def release_history(
    session: DbSession,
    _: Allowed(Role.ADMIN),  # type: ignore[valid-type]
    platform: Annotated[str | None, Query(pattern="^(" + "|".join(PLATFORMS) + ")$")] = None,
) -> list[DesktopRelease]:
    return service.history(session, platform)


@router.post(
    "/refusals",
    status_code=204,
    responses=errors(400, 413, 415, 422),
    summary="A desktop refused an update (bad signature, altered package, downgrade): kept in the audit log",
)
def report_refusal(
    session: DbSession,
    client: Client,
    refusal: UpdateRefusal,
    actor: Annotated[Actor | None, Depends(_actor_if_signed_in)],
) -> None:
    service.record_refusal(session, actor=actor, client=client, refusal=refusal)
