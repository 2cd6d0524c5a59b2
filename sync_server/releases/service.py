"""Publishing rules, and refused updates turned into audit entries."""

from __future__ import annotations

import base64
import binascii

from sqlalchemy.orm import Session

from shared.releases import DesktopRelease, UpdateRefusal, Version
from sync_server.audit import service as audit
from sync_server.auth.deps import Actor
from sync_server.core.context import ClientInfo
from sync_server.core.errors import Conflict, Invalid, NotFound
from sync_server.releases import repository
from sync_server.releases.models import DesktopReleaseRow
from sync_server.releases.schemas import PublishRelease


def as_release(row: DesktopReleaseRow) -> DesktopRelease:
    return DesktopRelease(
        platform=row.platform,
        version=row.version,
        min_supported_version=row.min_supported_version,
        package_url=row.package_url,
        size=row.size,
        sha256=row.sha256,
        signature=row.signature,
        notes=row.notes,
        published_at=row.published_at,
    )


def current(session: Session, platform: str) -> DesktopRelease:
    """The release desktops of `platform` should run. NotFound when none was published."""
    row = repository.current(session, platform)
    if row is None:
        raise NotFound(f"No desktop release has been published for {platform}.")
    return as_release(row)


def publish(session: Session, *, actor: Actor, client: ClientInfo, release: PublishRelease) -> DesktopRelease:
    """Make `release` the current one. Refuses (409) a version not newer than the current release (a
    downgrade would be refused by every desktop anyway) and (422) a malformed signature or a minimum
    newer than the release itself."""
    try:
        if len(base64.b64decode(release.signature, validate=True)) != 64:
            raise ValueError
    except (binascii.Error, ValueError) as exc:
        raise Invalid("signature must be a base64 Ed25519 signature (64 bytes).") from exc
    version = Version.parse(release.version)
    latest = repository.current(session, release.platform)
    if latest is not None and Version.parse(latest.version) >= version:
        raise Conflict(
            f"WardDesk {latest.version} is already published for {release.platform}; "
            "a new release must be newer.",
            details={"current": latest.version},
        )
    # By default the minimum stays where it was (nothing is forced): "0" before the first release.
    minimum_text = release.min_supported_version or (latest.min_supported_version if latest else "0")
    if Version.parse(minimum_text) > version:
        raise Invalid("min_supported_version cannot be newer than the release itself.")
    row = repository.add(
        session,
        DesktopReleaseRow(
            platform=release.platform,
            version=release.version,
            version_order=list(version.parts),
            min_supported_version=minimum_text,
            package_url=release.package_url,
            size=release.size,
            sha256=release.sha256,
            signature=release.signature,
            notes=release.notes,
            published_by=actor.user_id,
        ),
    )
    audit.record(
        session,
        actor=actor,
        client=client,
        action="release.publish",
        entity="desktop_release",
        entity_id=row.id,
        details={"platform": row.platform, "version": row.version, "min_supported": minimum_text},
    )
    session.refresh(row)
    return as_release(row)


def history(session: Session, platform: str | None) -> list[DesktopRelease]:
    return [as_release(row) for row in repository.history(session, platform)]


def record_refusal(
    session: Session, *, actor: Actor | None, client: ClientInfo, refusal: UpdateRefusal
) -> None:
    """Keep a desktop's refused update as an audit entry (`release.refused`)."""
    audit.record(
        session,
        actor=actor,
        client=client,
        action="release.refused",
        entity="desktop_release",
        entity_id=refusal.version,
        details=refusal.model_dump(mode="json"),
    )
