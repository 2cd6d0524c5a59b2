"""Every query of the auth domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, Row, Select, Uuid, bindparam, delete, func, literal, or_, select, update
from sqlalchemy.orm import Session

from shared.roles import Role
from sync_server.auth.models import LoginThrottle, RefreshToken, SessionFamily, User, UserWard
from sync_server.core import raw


def user_by_name(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def user_by_id(session: Session, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def other_active_admins(session: Session, user_id: uuid.UUID) -> int:
    """How many active administrators there are besides this user."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN, User.active, User.id != user_id)
        )
        or 0
    )


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def _signed_in_user_query() -> Select[Any]:
    wards = (
        select(func.coalesce(func.array_agg(UserWard.ward_id), literal([], ARRAY(Uuid))))
        .where(UserWard.user_id == User.id)
        .scalar_subquery()
    )
    return (
        select(
            User.id,
            User.username,
            User.full_name,
            User.role,
            User.active,
            User.doctor_id,
            wards.label("ward_ids"),
        )
        .join(SessionFamily, SessionFamily.user_id == User.id)
        .where(
            User.id == bindparam("user_id"),
            SessionFamily.id == bindparam("session_id"),
            SessionFamily.revoked_at.is_(None),
        )
    )


# Built once: every authenticated request runs it, and a statement built per call pays for its cache
# key each time (about a millisecond here).
_SIGNED_IN_USER = raw.Statement(_signed_in_user_query())


def signed_in_user(session: Session, *, user_id: uuid.UUID, session_id: uuid.UUID) -> Row[Any] | None:
    """In one round trip: the user behind a live session, with the ward ids a nurse belongs to.

    None when the session does not exist, was revoked, or belongs to someone else.
    """
    return _SIGNED_IN_USER.one_or_none(session, {"user_id": user_id, "session_id": session_id})


def session_family(session: Session, family_id: uuid.UUID) -> SessionFamily | None:
    return session.get(SessionFamily, family_id)


def refresh_token_for_update(session: Session, token_hash: str) -> RefreshToken | None:
    return session.scalar(select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update())


def revoke_family(session: Session, family_id: uuid.UUID, *, at: datetime, reason: str) -> None:
    session.execute(
        update(SessionFamily)
        .where(SessionFamily.id == family_id, SessionFamily.revoked_at.is_(None))
        .values(revoked_at=at, revoked_reason=reason)
    )


def revoke_all_families_of(session: Session, user_id: uuid.UUID, *, at: datetime, reason: str) -> None:
    session.execute(
        update(SessionFamily)
        .where(SessionFamily.user_id == user_id, SessionFamily.revoked_at.is_(None))
        .values(revoked_at=at, revoked_reason=reason)
    )


def throttle_for_update(session: Session, key: str) -> LoginThrottle | None:
    return session.scalar(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update())


def throttles(session: Session, keys: list[str]) -> list[LoginThrottle]:
    return list(session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))))


def purge_throttles(session: Session, *, window_started_before: datetime, now: datetime) -> None:
    """Delete the counts whose window has passed and that lock nothing out.

    Rows another sign-in is counting on are skipped, not waited for, so two purges never deadlock.
    """
    stale = (
        select(LoginThrottle.key)
        .where(
            LoginThrottle.window_started_at < window_started_before,
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
        )
        .with_for_update(skip_locked=True)
    )
    session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(stale)))
