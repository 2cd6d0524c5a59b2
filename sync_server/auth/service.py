"""Sign-in, token rotation, sign-out and the failed-login throttle."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session, sessionmaker

from shared.errors import ErrorCode
from sync_server.audit import service as audit
from sync_server.auth import repository
from sync_server.auth.models import LoginThrottle, RefreshToken, SessionFamily, User
from sync_server.auth.passwords import verify_password
from sync_server.auth.tokens import hash_refresh_token, issue_access_token, new_refresh_token
from sync_server.core.config import Settings
from sync_server.core.context import ClientInfo
from sync_server.core.db import transaction
from sync_server.core.errors import NotAuthenticated, TooManyRequests


class InvalidCredentials(NotAuthenticated):
    code = ErrorCode.INVALID_CREDENTIALS


class RefreshTokenReused(NotAuthenticated):
    code = ErrorCode.REFRESH_TOKEN_REUSED


class LoginRateLimited(TooManyRequests):
    code = ErrorCode.LOGIN_RATE_LIMITED


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    user: User


def _now() -> datetime:
    return datetime.now(UTC)


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
        # Normalised like sign-in itself, so " Pedro" and "pedro" count against the same account.
        return [f"user:{username.strip().lower()[:150]}", f"addr:{address[:64]}"]

    def check(self, username: str, address: str) -> None:
        """Raise LoginRateLimited while the account or the address is locked out."""
        now = _now()
        with transaction(self._factory) as session:
            for throttle in repository.throttles(session, self.keys(username, address)):
                if throttle.locked_until and throttle.locked_until > now:
                    seconds = int((throttle.locked_until - now).total_seconds()) + 1
                    by_account = throttle.key.startswith("user:")
                    what = "this account" if by_account else "this workstation's address"
                    raise LoginRateLimited(
                        f"Too many failed sign-ins for {what}. Try again in {seconds // 60 + 1} minutes "
                        "or ask an administrator to reset the password.",
                        details={"retry_after_seconds": seconds},
                        headers={"Retry-After": str(seconds)},
                    )

    def record_failure(self, username: str, address: str) -> None:
        now = _now()
        with transaction(self._factory) as session:
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
                    throttle.locked_until = now + self._window

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
        user = repository.user_by_name(self._session, username.strip().lower())
        ok = verify_password(user.password_hash if user else None, password)
        if user is None or not ok or not user.active:
            raise InvalidCredentials("Wrong user name or password.")
        return user

    def start_session(self, user: User, *, client: str) -> IssuedTokens:
        family = SessionFamily(id=uuid.uuid4(), user_id=user.id)
        self._session.add(family)
        self._session.flush()
        return self._issue(user, family.id, client=client)

    def refresh(self, token: str, *, client: str, audit_client: ClientInfo | None = None) -> IssuedTokens:
        """Rotate a refresh token. Presenting one that was already used revokes its whole family."""
        now = _now()
        stored = repository.refresh_token_for_update(self._session, hash_refresh_token(token))
        if stored is None:
            raise NotAuthenticated("This refresh token is not known; sign in again.")
        family = repository.session_family(self._session, stored.family_id)
        if family is None or family.revoked_at is not None:
            raise NotAuthenticated("This session has ended; sign in again.")
        if stored.used_at is not None:
            repository.revoke_family(self._session, stored.family_id, at=now, reason="refresh_token_reused")
            # A used token coming back means two holders (a stolen copy, or a client bug): the admin can
            # see it in the audit log, with the address it came from.
            owner = repository.user_by_id(self._session, stored.user_id)
            audit.record(
                self._session,
                actor=None,
                client=audit_client or ClientInfo(address="", name=client),
                action="auth.refresh_token_reused",
                entity="user",
                entity_id=stored.user_id,
                username=owner.username if owner else "",
                details={"session_id": str(stored.family_id)},
            )
            # The revocation and its record must persist although the request fails: commit them here.
            self._session.commit()
            raise RefreshTokenReused(
                "This refresh token was already used, so the session was ended for safety; sign in again."
            )
        if stored.expires_at <= now:
            raise NotAuthenticated("This session has expired; sign in again.")
        user = repository.user_by_id(self._session, stored.user_id)
        if user is None or not user.active:
            raise NotAuthenticated("This account is disabled.")
        stored.used_at = now
        return self._issue(user, stored.family_id, client=client)

    def _issue(self, user: User, family_id: uuid.UUID, *, client: str) -> IssuedTokens:
        access, access_expires = issue_access_token(
            secret=self._settings.secret_key,
            user_id=user.id,
            role=user.role,
            session_id=family_id,
            lifetime=timedelta(minutes=self._settings.access_token_minutes),
        )
        refresh = new_refresh_token()
        refresh_expires = _now() + timedelta(days=self._settings.refresh_token_days)
        self._session.execute(
            insert(RefreshToken).values(
                token_hash=hash_refresh_token(refresh),
                family_id=family_id,
                user_id=user.id,
                expires_at=refresh_expires,
                client=client[:200],
            )
        )
        return IssuedTokens(access, access_expires, refresh, refresh_expires, user)
