"""Sign-in, token rotation, sign-out and the failed-login throttle."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, NoReturn

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session, sessionmaker

from shared.errors import ErrorCode
from sync_server.audit import service as audit
from sync_server.auth import repository
from sync_server.auth.models import LoginThrottle, RefreshToken, SessionFamily, User
from sync_server.auth.passwords import verify_password
from sync_server.auth.tokens import (
    hash_refresh_token,
    issue_access_token,
    new_refresh_token,
    successor_refresh_token,
)
from sync_server.core.config import Settings
from sync_server.core.context import ClientInfo
from sync_server.core.db import transaction
from sync_server.core.errors import NotAuthenticated, TooManyRequests


class InvalidCredentials(NotAuthenticated):
    code = ErrorCode.INVALID_CREDENTIALS
    keeps_effects = True  # the failed attempt stays in the audit log


class RefreshTokenReused(NotAuthenticated):
    code = ErrorCode.REFRESH_TOKEN_REUSED
    keeps_effects = True  # the revoked session and its audit entry stay


def _now() -> datetime:
    return datetime.now(UTC)


def normalised_username(username: str) -> str:
    """The user name as sign-in reads it: " Pedro" and "pedro" are the same account."""
    return username.strip().lower()


@dataclass(frozen=True)
class Lockout:
    """An account (by user name) or a client address that may not sign in until `until`."""

    scope: Literal["account", "address"]
    subject: str
    until: datetime

    @classmethod
    def of(cls, throttle: LoginThrottle) -> Lockout:
        kind, subject = throttle.key.split(":", 1)
        assert throttle.locked_until is not None
        return cls("account" if kind == "user" else "address", subject, throttle.locked_until)


class LoginRateLimited(TooManyRequests):
    code = ErrorCode.LOGIN_RATE_LIMITED
    keeps_effects = True  # the refused attempt stays in the audit log

    @classmethod
    def during(cls, lockout: Lockout) -> LoginRateLimited:
        seconds = int((lockout.until - _now()).total_seconds()) + 1
        what = "this account" if lockout.scope == "account" else "this workstation's address"
        return cls(
            f"Too many failed sign-ins for {what}. Try again in {seconds // 60 + 1} minutes "
            "or ask an administrator to reset the password.",
            details={"retry_after_seconds": seconds},
            headers={"Retry-After": str(seconds)},
        )


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    user: User


class LoginThrottler:
    """Counts failed sign-ins per account and per address in their own transactions,
    so a failed attempt is remembered even though the request itself fails."""

    def __init__(self, factory: sessionmaker[Session], settings: Settings) -> None:
        self._factory = factory
        self._window = timedelta(minutes=settings.login_lockout_minutes)
        self._limits = {
            "user": settings.login_max_failures_per_account,
            "addr": settings.login_max_failures_per_address,
        }

    @staticmethod
    def keys(username: str, address: str) -> list[str]:
        # Every typed name counts, known or not, so the lockout does not tell which names are real.
        return [f"user:{normalised_username(username)[:150]}", f"addr:{address[:64]}"]

    def lockout(self, username: str, address: str) -> Lockout | None:
        """The lockout that refuses a sign-in with this user name from this address now, if any."""
        now = _now()
        with transaction(self._factory) as session:
            for throttle in repository.throttles(session, self.keys(username, address)):
                if throttle.locked_until and throttle.locked_until > now:
                    return Lockout.of(throttle)
        return None

    def record_failure(self, username: str, address: str) -> list[Lockout]:
        """Count a failed sign-in against the account and the address; the lockouts it starts.

        Counts whose window has passed are purged first. With the address's own limit, that bounds the
        table: an address adds at most that many user names per window before it is locked out.
        """
        now = _now()
        started = []
        with transaction(self._factory) as session:
            repository.purge_throttles(session, window_started_before=now - self._window, now=now)
            for key in self.keys(username, address):
                session.execute(
                    pg_insert(LoginThrottle)
                    .values(key=key, failures=0, window_started_at=now)
                    .on_conflict_do_nothing(index_elements=["key"])
                )
                throttle = repository.throttle_for_update(session, key)
                assert throttle is not None
                if now - throttle.window_started_at > self._window:
                    throttle.failures = 0
                    throttle.window_started_at = now
                throttle.failures += 1
                if throttle.failures >= self._limits[key.split(":", 1)[0]]:
                    already_locked = throttle.locked_until is not None and throttle.locked_until > now
                    throttle.locked_until = now + self._window
                    if not already_locked:
                        started.append(Lockout.of(throttle))
        return started

    def record_success(self, username: str) -> None:
        with transaction(self._factory) as session:
            throttle = repository.throttle_for_update(session, self.keys(username, "")[0])
            if throttle is not None:
                session.delete(throttle)


class AuthService:
    def __init__(self, session: Session, settings: Settings) -> None:
        self._session = session
        self._settings = settings

    def authenticate(self, username: str, password: str) -> User:
        """The active user with this name and password; InvalidCredentials otherwise."""
        user = repository.user_by_name(self._session, normalised_username(username))
        ok = verify_password(user.password_hash if user else None, password)
        if user is None or not ok or not user.active:
            raise InvalidCredentials("Wrong user name or password.")
        return user

    def start_session(self, user: User, *, client: str, address: str = "") -> IssuedTokens:
        family = SessionFamily(id=uuid.uuid4(), user_id=user.id)
        self._session.add(family)
        self._session.flush()
        return self._issue(
            user, family.id, new_refresh_token(), client=ClientInfo(address=address, name=client)
        )

    def refresh(self, token: str, *, client: ClientInfo) -> IssuedTokens:
        """Rotate a refresh token.

        Presenting one that was already used revokes its whole family (RefreshTokenReused), unless the same
        client retries it within the grace window without having used the new one: then its answer was
        lost, and it gets the same new refresh token again.
        """
        now = _now()
        stored = repository.refresh_token_for_update(self._session, hash_refresh_token(token))
        if stored is None:
            raise NotAuthenticated("This refresh token is not known; sign in again.")
        family = repository.session_family(self._session, stored.family_id)
        if family is None or family.revoked_at is not None:
            raise NotAuthenticated("This session has ended; sign in again.")
        if stored.used_at is not None:
            again = self._lost_answer(token, stored, client=client, now=now)
            if again is not None:
                return again
            self._end_for_reuse(stored, client=client, now=now)
        if stored.expires_at <= now:
            raise NotAuthenticated("This session has expired; sign in again.")
        user = self._active_user(stored.user_id)
        stored.used_at = now
        successor = successor_refresh_token(token, secret=self._settings.secret_key)
        return self._issue(user, stored.family_id, successor, client=client)

    def _lost_answer(
        self, token: str, used: RefreshToken, *, client: ClientInfo, now: datetime
    ) -> IssuedTokens | None:
        """The answer to the rotation of `token` again, when this is that answer's client retrying in time and
        the new refresh token it was given is still unused (so it evidently never arrived); else None."""
        assert used.used_at is not None
        if now - used.used_at >= timedelta(seconds=self._settings.refresh_retry_grace_seconds):
            return None
        # The successor is derived, not stored: the server keeps no refresh token it could leak.
        successor = successor_refresh_token(token, secret=self._settings.secret_key)
        handed = repository.refresh_token_for_update(self._session, hash_refresh_token(successor))
        if handed is None or handed.used_at is not None:
            return None
        if (handed.client_address, handed.client) != (client.address, client.name[:200]):
            return None
        user = self._active_user(handed.user_id)
        return self._tokens(user, handed.family_id, successor, handed.expires_at)

    def _end_for_reuse(self, stored: RefreshToken, *, client: ClientInfo, now: datetime) -> NoReturn:
        repository.revoke_family(self._session, stored.family_id, at=now, reason="refresh_token_reused")
        # A used token coming back means two holders (a stolen copy, or a client bug): the admin can
        # see it in the audit log, with the address it came from.
        owner = repository.user_by_id(self._session, stored.user_id)
        audit.record(
            self._session,
            actor=None,
            client=client,
            action="auth.refresh_token_reused",
            entity="user",
            entity_id=stored.user_id,
            username=owner.username if owner else "",
            user_id=stored.user_id,
            role=owner.role.value if owner else "",
            details={"session_id": str(stored.family_id)},
        )
        # The revocation and its record persist although the request fails (the error keeps effects).
        raise RefreshTokenReused(
            "This refresh token was already used, so the session was ended for safety; sign in again."
        )

    def _active_user(self, user_id: uuid.UUID) -> User:
        user = repository.user_by_id(self._session, user_id)
        if user is None or not user.active:
            raise NotAuthenticated("This account is disabled.")
        return user

    def _issue(self, user: User, family_id: uuid.UUID, refresh: str, *, client: ClientInfo) -> IssuedTokens:
        refresh_expires = _now() + timedelta(days=self._settings.refresh_token_days)
        self._session.execute(
            insert(RefreshToken).values(
                token_hash=hash_refresh_token(refresh),
                family_id=family_id,
                user_id=user.id,
                expires_at=refresh_expires,
                client=client.name[:200],
                client_address=client.address[:64],
            )
        )
        return self._tokens(user, family_id, refresh, refresh_expires)

    def _tokens(
        self, user: User, family_id: uuid.UUID, refresh: str, refresh_expires: datetime
    ) -> IssuedTokens:
        access, access_expires = issue_access_token(
            secret=self._settings.secret_key,
            user_id=user.id,
            role=user.role,
            session_id=family_id,
            lifetime=timedelta(minutes=self._settings.access_token_minutes),
        )
        return IssuedTokens(access, access_expires, refresh, refresh_expires, user)
