"""Every query of the releases domain."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync_server.releases.models import DesktopReleaseRow


def current(session: Session, platform: str) -> DesktopReleaseRow | None:
    """The highest published version for `platform`."""
    query = (
        select(DesktopReleaseRow)
        .where(DesktopReleaseRow.platform == platform)
        .order_by(DesktopReleaseRow.version_order.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def history(session: Session, platform: str | None) -> list[DesktopReleaseRow]:
    query = select(DesktopReleaseRow).order_by(
        DesktopReleaseRow.platform, DesktopReleaseRow.version_order.desc()
    )
    if platform is not None:
        query = query.where(DesktopReleaseRow.platform == platform)
    return list(session.scalars(query))


def add(session: Session, row: DesktopReleaseRow) -> DesktopReleaseRow:
    session.add(row)
    session.flush()
    return row
