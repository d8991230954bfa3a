"""A small server that follows Netlify's build-hook protocol: `POST /build_hooks/ID` (optional
`trigger_title` / `trigger_branch` query parameters, any body) answers 200 with an empty body
and queues a build; an unknown hook id is 404, any other method 405. Listens on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Build:
    hook: str
    title: str | None
    body: bytes


@dataclass
class Hooks:
    ids: set[str]
    builds: list[Build] = field(default_factory=list)
    base: str = ""

    def url(self, hook_id: str) -> str:
        return f"{self.base}/build_hooks/{hook_id}"


class _Handler(BaseHTTPRequestHandler):
    hooks: Hooks

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        hook = parts.path.removeprefix("/build_hooks/")
        if not parts.path.startswith("/build_hooks/") or hook not in self.hooks.ids:
            return self._answer(404, b"Not Found")
        title = parse_qs(parts.query).get("trigger_title", [None])[0]
        self.hooks.builds.append(Build(hook, title, body))
        self._answer(200, b"")

    def do_GET(self) -> None:
        self._answer(405, b"Method Not Allowed")

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def netlify_hooks(*ids: str) -> Iterator[Hooks]:
    hooks = Hooks(set(ids))
    handler = type("Handler", (_Handler,), {"hooks": hooks})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    hooks.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hooks
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
