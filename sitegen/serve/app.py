"""Layer 5: the preview's HTTP side (starlette): static files from the build output with clean
URLs, the site's 404 page, `Cache-Control: no-store`, the client script injected into HTML, and
nothing outside the output folder."""

from __future__ import annotations

import mimetypes
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import anyio.to_thread
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .inject import WS_PATH, inject, snippet
from .reload import Hub

NO_STORE = "no-store"
WAIT_FOR_BUILD = 120.0  # seconds a request waits for a running build before it is served anyway

_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".css": "text/css",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".xml": "application/xml",
    ".txt": "text/plain",
    ".webmanifest": "application/manifest+json",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".md": "text/markdown",
}

_BUILTIN_404 = (
    b"<!doctype html><html><head><meta charset=utf-8><title>Not found</title></head>"
    b"<body><h1>Not found</h1><p>This site has no page here (and no 404 page).</p>"
    b"</body></html>"
)


def content_type(path: str) -> str:
    ext = os.path.splitext(path)[1].lower()
    kind = _TYPES.get(ext) or mimetypes.guess_type(path)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in (
        "application/json",
        "application/xml",
        "image/svg+xml",
        "application/manifest+json",
    ):
        kind += "; charset=utf-8"
    return kind


@dataclass
class SiteView:
    """What the app needs to know about the preview; the server updates it after each build."""

    out_dir: Path
    wait_idle: Callable[[float], bool]
    idle: Callable[[], bool]
    base_path: str = "/"
    token: str = ""
    error_overlay: str | None = None

    def root(self) -> str:
        return os.path.realpath(self.out_dir)


def resolve(root: str, rel: str) -> str | None:
    """The real path of `rel` below the output folder `root`, or None when it would leave it."""
    parts = [p for p in rel.split("/") if p]
    if any(p in (".", "..") or "\\" in p or "\x00" in p for p in parts):
        return None
    real = os.path.realpath(os.path.join(root, *parts))
    if real != root and not real.startswith(root + os.sep):
        return None  # a symlink pointing out of the output
    return real


def local_location(path: str) -> str:
    """The folder URL `/a/b/` for a request path, always a path on this server: empty segments
    are dropped, so `//evil.example/x` (which a browser reads as another host) becomes
    `/evil.example/x/`, and every segment is quoted (a `\\` cannot turn into a `/`)."""
    parts = [quote(p, safe="") for p in path.split("/") if p]
    return "/" + "".join(p + "/" for p in parts)


class NoStore:
    """Every HTTP response carries Cache-Control: no-store (also starlette's own 405s)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["cache-control"] = NO_STORE
            await send(message)

        await self.app(scope, receive, send_no_store)


def make_app(view: SiteView, hub: Hub) -> Starlette:
    async def site(request: Request) -> Response:
        return await serve_site(view, request)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        import asyncio

        hub.bind(asyncio.get_running_loop())
        try:
            yield
        finally:
            await hub.close_all()

    app = Starlette(
        routes=[
            WebSocketRoute(WS_PATH, hub.endpoint),
            Route("/{path:path}", site, methods=["GET", "HEAD"]),
        ],
        lifespan=lifespan,
    )
    app.add_middleware(NoStore)
    return app


async def serve_site(view: SiteView, request: Request) -> Response:
    """The answer to a GET or HEAD: a file of the output, a redirect to a folder's URL, or 404."""
    if not view.idle():  # a build is running: wait for it instead of reading a half-built site
        await anyio.to_thread.run_sync(view.wait_idle, WAIT_FOR_BUILD)
    path: str = request.scope["path"]  # percent-decoded: %2e%2e arrives here as ..
    base = view.base_path
    if not path.startswith(base):
        if path + "/" == base or path == "/":
            return RedirectResponse(local_location(base), 307)
        return _not_found(view)
    rel = path[len(base) :]
    root = view.root()
    target = resolve(root, rel + "index.html" if rel == "" or rel.endswith("/") else rel)
    if target is None:
        return _not_found(view)
    if os.path.isfile(target):
        return _send_file(view, target)
    if os.path.isdir(target) and os.path.isfile(os.path.join(target, "index.html")):
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(local_location(path) + query, 307)
    if not rel.endswith("/"):
        flat = resolve(root, rel + ".html")  # urls = "html": /about reaches about.html
        if flat is not None and os.path.isfile(flat):
            return _send_file(view, flat)
    return _not_found(view)


def _html_response(view: SiteView, path: str | None, status: int = 200) -> Response:
    """An HTML page (the built-in 404 when `path` is None) with the client script injected."""
    page = _BUILTIN_404
    if path is not None:
        with open(path, "rb") as f:
            page = f.read()
    body = inject(page, snippet(view.token, view.error_overlay, status))
    return Response(body, status, media_type="text/html; charset=utf-8")


def _not_found(view: SiteView) -> Response:
    page = resolve(view.root(), "404.html")
    return _html_response(view, page if page and os.path.isfile(page) else None, 404)


def _send_file(view: SiteView, path: str) -> Response:
    if path.endswith((".html", ".htm")):
        return _html_response(view, path)
    return FileResponse(path, media_type=content_type(path))
