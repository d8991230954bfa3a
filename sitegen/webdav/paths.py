"""Path safety: quoting what we send, decoding and validating what the server sends back.

A path inside a WebDAV folder is handled as a tuple of segments. Each segment is quoted on its
own (so `#`, `?`, `%` and `/`-lookalikes never change the URL's structure) and must not be `.`,
`..`, empty, or contain `/`, `\\` or NUL. Names are compared in NFC, because macOS clients upload
NFD and Nextcloud keeps whatever it was given.
"""

from __future__ import annotations

import contextlib
import unicodedata
from urllib.parse import quote, unquote, urlsplit

from sitegen.webdav.errors import UnsafePathError

Segments = tuple[str, ...]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def check_segment(segment: str, *, context: str = "") -> str:
    """Return `segment` if it is a safe single name, else raise UnsafePathError."""
    where = f" in {context!r}" if context else ""
    if segment in ("", ".", "..") or nfc(segment) in (".", ".."):
        raise UnsafePathError(f"refusing the path segment {segment!r}{where}")
    for bad in ("/", "\\", "\x00"):
        if bad in segment:
            raise UnsafePathError(f"refusing a name containing {bad!r}: {segment!r}{where}")
    return segment


def split_path(path: str) -> Segments:
    """`"a/b c.md"` -> `("a", "b c.md")`; `""` and `"/"` are the root. One leading and one
    trailing slash are allowed; any other empty segment is refused."""
    if path in ("", "/"):
        return ()
    inner = path[1:] if path.startswith("/") else path
    inner = inner[:-1] if inner.endswith("/") else inner
    return tuple(check_segment(s, context=path) for s in inner.split("/"))


def join_path(segments: Segments) -> str:
    return "/".join(segments)


def quote_segments(segments: Segments) -> str:
    """The URL path for segments, each quoted on its own (`safe=""`: nothing left structural)."""
    return "/".join(quote(check_segment(s), safe="") for s in segments)


def _port(scheme: str, port: int | None) -> int | None:
    return port if port is not None else _DEFAULT_PORTS.get(scheme)


def decode_href(
    href: str, *, scheme: str, host: str, port: int | None, root: Segments
) -> tuple[Segments, bool]:
    """Decode an href from a multistatus into segments relative to `root`, and whether it ends
    in `/` (a folder). Accepts absolute paths and same-origin absolute URLs, lowercase escapes
    and unescaped `:` (as Nextcloud sends them). Refuses other origins, queries, fragments,
    anything outside `root`, and unsafe segments (including `%2e%2e` and `%2f`)."""
    parts = urlsplit(href.strip())
    if parts.scheme or parts.netloc:
        try:
            same = (
                parts.scheme.lower() == scheme
                and (parts.hostname or "").lower() == host.lower()
                and _port(parts.scheme.lower(), parts.port) == _port(scheme, port)
                and parts.username is None
            )
        except ValueError:  # a malformed port
            same = False
        if not same:
            raise UnsafePathError(f"the server sent an href on another origin: {href!r}")
    if parts.query or parts.fragment or "?" in href or "#" in href:
        raise UnsafePathError(f"the server sent an href with a query or fragment: {href!r}")
    raw = parts.path
    if not raw.startswith("/"):
        raise UnsafePathError(f"the server sent a relative href: {href!r}")
    is_dir = raw.endswith("/") and raw != "/"
    body = raw[1:-1] if is_dir else raw[1:]
    try:
        segments = tuple(unquote(s, errors="strict") for s in body.split("/")) if body else ()
    except UnicodeDecodeError:
        raise UnsafePathError(f"the server sent an href that is not UTF-8: {href!r}") from None
    for s in segments:
        check_segment(s, context=href)
    n = len(root)
    if len(segments) < n or tuple(nfc(s) for s in segments[:n]) != tuple(nfc(s) for s in root):
        raise UnsafePathError(f"the server sent an href outside the folder: {href!r}")
    return segments[n:], is_dir


def redact(url: str) -> str:
    """A URL with any userinfo removed, fit for a message."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.username is None and parts.password is None:
        return url
    netloc = parts.hostname or ""
    with contextlib.suppress(ValueError):
        if parts.port:
            netloc += f":{parts.port}"
    return parts._replace(netloc=netloc).geturl()
