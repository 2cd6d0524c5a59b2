"""HTTP hardening as pure ASGI middleware: who the client really is behind trusted proxies, and the
security headers every answer carries."""

from __future__ import annotations

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_address

from starlette.types import ASGIApp, Message, Receive, Scope, Send

Network = IPv4Network | IPv6Network


@lru_cache(maxsize=8192)
def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    """Whether the address is in one of the networks. Remembered: every request asks it of its peer
    (one proxy or a few hundred desktops), and parsing and matching cost more than the rest of the
    middleware."""
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(peer: str, forwarded_for: str | None, *, trusted: tuple[Network, ...]) -> str:
    """The client's address: the peer's, unless the peer is a trusted proxy; then the right-most
    X-Forwarded-For entry that is not itself a trusted proxy (entries left of it are the client's say)."""
    if not forwarded_for or not _trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer


class ProxyTrust:
    """Rewrites the scope's client (and scheme) from X-Forwarded-For/-Proto, only when the peer is one of
    the trusted proxies. uvicorn's own proxy handling is turned off by `serve`: this is the one place."""

    def __init__(self, app: ASGIApp, *, trusted: tuple[Network, ...]) -> None:
        self.app = app
        self.trusted = trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.trusted and scope.get("client"):
            peer, port = scope["client"]
            if _trusted(peer, self.trusted):
                headers = dict(scope.get("headers") or [])
                forwarded = headers.get(b"x-forwarded-for")
                if forwarded is not None:
                    address = client_address(peer, forwarded.decode("latin-1"), trusted=self.trusted)
                    scope = {**scope, "client": (address[:64], port)}
                proto = headers.get(b"x-forwarded-proto")
                if proto in (b"http", b"https"):
                    scope = {**scope, "scheme": proto.decode()}
        await self.app(scope, receive, send)


class SecurityHeaders:
    """Headers every answer carries: no MIME sniffing, no framing, no referrer, no caching of answers
    (they hold patient data; an answer that chose its own Cache-Control keeps it), and HSTS over TLS.
    The `Server` banner is dropped here too (and `serve` tells uvicorn not to add one)."""

    def __init__(self, app: ASGIApp, *, hsts_seconds: int, tls: bool) -> None:
        self.app = app
        self.hsts = f"max-age={hsts_seconds}; includeSubDomains".encode() if hsts_seconds else None
        self.tls = tls

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = self.tls or scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
                present = {k.lower() for k, _ in headers}
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"content-security-policy", b"frame-ancestors 'none'"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cache-control", b"no-store"),
                ]
                if secure and self.hsts:
                    extra.append((b"strict-transport-security", self.hsts))
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
