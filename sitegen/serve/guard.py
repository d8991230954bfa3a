"""Layer 5: who may talk to the preview. Every HTTP request and WebSocket handshake must name an
allowed host in its `Host` header (a page of another site that rebinds its DNS name to 127.0.0.1
still sends its own name), and a WebSocket handshake that carries an `Origin` must come from a
page of this preview (so no other site's page can read the error overlay, which quotes the
site's sources). Refused requests get a plain 400 or 403 before the app sees them."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def normalize_host(name: str) -> str:
    """A host name or address as compared: lower case, IPv6 without brackets, canonical form."""
    name = name.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    try:
        return ipaddress.ip_address(name).compressed
    except ValueError:
        return name


def allowed_hosts(bind: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """Loopback, the address the preview binds, and the names given with --allow-host."""
    return frozenset(normalize_host(h) for h in (*LOOPBACK_NAMES, bind, *extra) if h.strip())


def host_of(authority: str) -> str | None:
    """The host part of a `Host` header value (`name`, `name:port`, `[v6]:port`), or None when
    it is not one."""
    if not authority or any(c in authority for c in "/\\@?#% \t"):
        return None
    try:
        parts = urlsplit("//" + authority)
        _ = parts.port  # a malformed port raises
    except ValueError:
        return None
    return normalize_host(parts.hostname) if parts.hostname else None


def _header(scope: Scope, name: bytes) -> str | None:
    values = [v for k, v in scope.get("headers", ()) if k.lower() == name]
    if len(values) != 1:  # missing, or sent twice (which one would a proxy have read?)
        return None
    value: bytes = values[0]
    return value.decode("latin-1")


def origin_allowed(origin: str, host_header: str, allowed: frozenset[str]) -> bool:
    """An Origin is this preview's own when it is http(s)://<the Host the page asked for>."""
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or parts.path or parts.query or parts.fragment:
        return False
    return parts.netloc.lower() == host_header.lower() and host_of(parts.netloc) in allowed


class HostGuard:
    """ASGI middleware: refuses requests for other hosts and WebSockets from other origins."""

    def __init__(self, app: ASGIApp, allowed: frozenset[str]) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = _header(scope, b"host")
        if host is None or host_of(host) not in self.allowed:
            await _refuse(scope, send, 400, "this preview does not answer for that host\n")
            return
        if scope["type"] == "websocket":
            origin = _header(scope, b"origin")
            # No Origin: not a browser (browsers always send one on a WebSocket handshake).
            if origin is not None and not origin_allowed(origin, host, self.allowed):
                await _refuse(scope, send, 403, "WebSocket from another origin refused\n")
                return
        await self.app(scope, receive, send)


async def _refuse(scope: Scope, send: Send, status: int, text: str) -> None:
    body = text.encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
    ]
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return
    if "websocket.http.response" in scope.get("extensions", {}):
        await send({"type": "websocket.http.response.start", "status": status, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": body})
        return
    await send({"type": "websocket.close", "code": 1008})  # the server answers 403
