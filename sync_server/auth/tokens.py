"""Short-lived signed access tokens and opaque refresh tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import jwt

from shared.roles import Role

ALGORITHM = "HS256"
ISSUER = "warddesk"


class TokenError(Exception):
    def __init__(self, reason: str, *, expired: bool = False) -> None:
        super().__init__(reason)
        self.expired = expired


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    role: Role
    session_id: uuid.UUID
    expires_at: datetime


def issue_access_token(
    *, secret: str, user_id: uuid.UUID, role: Role, session_id: uuid.UUID, lifetime: timedelta
) -> tuple[str, datetime]:
    now = datetime.now(UTC)
    expires = now + lifetime
    claims = {
        "iss": ISSUER,
        "sub": str(user_id),
        "role": role.value,
        "sid": str(session_id),
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM), expires


def read_access_token(token: str, *, secret: str) -> AccessClaims:
    """Check signature, issuer and expiry; raise TokenError when any fails."""
    claims = _signed_claims(token, secret)
    if claims.expires_at <= datetime.now(UTC):
        raise TokenError("access token expired", expired=True)
    return claims


@lru_cache(maxsize=4096)
def _signed_claims(token: str, secret: str) -> AccessClaims:
    """The claims of a token whose signature and issuer hold, expiry not checked. Remembered: a desktop
    sends the same token with every request for its lifetime, and checking an HMAC signature through
    PyJWT costs a good part of a small request. A token that fails raises, and is not remembered."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "sub", "sid"], "verify_exp": False},
        )
        return AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            role=Role(claims["role"]),
            session_id=uuid.UUID(claims["sid"]),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )
    except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
        raise TokenError("access token is not valid") from exc


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def successor_refresh_token(token: str, *, secret: str) -> str:
    """The refresh token that replaces `token` when it rotates.

    Unguessable without the server's secret, and the same every time: a client whose answer was lost can be
    given it again although the server keeps only its hash.
    """
    message = b"warddesk-refresh-successor\x00" + token.encode("utf-8", "surrogatepass")
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
