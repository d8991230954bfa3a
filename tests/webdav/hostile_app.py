"""A small WSGI app that behaves like a broken or malicious WebDAV server, served for real by
cheroot. Each test sets what it lists, what it serves and which failures it answers first."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from webdav_servers import PASSWORD, USER

ROOT = f"/remote.php/dav/files/{USER}/Website/"


@dataclass
class Entry:
    href: str
    is_dir: bool = False
    size: int | None = None
    etag: str | None = "e1"


@dataclass
class HostileApp:
    entries: list[Entry] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # raw request path -> body
    failures: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    truncate: set[str] = field(default_factory=set)
    raw_multistatus: bytes | None = None
    # raw request path -> a body made as it is sent (no Content-Length: chunked)
    streams: dict[str, Callable[[], Iterator[bytes]]] = field(default_factory=dict)
    endless_tree: bool = False  # every folder holds a folder `d`; Depth infinity is refused

    def fail_next(self, method: str, status: int, headers: dict[str, str] | None = None) -> None:
        self.failures.setdefault(method, []).append((status, headers or {}))

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        path = environ.get("REQUEST_URI", environ["PATH_INFO"]).split("?")[0]
        expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if environ.get("HTTP_AUTHORIZATION") != expected:
            start_response(
                "401 Unauthorized",
                [
                    ("WWW-Authenticate", 'Basic realm="x"'),
                    ("X-Request-Id", "req-401"),
                    ("Content-Length", "0"),
                ],
            )
            return [b""]
        queued = self.failures.get(method)
        if queued:
            status, headers = queued.pop(0)
            start_response(f"{status} Failing", [*headers.items(), ("Content-Length", "0")])
            return [b""]
        if method == "PROPFIND":
            return self._propfind(environ, start_response)
        if method == "GET" and path in self.streams:
            start_response("200 OK", [("ETag", '"e1"')])
            return self.streams[path]()
        if method == "GET":
            if path not in self.files:
                start_response("404 Not Found", [("Content-Length", "0")])
                return [b""]
            body = self.files[path]
            declared = len(body) + (1000 if path in self.truncate else 0)
            start_response("200 OK", [("Content-Length", str(declared)), ("ETag", '"e1"')])
            return [body]
        start_response("201 Created", [("Content-Length", "0")])
        return [b""]

    def _propfind(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        depth = environ.get("HTTP_DEPTH", "infinity")
        path = environ.get("REQUEST_URI", environ["PATH_INFO"]).split("?")[0]
        if self.raw_multistatus is not None:
            body = self.raw_multistatus
        elif self.endless_tree:
            if depth == "infinity":
                start_response("403 Forbidden", [("Content-Length", "0")])
                return [b""]
            folder = path if path.endswith("/") else path + "/"
            listed = [Entry(folder, is_dir=True, etag=None)]
            if depth != "0":
                listed.append(Entry(folder + "d/", is_dir=True, etag=None))
            body = multistatus(listed)
        else:
            listed = [Entry(ROOT, is_dir=True, etag=None)]
            if depth != "0":
                listed += self.entries
            body = multistatus(listed)
        start_response(
            "207 Multi-Status",
            [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))],
        )
        return [body]


def multistatus(entries: list[Entry]) -> bytes:
    parts = ['<?xml version="1.0"?><d:multistatus xmlns:d="DAV:">']
    for e in entries:
        rtype = "<d:collection/>" if e.is_dir else ""
        size = f"<d:getcontentlength>{e.size}</d:getcontentlength>" if e.size is not None else ""
        etag = f"<d:getetag>&quot;{e.etag}&quot;</d:getetag>" if e.etag else ""
        parts.append(
            f"<d:response><d:href>{escape(e.href)}</d:href><d:propstat><d:prop>"
            f"<d:resourcetype>{rtype}</d:resourcetype>{size}{etag}</d:prop>"
            "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"
        )
    parts.append("</d:multistatus>")
    return "".join(parts).encode()


def oversized(total: int, chunk: int = 64 * 1024) -> Callable[[], Iterator[bytes]]:
    """A body of `total` bytes, made as it is sent."""

    def body() -> Iterator[bytes]:
        for start in range(0, total, chunk):
            yield b"x" * min(chunk, total - start)

    return body


def trickle(pause: float = 0.05, limit: int = 2000) -> Callable[[], Iterator[bytes]]:
    """One byte every `pause` seconds (never more than `limit` bytes, so a test that fails
    still ends)."""

    def body() -> Iterator[bytes]:
        for _ in range(limit):
            yield b"x"
            time.sleep(pause)

    return body
